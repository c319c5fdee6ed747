package dev.sparkpretrain.jobs.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.DataConfig;
import dev.sparkpretrain.config.GptObjectiveConfig;
import dev.sparkpretrain.config.ObjectiveConfig;
import dev.sparkpretrain.config.PairTask;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.T5ObjectiveConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.corpus.CorpusRecord;
import dev.sparkpretrain.corpus.Rejection;
import dev.sparkpretrain.corpus.SentenceSplitter;
import dev.sparkpretrain.corpus.TextCleaner;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.BertExamples;
import dev.sparkpretrain.objective.BertVocab;
import dev.sparkpretrain.objective.RandomNextPool;
import dev.sparkpretrain.objective.SpanCorruption;
import dev.sparkpretrain.objective.TokenizedDocument;
import dev.sparkpretrain.tokenization.TokenIds;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code prepare}: corpus → cleaned, deduplicated documents → sentences → token ids → BERT examples → Parquet
 * shards ({@code train/}, {@code validation/}) + {@code _rejected/} + {@code _manifest.json}.
 *
 * <p>Everything is written under a staging folder beside the output and renamed into place at the end, and the
 * manifest is written last: a failed job leaves no dataset that looks complete. Randomness comes from
 * (seed, document content hash), never from partition indexes, so any partitioning gives the same rows.
 */
public final class PrepareJob {
  public static final String MANIFEST = "_manifest.json";
  public static final String REJECTED = "_rejected";
  public static final String TOKENIZER = "tokenizer.json";
  /** Salt so the random-next pool sample is independent of the train/validation split. */
  private static final long POOL_SALT = 0x5EED_9001L;
  /**
   * Sequences' worth of tokens kept per pool document: random Bs start at any of its first sentences, and the
   * pool's size stays bounded by documents × this however long the documents are.
   */
  private static final int POOL_SEQUENCES = 8;

  /**
   * Spark settings for a session that runs this job, unless set otherwise. Kryo's reference tracking off: prepare
   * serializes trees of records, never a graph with shared or cyclic references, and with tracking on, Kryo clears
   * its reference table after every record; once one large object graph (a task's collected pool sample, a
   * broadcast) has grown the table of a pooled Kryo instance, every later record pays for clearing all of it, which
   * was about a tenth of the task threads' time in a profile of the 113 MB benchmark (docs/BENCHMARKS.md).
   */
  public static final Map<String, String> SESSION_DEFAULTS = Map.of("spark.kryo.referenceTracking", "false");

  /**
   * Spark settings for a local-mode session that runs this job, unless set otherwise: no web UI (Jetty, its
   * listeners and status store), which a local batch job serves nobody and which took ~2.5 CPU s of every run's
   * fixed cost (docs/BENCHMARKS.md); {@code -Dspark.ui.enabled=true} brings it back. A cluster keeps its UI.
   */
  public static final Map<String, String> LOCAL_SESSION_DEFAULTS = Map.of("spark.ui.enabled", "false");

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PrepareJob.class);

  private PrepareJob() {}

  /** Fails fast, before Spark, when the output exists and may not be overwritten. */
  public static void checkOutput(Configuration hadoop, String output, boolean overwrite) {
    try {
      Path out = new Path(output);
      FileSystem fs = out.getFileSystem(hadoop);
      if (fs.exists(out) && !overwrite) {
        throw new ConfigException("output " + output + " already exists; pass --overwrite to replace it");
      }
    } catch (IOException e) {
      throw new ConfigException("output " + output + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs the job and returns the manifest written beside the shards.
   *
   * @param tokenizerFingerprint sha256 of the tokenizer file, recorded so a trainer can refuse mismatched shards
   */
  public static ObjectNode run(SparkSession spark, PretrainConfig config, Tokenizer tokenizer,
      String tokenizerFingerprint, String output, boolean overwrite) throws IOException {
    ObjectiveConfig objective = config.objective();
    SpecialIds special = SpecialIds.of(objective, tokenizer); // fails fast when the vocabulary lacks a token
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = sc.hadoopConfiguration();
    checkOutput(hadoop, output, overwrite);
    Path finalDir = new Path(output);
    FileSystem fs = finalDir.getFileSystem(hadoop);
    Path staging = new Path(finalDir.getParent(), "." + finalDir.getName() + ".staging-" + UUID.randomUUID());
    DataConfig data = config.data();
    long seed = config.seed();

    // 1. Read and clean. Every record ends up used, rejected (with reason) or a duplicate. Nothing is cached here:
    // rejections and the tallies of what was read travel with the documents, through the dedup shuffle, into the
    // one cache after tokenization, from which all counts and the rejected rows come.
    sc.setJobGroup("prepare", "prepare: read, clean, deduplicate and tokenize " + data.input(), false);
    TextCleaner cleaner = new TextCleaner(data);
    int minChars = data.minChars();
    int maxChars = data.maxChars();
    // Clean documents are keyed by content hash; a rejection by itself (a record, never equal to a Long), so that
    // it meets no document in the shuffle.
    JavaPairRDD<Object, CleanedDocument> cleaned = dev.sparkpretrain.corpus.CorpusReader.read(sc, data)
        .mapToPair(r -> {
          CleanedDocument d = clean(r, cleaner, minChars, maxChars);
          return new Tuple2<>(d.rejection() == null ? (Object) d.key() : d.rejection(), d);
        });

    // 2. Exact deduplication by content hash; the earliest (source, position) wins, deterministically, carrying the
    // tallies of its duplicates. Without a map-side combine: duplicates are rare, and the combine held every text of
    // a task in a size-tracked hash map (Spark's SizeEstimator walks it) only to write them all to the shuffle anyway.
    JavaPairRDD<Object, CleanedDocument> unique = data.dedup()
        ? cleaned.combineByKey(d -> d, CleanedDocument::earliest, CleanedDocument::earliest,
            new HashPartitioner(cleaned.getNumPartitions()), false, null)
        : cleaned;
    // 2b. Near-duplicates (optional): the smallest content hash of each group survives; the others keep only their
    // tallies (counted as duplicates).
    NearDuplicates near = null;
    if (data.nearDedup().enabled()) {
      sc.setJobGroup("prepare", "prepare: find near-duplicates", false);
      JavaPairRDD<Long, CleanedDocument> clean = unique.filter(d -> d._2().rejection() == null)
          .mapToPair(d -> new Tuple2<>((Long) d._1(), d._2()));
      near = NearDuplicates.find(spark, clean, data.nearDedup(), seed);
      unique = near.marked().mapToPair(d -> new Tuple2<Object, CleanedDocument>(d._1(), d._2()))
          .union(unique.filter(d -> d._2().rejection() != null));
      sc.setJobGroup("prepare", "prepare: split sentences and tokenize", false);
    }
    long nearDuplicates = near == null ? 0 : near.removed();

    // 3. Sentences and token ids. Documents that yield no tokens are rejected too.
    Broadcast<Tokenizer> tok = sc.broadcast(tokenizer);
    boolean sentences = objective instanceof BertObjectiveConfig;
    // One document at a time into the cache (not a whole partition's list first).
    JavaRDD<PreparedDocument> tokenized = unique.values().mapPartitions(it -> {
      SentenceSplitter splitter = sentences ? new SentenceSplitter() : null;
      Tokenizer t = tok.value();
      return new java.util.Iterator<PreparedDocument>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public PreparedDocument next() {
          CleanedDocument d = it.next();
          if (d.rejection() != null || d.isNearDuplicate()) {
            return new PreparedDocument(null, d.rejection(), d.copies(), d.invalidUtf8());
          }
          TokenizedDocument td = tokenize(d.key(), d.text(), splitter, t);
          return td.tokenCount() == 0
              ? new PreparedDocument(null, Rejection.of(d.source(), d.position(), "no_tokens", d.text()),
                  d.copies(), d.invalidUtf8())
              : new PreparedDocument(td, null, d.copies(), d.invalidUtf8());
        }
      };
    }).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<TokenizedDocument> documents = tokenized.filter(t -> t.document() != null)
        .map(PreparedDocument::document);

    long t0 = System.nanoTime();
    // 3b. The rejected rows, and all document counts on the way (a result stage: Spark applies each task's
    // accumulator updates once): the first pass over the cache, one JSON file per partition that has rejections.
    CountsAccumulator counted = new CountsAccumulator();
    spark.sparkContext().register(counted, "prepare document counts");
    JavaRDD<Row> rejectedRows = tokenized.filter(t -> {
      counted.add(t);
      return t.rejection() != null;
    }).map(t -> rejectionRow(t.rejection()));
    spark.createDataFrame(rejectedRows, REJECTION_SCHEMA).write().mode(SaveMode.ErrorIfExists)
        .json(new Path(staging, REJECTED).toString());
    Counts read = counted.value();
    Map<String, Long> rejectionsByReason = new TreeMap<>(read.rejections);
    long used = read.used;
    long rejected = rejectionsByReason.values().stream().mapToLong(Long::longValue).sum();
    long duplicates = read.documents - used - rejected;
    long invalidUtf8 = read.invalidUtf8;
    LOG.info("prepare: {} documents read, {} used, {} rejected, {} duplicates ({} near) ({} s)", read.documents, used,
        rejected, duplicates, nearDuplicates,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    if (used < 2) {
      fs.delete(staging, true);
      throw new IllegalStateException("only " + used + " usable documents in " + data.input()
          + " (rejections: " + rejectionsByReason + "); BERT needs at least 2 for next-sentence pairs");
    }

    // 4. Examples of both splits (decided by document hash), made and written in one pass.
    sc.setJobGroup("prepare", "prepare: create " + objectiveName(objective) + " examples and write shards", false);
    double validationFraction = data.validationFraction();
    Broadcast<RandomNextPool> pool = null;
    if (objective instanceof BertObjectiveConfig bert && bert.pairTask() == PairTask.NSP) {
      // Random "next sentence" segments come from a hash-chosen sample of the whole corpus (both splits draw
      // from it, as google-research/bert draws from all documents), broadcast to every task.
      double poolFraction = Math.min(1.0, (double) bert.randomNextPool() / used);
      long poolSeed = seed ^ POOL_SALT;
      int poolTokens = POOL_SEQUENCES * bert.maxSeqLength();
      pool = sc.broadcast(new RandomNextPool(documents
          .filter(d -> ContentHash.unit(poolSeed, d.key()) < poolFraction)
          .map(d -> RandomNextPool.excerpt(d, poolTokens)).collect()));
    }
    WrittenCounts rowCounts = WrittenCounts.of(spark.sparkContext(), objective);
    JavaRDD<Row> rows;
    org.apache.spark.sql.types.StructType schema;
    if (objective instanceof BertObjectiveConfig bert) {
      rows = bertRows(documents, pool, bert, special.bert(), seed, validationFraction, rowCounts);
      schema = BertShards.schema(bert.masking());
    } else {
      JavaRDD<Row> both = null;
      for (boolean validation : new boolean[] {false, true}) {
        JavaRDD<TokenizedDocument> splitDocs = documents
            .filter(d -> (ContentHash.unit(seed, d.key()) < validationFraction) == validation);
        long salt = ContentHash.mix(seed, split(validation).hashCode());
        JavaRDD<Row> splitRows;
        if (objective instanceof GptObjectiveConfig gpt) {
          int window = gpt.maxSeqLength() + 1;
          splitRows = PackedWindows.of(splitDocs, window, special.endOfText()).map(w -> {
            rowCounts.add(validation, w._2().length, w._2().length < window ? 1 : 0);
            return RowFactory.create(ContentHash.mix(salt, w._1()), w._2(), splitColumn(validation));
          });
        } else {
          splitRows = t5Rows(splitDocs, (T5ObjectiveConfig) objective, tokenizer.vocabSize(), special.eos(), salt,
              validation, rowCounts);
        }
        both = both == null ? splitRows : both.union(splitRows);
      }
      rows = both;
      schema = objective instanceof GptObjectiveConfig ? PackedShards.GPT_SCHEMA : PackedShards.T5_SCHEMA;
    }
    long target = data.targetShardMb() * 1024L * 1024L;
    // ~4 bytes per id once compressed, a sequence's worth of ids per row: a rough row size for the file bound.
    long rowsPerFile = Math.max(1, target / (4L * objective.maxSeqLength()));
    writeSplits(spark.createDataFrame(rows, schema.add(SPLIT, DataTypes.IntegerType, false)), rowsPerFile, fs,
        staging, schema);
    LOG.info("prepare: wrote train and validation ({} s)",
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));

    // 5. Manifest: counts of the rows as they were written, rows per file from the Parquet footers.
    Map<String, ObjectNode> written = new TreeMap<>();
    written.put("train", rowCounts.counts(false));
    written.put("validation", rowCounts.counts(true));
    ObjectNode manifest = manifest(fs, staging, config, tokenizer, tokenizerFingerprint);
    if (objective instanceof BertObjectiveConfig bert) {
      BertShards.describeMasking(manifest, bert, special.bert());
    }
    ObjectNode counts = manifest.putObject("counts");
    counts.put("documents_read", read.documents);
    counts.put("documents_used", used);
    counts.put("documents_rejected", rejected);
    counts.put("documents_duplicate", duplicates);
    counts.put("documents_near_duplicate", nearDuplicates);
    counts.put("documents_invalid_utf8", invalidUtf8);
    ObjectNode byReason = counts.putObject("rejected_by_reason");
    rejectionsByReason.forEach(byReason::put);
    written.forEach(counts::set);
    // The tokenizer travels with its shards (inspect, eval and export read it from here).
    try (OutputStream o = fs.create(new Path(staging, TOKENIZER), false)) {
      o.write(tokenizer.toJson().getBytes(StandardCharsets.UTF_8));
    }
    writeJson(fs, new Path(staging, MANIFEST), manifest);
    LOG.info("prepare: manifest written ({} s)",
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    tokenized.unpersist(false);
    if (near != null) {
      near.release();
    }
    if (pool != null) {
      pool.destroy();
    }
    tok.destroy();
    if (overwrite && fs.exists(finalDir)) {
      fs.delete(finalDir, true);
    }
    if (!fs.rename(staging, finalDir)) {
      throw new IOException("could not rename " + staging + " to " + finalDir);
    }
    sc.clearJobGroup();
    return manifest;
  }

  /** Document counts of the cache, mergeable across partitions. */
  static final class Counts implements java.io.Serializable {
    long documents;
    long used;
    long invalidUtf8;
    final Map<String, Long> rejections = new TreeMap<>();

    Counts add(PreparedDocument d) {
      documents += d.copies();
      invalidUtf8 += d.invalidUtf8();
      if (d.document() != null) {
        used++;
      } else if (d.rejection() != null) {
        rejections.merge(d.rejection().reason(), 1L, Long::sum);
      }
      return this;
    }

    Counts merge(Counts o) {
      documents += o.documents;
      used += o.used;
      invalidUtf8 += o.invalidUtf8;
      o.rejections.forEach((k, v) -> rejections.merge(k, v, Long::sum));
      return this;
    }
  }

  /** {@link Counts} summed by Spark from the tasks that saw the documents. */
  static final class CountsAccumulator extends org.apache.spark.util.AccumulatorV2<PreparedDocument, Counts> {
    private Counts counts = new Counts();

    @Override
    public boolean isZero() {
      return counts.documents == 0 && counts.rejections.isEmpty();
    }

    @Override
    public CountsAccumulator copy() {
      CountsAccumulator c = new CountsAccumulator();
      c.counts = new Counts().merge(counts);
      return c;
    }

    @Override
    public void reset() {
      counts = new Counts();
    }

    @Override
    public void add(PreparedDocument d) {
      counts.add(d);
    }

    @Override
    public void merge(org.apache.spark.util.AccumulatorV2<PreparedDocument, Counts> other) {
      counts.merge(other.value());
    }

    @Override
    public Counts value() {
      return counts;
    }
  }

  static CleanedDocument clean(CorpusRecord r, TextCleaner cleaner, int minChars, int maxChars) {
    if (r.isRejected()) {
      return new CleanedDocument(0, r.rejection().source(), r.rejection().position(), null, false, r.rejection());
    }
    var d = r.document();
    if (d.text().length() > maxChars * 4L) {
      // Far too long even before cleaning: don't spend time normalizing it.
      return new CleanedDocument(0, d.source(), d.position(), null, d.invalidUtf8(),
          Rejection.of(d.source(), d.position(), "too_long", d.text()));
    }
    String text = cleaner.clean(d.text());
    String reason = text.isEmpty() ? "empty" : text.length() < minChars ? "too_short"
        : text.length() > maxChars ? "too_long" : null;
    if (reason != null) {
      return new CleanedDocument(0, d.source(), d.position(), null, d.invalidUtf8(),
          Rejection.of(d.source(), d.position(), reason, d.text()));
    }
    return new CleanedDocument(ContentHash.of(text), d.source(), d.position(), text, d.invalidUtf8(), null);
  }

  /** Token ids per sentence, or the whole text as one segment when {@code splitter} is null. */
  static TokenizedDocument tokenize(long key, String text, SentenceSplitter splitter, Tokenizer tokenizer) {
    List<int[]> sentences = new ArrayList<>();
    List<boolean[]> starts = new ArrayList<>();
    for (String s : splitter == null ? List.of(text) : splitter.split(text)) {
      TokenIds e = tokenizer.encodeIds(s); // the ids of encode(s, false), without offsets or an Encoding
      if (e.length() > 0) {
        sentences.add(e.ids());
        starts.add(e.wordStarts());
      }
    }
    return new TokenizedDocument(key, sentences, starts);
  }

  /**
   * BERT examples of both splits, {@code dupe_factor} differently masked copies per document, each copy its own RNG
   * stream; each row ends with its split ({@link #splitColumn}). {@code pool} is null with sentence-order prediction,
   * which never draws from other documents.
   */
  static JavaRDD<Row> bertRows(JavaRDD<TokenizedDocument> docs, Broadcast<RandomNextPool> pool,
      BertObjectiveConfig bert, BertVocab vocab, long seed, double validationFraction, WrittenCounts counts) {
    int dupeFactor = bert.dupeFactor();
    BertObjectiveConfig.Masking masking = bert.masking();
    boolean masked = masking == BertObjectiveConfig.Masking.STATIC;
    return docs.flatMap(d -> {
      boolean validation = ContentHash.unit(seed, d.key()) < validationFraction;
      List<Row> out = new ArrayList<>();
      for (int dupe = 0; dupe < dupeFactor; dupe++) {
        SplittableRandom rng = new SplittableRandom(ContentHash.mix(seed, ContentHash.mix(d.key(), dupe)));
        for (BertExample e : BertExamples.create(d, dupe, pool == null ? null : pool.value(), bert, vocab, rng)) {
          if (masked) {
            counts.add(validation, e.inputIds().length, e.maskedLmPositions().length, e.nextSentenceLabel());
          } else {
            counts.add(validation, e.inputIds().length, e.nextSentenceLabel());
          }
          out.add(BertShards.toRow(e, masking, splitColumn(validation)));
        }
      }
      return out.iterator();
    });
  }

  /**
   * T5: seqio concatenates documents without a separator, cuts chunks of tokens_length, corrupts each. Each row
   * ends with its split ({@link #splitColumn}).
   */
  static JavaRDD<Row> t5Rows(JavaRDD<TokenizedDocument> docs, T5ObjectiveConfig t5, int vocabSize, int eos,
      long salt, boolean validation, WrittenCounts counts) {
    SpanCorruption.Lengths lengths = SpanCorruption.lengths(t5.maxSeqLength(), t5.noiseDensity(),
        t5.meanNoiseSpanLength());
    double density = t5.noiseDensity();
    double spanLength = t5.meanNoiseSpanLength();
    int split = splitColumn(validation);
    return PackedWindows.of(docs, lengths.tokensLength(), -1).map(w -> {
      long id = ContentHash.mix(salt, w._1());
      SpanCorruption.Example e = SpanCorruption.corrupt(w._2(), density, spanLength, vocabSize, eos,
          new SplittableRandom(id));
      counts.add(validation, e.inputs().length, e.targets().length);
      return RowFactory.create(id, e.inputs(), e.targets(), split);
    });
  }

  static String split(boolean validation) {
    return validation ? "validation" : "train";
  }

  /**
   * The value of the {@code split} column that routes a row to its split's folder: 0 train, 1 validation. An int,
   * not the split's name: the write sorts every task's rows by (split, example_id), and comparing two strings for
   * each pair of rows showed in the profile.
   */
  static int splitColumn(boolean validation) {
    return validation ? 1 : 0;
  }

  static String objectiveName(ObjectiveConfig o) {
    return o instanceof BertObjectiveConfig ? "bert" : o instanceof GptObjectiveConfig ? "gpt" : "t5";
  }

  /**
   * Per split, the manifest's counts of the rows written: examples, tokens and the objective's own. Updated where
   * each row is made, inside the write's result stage (no shuffle between the rows and the files), where Spark
   * applies a task's accumulator updates once per partition: a retried or speculative task does not count twice,
   * and a failed one not at all.
   */
  static final class WrittenCounts implements java.io.Serializable {
    private final List<String> names;
    private final org.apache.spark.util.LongAccumulator[][] sums; // [train, validation][name]

    private WrittenCounts(org.apache.spark.SparkContext sc, List<String> names) {
      this.names = List.copyOf(names);
      sums = new org.apache.spark.util.LongAccumulator[2][names.size()];
      for (int s = 0; s < 2; s++) {
        for (int i = 0; i < names.size(); i++) {
          sums[s][i] = sc.longAccumulator("prepare " + split(s == 1) + " " + names.get(i));
        }
      }
    }

    /** examples, tokens (T5: input tokens), then T5 target_tokens | BERT [masked_tokens,] label 1s | GPT short_windows. */
    static WrittenCounts of(org.apache.spark.SparkContext sc, ObjectiveConfig objective) {
      List<String> names = new ArrayList<>(List.of("examples", "tokens"));
      if (objective instanceof T5ObjectiveConfig) {
        names.add("target_tokens");
      } else if (objective instanceof BertObjectiveConfig bert) {
        if (bert.masking() == BertObjectiveConfig.Masking.STATIC) {
          names.add("masked_tokens"); // dynamic shards hold no masks: the trainer draws them
        }
        names.add(pairLabelCount(bert));
      } else {
        names.add("short_windows");
      }
      return new WrittenCounts(sc, names);
    }

    /** One row: its values for every name after {@code examples}. */
    void add(boolean validation, long... values) {
      org.apache.spark.util.LongAccumulator[] s = sums[validation ? 1 : 0];
      s[0].add(1);
      for (int i = 0; i < values.length; i++) {
        s[i + 1].add(values[i]);
      }
    }

    ObjectNode counts(boolean validation) {
      ObjectNode node = new ObjectMapper().createObjectNode();
      for (int i = 0; i < names.size(); i++) {
        node.put(names.get(i), sums[validation ? 1 : 0][i].sum());
      }
      return node;
    }
  }

  /** What a BERT split's label-1 count means: random next sentences (NSP) or swapped pairs (SOP). */
  static String pairLabelCount(BertObjectiveConfig bert) {
    return bert.pairTask() == PairTask.SOP ? "swapped" : "random_next";
  }

  /** The column that routes a row to its split's folder; not stored in the shards. */
  private static final String SPLIT = "split";

  /**
   * Writes both splits in one job, without a shuffle: each task writes its rows of each split to
   * {@code staging/train} and {@code staging/validation}, sorted by example id, at most {@code rowsPerFile} rows per
   * file. Files therefore follow the partitioning of the documents (so do their sizes, bounded by the target); the
   * set of rows does not. An empty split gets one file with the schema and no rows.
   *
   * <p>The id arrays are written as Parquet's two-level lists ({@code repeated int32 array} inside the LIST group,
   * Spark's "legacy" layout for arrays without nulls): one value per id, where the three-level layout opens and closes
   * a group around every single id, which made Parquet encoding the costliest step of the job. Spark, parquet-mr and
   * Arrow read both layouts alike.
   */
  private static void writeSplits(Dataset<Row> examples, long rowsPerFile, FileSystem fs, Path staging,
      org.apache.spark.sql.types.StructType schema) throws IOException {
    SparkSession spark = examples.sparkSession();
    var conf = spark.conf();
    String legacy = "spark.sql.parquet.writeLegacyFormat";
    String before = conf.get(legacy, "false");
    conf.set(legacy, "true");
    Path all = new Path(staging, "_examples");
    try {
      examples.sortWithinPartitions(SPLIT, "example_id")
          .write()
          .partitionBy(SPLIT)
          .option("maxRecordsPerFile", rowsPerFile)
          .mode(SaveMode.ErrorIfExists)
          .parquet(all.toString());
      for (boolean validation : new boolean[] {false, true}) {
        Path dir = new Path(all, SPLIT + "=" + splitColumn(validation));
        Path to = new Path(staging, split(validation));
        if (fs.exists(dir)) {
          if (!fs.rename(dir, to)) {
            throw new IOException("could not rename " + dir + " to " + to);
          }
        } else {
          spark.createDataFrame(List.of(), schema).coalesce(1).write().mode(SaveMode.ErrorIfExists)
              .parquet(to.toString());
        }
      }
      fs.delete(all, true);
    } finally {
      conf.set(legacy, before);
    }
  }

  private static final org.apache.spark.sql.types.StructType REJECTION_SCHEMA =
      new org.apache.spark.sql.types.StructType()
          .add("source", DataTypes.StringType).add("position", DataTypes.LongType)
          .add("reason", DataTypes.StringType).add("excerpt", DataTypes.StringType);

  private static Row rejectionRow(Rejection r) {
    return org.apache.spark.sql.RowFactory.create(r.source(), r.position(), r.reason(), r.excerpt());
  }

  private static ObjectNode manifest(FileSystem fs, Path staging, PretrainConfig config, Tokenizer tokenizer,
      String fingerprint) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = json.createObjectNode();
    m.put("format", "spark-pretrain-shards/1");
    m.put("project_version", dev.sparkpretrain.Version.get());
    m.put("objective", objectiveName(config.objective()));
    m.put("seed", config.seed());
    m.put("sequence_length", config.objective().maxSeqLength());
    if (config.objective() instanceof BertObjectiveConfig bert) {
      m.put("pair_task", bert.pairTask().name().toLowerCase(java.util.Locale.ROOT));
    }
    ObjectNode tok = m.putObject("tokenizer");
    tok.put("sha256", fingerprint);
    tok.put("vocab_size", tokenizer.vocabSize());
    m.set("config", json.readTree(config.toJson()));
    ArrayNode shards = m.putArray("shards");
    for (String split : List.of("train", "validation")) {
      for (FileStatus f : fs.listStatus(new Path(staging, split), p -> p.getName().endsWith(".parquet"))) {
        ObjectNode s = shards.addObject();
        s.put("split", split);
        s.put("path", split + "/" + f.getPath().getName());
        s.put("bytes", f.getLen());
        s.put("rows", rows(fs, f.getPath()));
      }
    }
    return m;
  }

  /** A Parquet file's row count, from its footer. */
  private static long rows(FileSystem fs, Path file) throws IOException {
    try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(file, fs.getConf()))) {
      return r.getRecordCount();
    }
  }

  static void writeJson(FileSystem fs, Path path, ObjectNode node) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(node)
          .getBytes(StandardCharsets.UTF_8));
    }
  }
}
