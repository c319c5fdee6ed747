package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.config.NearDedupConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.corpus.Shingles;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Near-duplicate removal ({@code data.near_dedup}): MinHash signatures from Spark MLlib's {@link MinHashLSH}
 * (seeded with the config seed, so the same documents always get the same signatures), banded LSH for candidates,
 * and a document is removed when a candidate with a smaller content hash has an estimated Jaccard similarity of
 * at least the threshold. The smallest content hash of every group of near-duplicates therefore survives, and
 * which one that is never depends on partitioning. The driver sees only the count.
 *
 * <p>Why not MLlib's {@code approxSimilarityJoin}: it ORs its hash tables without ANDing, so any two documents
 * sharing one min-hash are joined; with common shingles (" the ") that is a fixed share of all n² pairs, all
 * landing in a few huge buckets. Bands of {@code rows_per_band} min-hashes make a candidate of a dissimilar pair
 * unlikely (s^r per band), and buckets are scanned in sorted order with bounded memory instead of joined.
 */
final class NearDuplicates {
  /** Earlier members of a bucket a document is compared with: bounds the work in a bucket of thousands. */
  static final int MAX_COMPARISONS = 32;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NearDuplicates.class);

  private static final StructType SCHEMA = new StructType()
      .add("key", DataTypes.LongType, false)
      .add(new AttributeGroup("shingles", Shingles.DIMENSION).toStructField());

  private final JavaRDD<Long> removedKeys;
  private final long removed;
  private final JavaPairRDD<Long, CleanedDocument> docs;

  private NearDuplicates(JavaPairRDD<Long, CleanedDocument> docs, JavaRDD<Long> removedKeys) {
    this.docs = docs;
    long t0 = System.nanoTime();
    this.removedKeys = removedKeys;
    this.removed = removedKeys.count();
    LOG.info("prepare: {} near-duplicates found ({} s)", removed,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
  }

  /**
   * Finds the near-duplicates among {@code docs} (keyed by distinct content hashes): one job over the signatures,
   * whose result (the removed keys, 8 bytes each) stays persisted until {@link #release()}.
   */
  static NearDuplicates find(SparkSession spark, JavaPairRDD<Long, CleanedDocument> docs, NearDedupConfig config,
      long seed) {
    int k = config.shingle();
    JavaRDD<Row> rows = docs.map(d -> RowFactory.create(d._1(), vector(Shingles.indices(d._2().text(), k))));
    Dataset<Row> shingles = spark.createDataFrame(rows, SCHEMA);
    Dataset<Row> hashed = new MinHashLSH().setNumHashTables(config.numHashTables()).setSeed(seed)
        .setInputCol("shingles").setOutputCol("hashes").fit(shingles).transform(shingles);
    JavaPairRDD<Long, long[]> signatures = hashed.select("key", "hashes").javaRDD()
        .mapToPair(r -> new Tuple2<>(r.getLong(0), signature(r.getList(1))));
    int rowsPerBand = config.rowsPerBand();
    double threshold = config.threshold();
    int partitions = Math.max(1, docs.getNumPartitions());
    JavaRDD<Long> removed = signatures
        .flatMapToPair(s -> bandEntries(s._1(), s._2(), rowsPerBand))
        .repartitionAndSortWithinPartitions(new BandPartitioner(partitions), new BucketOrder())
        .mapPartitions(it -> scanBuckets(it, threshold))
        .distinct()
        .persist(StorageLevel.MEMORY_AND_DISK());
    return new NearDuplicates(docs, removed);
  }

  /**
   * The documents that are not near-duplicates of a document with a smaller content hash: {@link #marked()} without
   * the near-duplicates.
   */
  JavaPairRDD<Long, CleanedDocument> kept() {
    return marked().filter(d -> !d._2().isNearDuplicate());
  }

  /**
   * All the documents, each near-duplicate reduced to its tallies ({@link CleanedDocument#nearDuplicate()}), so that
   * the documents it stands for are still counted (as duplicates).
   */
  JavaPairRDD<Long, CleanedDocument> marked() {
    return docs.leftOuterJoin(removedKeys.mapToPair(k -> new Tuple2<>(k, true)))
        .mapValues(t -> t._2().isPresent() ? t._1().nearDuplicate() : t._1());
  }

  /** How many documents were removed. */
  long removed() {
    return removed;
  }

  /** Drops the persisted removed keys, once everything computed from {@link #marked()} is. */
  void release() {
    removedKeys.unpersist(false);
  }

  private static Vector vector(int[] indices) {
    double[] ones = new double[indices.length];
    java.util.Arrays.fill(ones, 1.0);
    return Vectors.sparse(Shingles.DIMENSION, indices, ones);
  }

  /** MLlib's hashes column: one single-value vector per hash table. The values are integers below 2^31. */
  private static long[] signature(List<Vector> hashes) {
    long[] s = new long[hashes.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = (long) hashes.get(i).apply(0);
    }
    return s;
  }

  /** One ((band hash, document key), signature) entry per band: documents meet where a whole band agrees. */
  static Iterator<Tuple2<Tuple2<Long, Long>, long[]>> bandEntries(long key, long[] signature, int rowsPerBand) {
    List<Tuple2<Tuple2<Long, Long>, long[]>> out = new ArrayList<>(signature.length / rowsPerBand);
    for (int band = 0; band * rowsPerBand < signature.length; band++) {
      long h = band;
      for (int j = band * rowsPerBand; j < (band + 1) * rowsPerBand; j++) {
        h = ContentHash.mix(h, signature[j]);
      }
      out.add(new Tuple2<>(new Tuple2<>(h, key), signature));
    }
    return out.iterator();
  }

  /**
   * Walks buckets sorted by (band hash, key) and yields the key of every document whose signature agrees with
   * that of an earlier (smaller-key) member of its bucket on at least {@code threshold} of the min-hashes. Holds
   * at most {@link #MAX_COMPARISONS} signatures: the smallest keys, the ones that would survive.
   */
  static Iterator<Long> scanBuckets(Iterator<Tuple2<Tuple2<Long, Long>, long[]>> sorted, double threshold) {
    List<Long> out = new ArrayList<>();
    List<long[]> earlier = new ArrayList<>();
    long bucket = 0;
    boolean first = true;
    while (sorted.hasNext()) {
      Tuple2<Tuple2<Long, Long>, long[]> e = sorted.next();
      if (first || e._1()._1() != bucket) {
        bucket = e._1()._1();
        earlier.clear();
        first = false;
      }
      long[] signature = e._2();
      for (long[] other : earlier) {
        if (similarity(signature, other) >= threshold) {
          out.add(e._1()._2());
          break;
        }
      }
      if (earlier.size() < MAX_COMPARISONS) {
        earlier.add(signature);
      }
    }
    return out.iterator();
  }

  /** Share of agreeing min-hashes: an unbiased estimate of the Jaccard similarity of the shingle sets. */
  static double similarity(long[] a, long[] b) {
    int same = 0;
    for (int i = 0; i < a.length; i++) {
      same += a[i] == b[i] ? 1 : 0;
    }
    return (double) same / a.length;
  }

  /** Sends a bucket (band hash) to one partition, whatever the document key. */
  private static final class BandPartitioner extends Partitioner {
    private final int partitions;

    BandPartitioner(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int getPartition(Object key) {
      return Math.floorMod(Long.hashCode(((Tuple2<Long, Long>) key)._1()), partitions);
    }
  }

  /** (band hash, key) ascending. */
  private static final class BucketOrder implements Comparator<Tuple2<Long, Long>>, Serializable {
    @Override
    public int compare(Tuple2<Long, Long> a, Tuple2<Long, Long> b) {
      int c = Long.compare(a._1(), b._1());
      return c != 0 ? c : Long.compare(a._2(), b._2());
    }
  }
}
