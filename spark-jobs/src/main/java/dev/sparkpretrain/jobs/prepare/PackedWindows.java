package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.objective.TokenizedDocument;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Cuts one global token stream — every document, ordered by content key, optionally followed by a separator —
 * into windows of a fixed size, on Spark and without collecting anything but one length per partition.
 *
 * <p>The stream is range-partitioned by key; each partition learns its global start offset from the per-partition
 * lengths, emits the windows that lie inside it, and emits fragments of the windows that cross a partition
 * boundary; fragments are merged by window index. The windows depend only on the documents and their keys, not
 * on partitioning. Only the very last window of the stream can be short.
 */
public final class PackedWindows {
  private PackedWindows() {}

  /** A piece of window {@code index} starting at {@code offset} inside it. */
  record Fragment(int offset, int[] ids) implements Serializable {}

  /**
   * @param separator id appended after every document, or -1 for none
   * @return (window index, ids) pairs
   */
  public static JavaPairRDD<Long, int[]> of(JavaRDD<TokenizedDocument> documents, int window, int separator) {
    int partitions = Math.max(1, documents.getNumPartitions());
    JavaPairRDD<Long, int[]> sorted = documents
        .mapToPair(d -> new Tuple2<>(d.key(), flatten(d, separator)))
        .sortByKey(true, partitions)
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    List<Long> lengths = sorted.mapPartitions(it -> {
      long n = 0;
      while (it.hasNext()) {
        n += it.next()._2().length;
      }
      return List.of(n).iterator();
    }, true).collect();
    long[] offsets = new long[lengths.size()];
    for (int i = 1; i < offsets.length; i++) {
      offsets[i] = offsets[i - 1] + lengths.get(i - 1);
    }
    JavaRDD<Tuple2<Long, Fragment>> pieces = sorted.mapPartitionsWithIndex((p, it) -> {
      List<Tuple2<Long, Fragment>> out = new ArrayList<>();
      long position = offsets[p];
      int[] buf = new int[window];
      int filled = 0;
      int bufOffset = (int) (position % window); // where this partition's first id falls in its window
      long bufIndex = position / window;
      while (it.hasNext()) {
        for (int id : it.next()._2()) {
          buf[bufOffset + filled++] = id;
          if (bufOffset + filled == window) {
            // bufOffset > 0 only for the first window of a partition: a fragment of its own part
            out.add(new Tuple2<>(bufIndex, new Fragment(bufOffset, Arrays.copyOfRange(buf, bufOffset, window))));
            bufIndex++;
            bufOffset = 0;
            filled = 0;
          }
        }
      }
      if (filled > 0) {
        out.add(new Tuple2<>(bufIndex, new Fragment(bufOffset, Arrays.copyOfRange(buf, bufOffset, bufOffset + filled))));
      }
      return out.iterator();
    }, true);
    JavaPairRDD<Long, int[]> whole = pieces
        .filter(t -> t._2().offset() == 0 && t._2().ids().length == window)
        .mapToPair(t -> new Tuple2<>(t._1(), t._2().ids()));
    JavaPairRDD<Long, int[]> merged = pieces
        .filter(t -> !(t._2().offset() == 0 && t._2().ids().length == window))
        .mapToPair(t -> t)
        .groupByKey()
        .mapValues(PackedWindows::merge);
    return whole.union(merged);
  }

  static int[] flatten(TokenizedDocument d, int separator) {
    int n = d.tokenCount() + (separator >= 0 ? 1 : 0);
    int[] out = new int[n];
    int p = 0;
    for (int[] s : d.sentences()) {
      System.arraycopy(s, 0, out, p, s.length);
      p += s.length;
    }
    if (separator >= 0) {
      out[p] = separator;
    }
    return out;
  }

  static int[] merge(Iterable<Fragment> fragments) {
    List<Fragment> list = new ArrayList<>();
    fragments.forEach(list::add);
    list.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
    int n = 0;
    for (Fragment f : list) {
      n += f.ids().length;
    }
    int[] out = new int[n];
    int p = 0;
    for (Fragment f : list) {
      if (f.offset() != p) {
        throw new IllegalStateException("window fragments do not join: expected offset " + p + ", got " + f.offset());
      }
      System.arraycopy(f.ids(), 0, out, p, f.ids().length);
      p += f.ids().length;
    }
    return out;
  }
}
