package dev.sparkpretrain.train;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import scala.Option;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * A worker's round result (parameters ‖ Adam state, {@link FlatState}'s layout) moved through Spark's block manager
 * in chunks instead of as the task result, and summed on the driver chunk by chunk.
 *
 * <p>Why: a task result is one serialized {@code byte[]} (Kryo buffer below 2 GB), which refused models above ~173 M
 * parameters, and on its way Spark copies the 50 MB of bert-mini about six times (Kryo buffer, the closure
 * serializer's {@code DirectTaskResult}, its growth, both layers again on the driver). Here the worker copies its
 * state once from ND4J's buffers into chunk buffers and stores them as serialized blocks (kept by reference); the
 * task returns only the block names. The driver reads a chunk in place when the block is in its own block manager
 * (local mode: no copy) or fetches it from the executor, adds it into the running sum, and removes the blocks.
 *
 * <p>All calls to Spark's {@code BlockManager} are in this class: the class is {@code private[spark]} in Scala but
 * public in bytecode, so Java can call it, without any compatibility promise. Written against Spark 3.5
 * ({@code putBytes}, {@code getLocalBytes} + {@code releaseLock}, {@code getRemoteBytes}, {@code removeBlock},
 * {@code master().getMatchingBlockIds}); re-check on a Spark upgrade. Block ids are {@link TestBlockId}s: the only
 * kind with a free-form name that a remote executor can parse back ({@code BlockId.apply}), and one no part of Spark
 * manages on its own. Names are {@code test_sparkpretrain-<run>-r<round>-p<partition>-a<attempt>-c<chunk>}, unique
 * per run, round, partition, task attempt and chunk. A task that fails (or was killed while it trained) removes what it
 * stored; the driver removes the blocks it summed and, when a round fails, those of the tasks that had finished (their
 * names reach the driver through an accumulator) and any other block with the round's prefix that its block manager
 * or the master lists ({@link #removeLeftOvers}).
 */
final class RoundResultBlocks {
  /** Default chunk size: 4 M floats (16 MiB); bert-mini's 50 MB state travels in 4 blocks per worker. */
  static final int DEFAULT_CHUNK_FLOATS = 4 << 20;

  private static final String PREFIX = "sparkpretrain-";

  private RoundResultBlocks() {}

  /** The name prefix of run {@code run}'s blocks (block names are this plus round, partition, attempt, chunk). */
  static String runPrefix(String run) {
    return PREFIX + run + "-";
  }

  /**
   * Executor side: stores {@code g}'s parameters ‖ optimizer state in this executor's block manager as chunks of at
   * most {@code chunkFloats} floats, named {@code namePrefix + "c" + index}; returns their names in order. Removes
   * what it stored if a put fails, then rethrows.
   */
  static List<String> put(String namePrefix, ComputationGraph g, int chunkFloats) {
    BlockManager bm = SparkEnv.get().blockManager();
    List<String> names = new ArrayList<>();
    try {
      FlatState.writeChunks(g, chunkFloats, chunk -> {
        String name = namePrefix + "c" + names.size();
        // Serialized level: the memory store keeps this buffer itself (no copy); spills to disk if memory is short.
        boolean stored = bm.putBytes(new TestBlockId(name), new ChunkedByteBuffer(chunk),
            StorageLevel.MEMORY_AND_DISK_SER(), true, ClassTag$.MODULE$.Any());
        if (!stored) {
          throw new IllegalStateException("block manager refused round result block " + name + " ("
              + chunk.capacity() + " bytes)");
        }
        names.add(name);
      });
      return names;
    } catch (RuntimeException | Error e) {
      for (String name : names) {
        bm.removeBlock(new TestBlockId(name), true);
      }
      throw e;
    }
  }

  /**
   * Driver side: averages the workers' chunks into {@code sum} (its old values are overwritten): adds them worker by
   * worker in the given order for every chunk, so the result does not depend on which worker finished first, and
   * divides by the number of workers as the last one is added (one pass less than a sum, then a division). Every block is
   * removed afterwards, whether or not the sum succeeded. A block that cannot be read (its executor was lost) fails
   * the sum: it never averages fewer workers.
   *
   * @param workers per worker (partition order), its chunks' names in order
   */
  static void averageInto(FlatState sum, List<List<String>> workers, int chunkFloats) {
    BlockManager bm = SparkEnv.get().blockManager();
    long total = sum.size();
    int chunks = (int) ((total + chunkFloats - 1) / chunkFloats);
    try {
      for (int w = 0; w < workers.size(); w++) {
        if (workers.get(w).size() != chunks) {
          throw new IllegalStateException("worker " + w + " returned " + workers.get(w).size() + " chunks, expected "
              + chunks + " of " + chunkFloats + " floats for a state of " + total);
        }
      }
      float[] scratch = new float[(int) Math.min(chunkFloats, total)];
      for (int c = 0; c < chunks; c++) {
        long from = (long) c * chunkFloats;
        for (int w = 0; w < workers.size(); w++) {
          addChunk(bm, workers.get(w).get(c), sum, from, w == 0, w == workers.size() - 1 ? workers.size() : 0,
              scratch);
        }
      }
    } finally {
      for (List<String> names : workers) {
        remove(bm, names);
      }
    }
  }

  private static void addChunk(BlockManager bm, String name, FlatState sum, long from, boolean first, int divisor,
      float[] scratch) {
    BlockId id = new TestBlockId(name);
    Option<BlockData> local = bm.getLocalBytes(id);
    if (local.isDefined()) {
      try {
        // A memory-stored serialized block: the executor's own buffer (a duplicate view of it), no copy.
        sum.accumulate(from, local.get().toByteBuffer(), first, divisor, scratch);
      } finally {
        bm.releaseLock(id, Option.empty());
      }
      return;
    }
    Option<ChunkedByteBuffer> remote = bm.getRemoteBytes(id);
    if (remote.isEmpty()) {
      throw new IllegalStateException("round result block " + name + " is gone (its executor was lost?); the round "
          + "fails rather than average fewer workers");
    }
    // A heap copy fetched from the executor (or a file for blocks above spark.network.maxRemoteBlockSizeFetchToMem).
    sum.accumulate(from, remote.get().toByteBuffer(), first, divisor, scratch);
  }

  /** Removes the named blocks: at once where they are local, through the master (asynchronously) elsewhere. */
  private static void remove(BlockManager bm, List<String> names) {
    for (String name : names) {
      BlockId id = new TestBlockId(name);
      if (bm.getStatus(id).isDefined()) {
        bm.removeBlock(id, true);
      } else {
        bm.master().removeBlock(id);
      }
    }
  }

  /**
   * Removes the named blocks that {@code done} does not hold: those of tasks that finished in a round that then
   * failed, before the driver summed them.
   */
  static void removeAllBut(List<String> names, java.util.Set<String> done) {
    BlockManager bm = SparkEnv.get().blockManager();
    List<String> left = new ArrayList<>();
    for (String name : names) {
      if (!done.contains(name)) {
        left.add(name);
      }
    }
    remove(bm, left);
  }

  /**
   * Names of the blocks starting with {@code namePrefix} held by this JVM's block manager (in local mode, all of
   * them). The master's own listing is not used: Spark 3.5 filters its block map on a thread pool while its
   * endpoint updates the map (a ConcurrentModificationException seen when a broadcast was being removed).
   */
  static List<String> localNames(String namePrefix) {
    BlockManager bm = SparkEnv.get().blockManager();
    List<String> out = new ArrayList<>();
    for (BlockId id : JavaConverters.seqAsJavaList(bm.getMatchingBlockIds(new NamePrefix("test_" + namePrefix)))) {
      out.add(((TestBlockId) id).id());
    }
    return out;
  }

  /**
   * After a failed round: removes every block named {@code namePrefix}… that this JVM's block manager or the master
   * knows of. A task that finished just as its round failed has its blocks registered but its result (and its
   * accumulator update) dropped. The master's listing can fail inside Spark 3.5 (see {@link #localNames}): it is
   * tried three times, then the blocks it would have named stay until their executor exits (logged).
   */
  static void removeLeftOvers(String namePrefix) {
    BlockManager bm = SparkEnv.get().blockManager();
    java.util.Set<String> names = new java.util.LinkedHashSet<>(localNames(namePrefix));
    RuntimeException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        for (BlockId id : JavaConverters.seqAsJavaList(
            bm.master().getMatchingBlockIds(new NamePrefix("test_" + namePrefix), false))) {
          names.add(((TestBlockId) id).id());
        }
        last = null;
        break;
      } catch (RuntimeException e) {
        last = e;
      }
    }
    if (last != null) {
      org.slf4j.LoggerFactory.getLogger(RoundResultBlocks.class).warn(
          "could not list the blocks of a failed round on the executors ({}); they stay until their executor exits",
          last.toString());
    }
    remove(bm, new ArrayList<>(names));
  }

  /** Whether the master knows a location of the named block. */
  static boolean masterKnows(String name) {
    return !SparkEnv.get().blockManager().master().getLocations(new TestBlockId(name)).isEmpty();
  }

  /** A block id filter for {@code getMatchingBlockIds}. */
  private static final class NamePrefix extends AbstractFunction1<BlockId, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String prefix;

    NamePrefix(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Object apply(BlockId id) {
      return id.name().startsWith(prefix);
    }
  }
}
