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
import dev.sparkpretrain.tokenization.Encoding;
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
import org.apache.spark.sql.functions;
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

    // 1. Read and clean. Every record ends up used, rejected (with reason) or a duplicate.
    sc.setJobGroup("prepare", "prepare: read and clean " + data.input(), false);
    TextCleaner cleaner = new TextCleaner(data);
    int minChars = data.minChars();
    int maxChars = data.maxChars();
    JavaRDD<CleanedDocument> cleaned = dev.sparkpretrain.corpus.CorpusReader.read(sc, data)
        .map(r -> clean(r, cleaner, minChars, maxChars))
        .persist(StorageLevel.MEMORY_AND_DISK_SER());

    // 2. Exact deduplication by content hash; the earliest (source, position) wins, deterministically. Without a
    // map-side combine: duplicates are rare, and the combine held every text of a task in a size-tracked hash map
    // (Spark's SizeEstimator walks it) only to write them all to the shuffle anyway.
    JavaPairRDD<Long, CleanedDocument> clean = cleaned
        .filter(d -> d.rejection() == null)
        .mapToPair(d -> new Tuple2<>(d.key(), d));
    JavaPairRDD<Long, CleanedDocument> unique = data.dedup()
        ? clean.combineByKey(d -> d, PrepareJob::earliest, PrepareJob::earliest,
            new HashPartitioner(clean.getNumPartitions()), false, null)
        : clean;
    // 2b. Near-duplicates (optional): the smallest content hash of each group survives. Counted as duplicates.
    NearDuplicates near = null;
    if (data.nearDedup().enabled()) {
      sc.setJobGroup("prepare", "prepare: find near-duplicates", false);
      near = NearDuplicates.find(spark, unique, data.nearDedup(), seed);
      unique = near.kept();
    }
    long nearDuplicates = near == null ? 0 : near.removed();

    // 3. Sentences and token ids. Documents that yield no tokens are rejected too.
    sc.setJobGroup("prepare", "prepare: split sentences and tokenize", false);
    Broadcast<Tokenizer> tok = sc.broadcast(tokenizer);
    boolean sentences = objective instanceof BertObjectiveConfig;
    JavaRDD<Tuple2<TokenizedDocument, Rejection>> tokenized = unique.values().mapPartitions(it -> {
      SentenceSplitter splitter = sentences ? new SentenceSplitter() : null;
      Tokenizer t = tok.value();
      List<Tuple2<TokenizedDocument, Rejection>> out = new ArrayList<>();
      while (it.hasNext()) {
        CleanedDocument d = it.next();
        TokenizedDocument td = tokenize(d.key(), d.text(), splitter, t);
        out.add(td.tokenCount() == 0
            ? new Tuple2<>(null, Rejection.of(d.source(), d.position(), "no_tokens", d.text()))
            : new Tuple2<>(td, null));
      }
      return out.iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<TokenizedDocument> documents = tokenized.filter(t -> t._1() != null).map(Tuple2::_1);

    long t0 = System.nanoTime();
    // Counts in one pass over each persisted dataset (small maps, aggregated on the executors).
    Counts read = cleaned.treeAggregate(new Counts(), Counts::addCleaned, Counts::merge);
    Counts tokCounts = tokenized.treeAggregate(new Counts(), Counts::addTokenized, Counts::merge);
    Map<String, Long> rejectionsByReason = new TreeMap<>(read.rejections);
    tokCounts.rejections.forEach((k, v) -> rejectionsByReason.merge(k, v, Long::sum));
    long used = tokCounts.documents;
    long rejected = rejectionsByReason.values().stream().mapToLong(Long::longValue).sum();
    long uniqueCount = tokCounts.documents + tokCounts.rejections.values().stream().mapToLong(Long::longValue).sum();
    long duplicates = read.clean - uniqueCount;
    long invalidUtf8 = read.invalidUtf8;
    long totalTokens = tokCounts.tokens;
    LOG.info("prepare: {} documents read, {} used, {} rejected, {} duplicates ({} near) ({} s)", read.documents, used,
        rejected, duplicates, nearDuplicates,
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    if (used < 2) {
      throw new IllegalStateException("only " + used + " usable documents in " + data.input()
          + " (rejections: " + rejectionsByReason + "); BERT needs at least 2 for next-sentence pairs");
    }

    // 4. Examples per split; the split is decided by document hash.
    sc.setJobGroup("prepare", "prepare: create " + objectiveName(objective) + " examples and write shards", false);
    double validationFraction = data.validationFraction();
    int copies = objective instanceof BertObjectiveConfig b ? b.dupeFactor() : 1;
    // ~4 bytes per id, a few id columns, compressed about 2x: a rough size for choosing the shard count.
    long estimatedBytes = Math.max(1, totalTokens * (long) copies * 4);
    long target = data.targetShardMb() * 1024L * 1024L;
    int trainShards = (int) Math.max(1, Math.min(10_000, (estimatedBytes + target - 1) / target));
    int validationShards = Math.max(1, (int) Math.ceil(trainShards * validationFraction));
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
    for (String split : List.of("train", "validation")) {
      boolean wantValidation = split.equals("validation");
      JavaRDD<TokenizedDocument> splitDocs = documents
          .filter(d -> (ContentHash.unit(seed, d.key()) < validationFraction) == wantValidation);
      long salt = ContentHash.mix(seed, split.hashCode());
      Dataset<Row> examples;
      if (objective instanceof BertObjectiveConfig bert) {
        examples = spark.createDataFrame(bertRows(splitDocs, pool, bert, special.bert(), seed),
            BertShards.schema(bert.masking()));
      } else if (objective instanceof GptObjectiveConfig gpt) {
        JavaRDD<Row> rows = PackedWindows.of(splitDocs, gpt.maxSeqLength() + 1, special.endOfText())
            .map(w -> RowFactory.create(ContentHash.mix(salt, w._1()), w._2()));
        examples = spark.createDataFrame(rows, PackedShards.GPT_SCHEMA);
      } else {
        examples = spark.createDataFrame(t5Rows(splitDocs, (T5ObjectiveConfig) objective, tokenizer.vocabSize(),
            special.eos(), salt), PackedShards.T5_SCHEMA);
      }
      writeSplit(examples, wantValidation ? validationShards : trainShards, new Path(staging, split).toString());
      LOG.info("prepare: wrote {} ({} s)", split,
          String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    }

    // 6. Rejected records, with where and why.
    JavaRDD<Row> rejectedRows = cleaned.filter(d -> d.rejection() != null).map(d -> rejectionRow(d.rejection()))
        .union(tokenized.filter(t -> t._2() != null).map(t -> rejectionRow(t._2())));
    spark.createDataFrame(rejectedRows, REJECTION_SCHEMA).coalesce(1).write().mode(SaveMode.ErrorIfExists)
        .json(new Path(staging, REJECTED).toString());

    // 7. Manifest from what was actually written (one aggregation per split), then the atomic rename.
    Map<String, SplitCounts> written = new TreeMap<>();
    for (String split : List.of("train", "validation")) {
      written.put(split, splitCounts(spark.read().parquet(new Path(staging, split).toString()), objective));
    }
    ObjectNode manifest = manifest(fs, staging, config, tokenizer, tokenizerFingerprint, written);
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
    written.forEach((split, c) -> counts.set(split, c.counts()));
    // The tokenizer travels with its shards (inspect, eval and export read it from here).
    try (OutputStream o = fs.create(new Path(staging, TOKENIZER), false)) {
      o.write(tokenizer.toJson().getBytes(StandardCharsets.UTF_8));
    }
    writeJson(fs, new Path(staging, MANIFEST), manifest);
    LOG.info("prepare: manifest written ({} s)",
        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    cleaned.unpersist(false);
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

  /** Document counts of one pass, mergeable across partitions. */
  static final class Counts implements java.io.Serializable {
    long documents;
    long clean;
    long invalidUtf8;
    long tokens;
    final Map<String, Long> rejections = new TreeMap<>();

    Counts addCleaned(CleanedDocument d) {
      documents++;
      invalidUtf8 += d.invalidUtf8() ? 1 : 0;
      if (d.rejection() == null) {
        clean++;
      } else {
        rejections.merge(d.rejection().reason(), 1L, Long::sum);
      }
      return this;
    }

    Counts addTokenized(Tuple2<TokenizedDocument, Rejection> t) {
      if (t._1() != null) {
        documents++;
        tokens += t._1().tokenCount();
      } else {
        rejections.merge(t._2().reason(), 1L, Long::sum);
      }
      return this;
    }

    Counts merge(Counts o) {
      documents += o.documents;
      clean += o.clean;
      invalidUtf8 += o.invalidUtf8;
      tokens += o.tokens;
      o.rejections.forEach((k, v) -> rejections.merge(k, v, Long::sum));
      return this;
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

  private static CleanedDocument earliest(CleanedDocument a, CleanedDocument b) {
    int c = a.source().compareTo(b.source());
    return c < 0 || (c == 0 && a.position() <= b.position()) ? a : b;
  }

  /** Token ids per sentence, or the whole text as one segment when {@code splitter} is null. */
  static TokenizedDocument tokenize(long key, String text, SentenceSplitter splitter, Tokenizer tokenizer) {
    List<int[]> sentences = new ArrayList<>();
    List<boolean[]> starts = new ArrayList<>();
    for (String s : splitter == null ? List.of(text) : splitter.split(text)) {
      Encoding e = tokenizer.encode(s, false);
      if (e.ids().length > 0) {
        sentences.add(e.ids());
        starts.add(e.wordStarts());
      }
    }
    return new TokenizedDocument(key, sentences, starts);
  }

  /**
   * BERT examples, {@code dupe_factor} differently masked copies per document, each copy its own RNG stream.
   * {@code pool} is null with sentence-order prediction, which never draws from other documents.
   */
  static JavaRDD<Row> bertRows(JavaRDD<TokenizedDocument> docs, Broadcast<RandomNextPool> pool,
      BertObjectiveConfig bert, BertVocab vocab, long seed) {
    int dupeFactor = bert.dupeFactor();
    BertObjectiveConfig.Masking masking = bert.masking();
    return docs.flatMap(d -> {
      List<Row> out = new ArrayList<>();
      for (int dupe = 0; dupe < dupeFactor; dupe++) {
        SplittableRandom rng = new SplittableRandom(ContentHash.mix(seed, ContentHash.mix(d.key(), dupe)));
        for (BertExample e : BertExamples.create(d, dupe, pool == null ? null : pool.value(), bert, vocab, rng)) {
          out.add(BertShards.toRow(e, masking));
        }
      }
      return out.iterator();
    });
  }

  /** T5: seqio concatenates documents without a separator, cuts chunks of tokens_length, corrupts each. */
  static JavaRDD<Row> t5Rows(JavaRDD<TokenizedDocument> docs, T5ObjectiveConfig t5, int vocabSize, int eos,
      long salt) {
    SpanCorruption.Lengths lengths = SpanCorruption.lengths(t5.maxSeqLength(), t5.noiseDensity(),
        t5.meanNoiseSpanLength());
    double density = t5.noiseDensity();
    double spanLength = t5.meanNoiseSpanLength();
    return PackedWindows.of(docs, lengths.tokensLength(), -1).map(w -> {
      long id = ContentHash.mix(salt, w._1());
      SpanCorruption.Example e = SpanCorruption.corrupt(w._2(), density, spanLength, vocabSize, eos,
          new SplittableRandom(id));
      return RowFactory.create(id, e.inputs(), e.targets());
    });
  }

  static String objectiveName(ObjectiveConfig o) {
    return o instanceof BertObjectiveConfig ? "bert" : o instanceof GptObjectiveConfig ? "gpt" : "t5";
  }

  /** A written split's counts (examples, tokens, the objective's own) and its rows per shard file. */
  record SplitCounts(ObjectNode counts, Map<String, Long> rowsPerFile) {}

  /** One aggregation grouped by shard file: the per-file rows for the manifest, summed for the split's counts. */
  static SplitCounts splitCounts(Dataset<Row> written, ObjectiveConfig objective) {
    List<String> names = new ArrayList<>(List.of("examples", "tokens"));
    List<org.apache.spark.sql.Column> aggs = new ArrayList<>();
    if (objective instanceof T5ObjectiveConfig) {
      aggs.add(functions.sum(functions.size(functions.col("inputs"))));
      names.add("target_tokens");
      aggs.add(functions.sum(functions.size(functions.col("targets"))));
    } else {
      aggs.add(functions.sum(functions.size(functions.col("input_ids"))));
    }
    if (objective instanceof BertObjectiveConfig bert) {
      if (bert.masking() == BertObjectiveConfig.Masking.STATIC) {
        names.add("masked_tokens"); // dynamic shards hold no masks: the trainer draws them
        aggs.add(functions.sum(functions.size(functions.col("masked_lm_positions"))));
      }
      names.add(pairLabelCount(bert));
      aggs.add(functions.sum(functions.col("next_sentence_label")));
    } else if (objective instanceof GptObjectiveConfig g) {
      names.add("short_windows");
      aggs.add(functions.sum(functions.when(functions.size(functions.col("input_ids")).lt(g.maxSeqLength() + 1), 1)
          .otherwise(0)));
    }
    long[] totals = new long[names.size()];
    Map<String, Long> rowsPerFile = new TreeMap<>();
    for (Row r : written.groupBy(functions.input_file_name()).agg(functions.count(functions.lit(1)),
        aggs.toArray(new org.apache.spark.sql.Column[0])).collectAsList()) {
      rowsPerFile.put(new Path(r.getString(0)).getName(), r.getLong(1));
      for (int i = 0; i < totals.length; i++) {
        totals[i] += r.isNullAt(i + 1) ? 0 : ((Number) r.get(i + 1)).longValue();
      }
    }
    ObjectNode s = new ObjectMapper().createObjectNode();
    for (int i = 0; i < totals.length; i++) {
      s.put(names.get(i), totals[i]);
    }
    return new SplitCounts(s, rowsPerFile);
  }

  /** What a BERT split's label-1 count means: random next sentences (NSP) or swapped pairs (SOP). */
  static String pairLabelCount(BertObjectiveConfig bert) {
    return bert.pairTask() == PairTask.SOP ? "swapped" : "random_next";
  }

  /**
   * Writes the examples as {@code shards} files, each sorted by example id. The id arrays are written as Parquet's
   * two-level lists ({@code repeated int32 array} inside the LIST group, Spark's "legacy" layout for arrays without
   * nulls): one value per id, where the three-level layout opens and closes a group around every single id, which
   * made Parquet encoding the costliest step of the job. Spark, parquet-mr and Arrow read both layouts alike.
   */
  private static void writeSplit(Dataset<Row> examples, int shards, String path) {
    var conf = examples.sparkSession().conf();
    String legacy = "spark.sql.parquet.writeLegacyFormat";
    String before = conf.get(legacy, "false");
    conf.set(legacy, "true");
    try {
      examples.repartition(shards, functions.col("example_id"))
          .sortWithinPartitions("example_id")
          .write()
          .mode(SaveMode.ErrorIfExists)
          .parquet(path);
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
      String fingerprint, Map<String, SplitCounts> written) throws IOException {
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
      Map<String, Long> rows = written.get(split).rowsPerFile();
      for (FileStatus f : fs.listStatus(new Path(staging, split), p -> p.getName().endsWith(".parquet"))) {
        ObjectNode s = shards.addObject();
        s.put("split", split);
        s.put("path", split + "/" + f.getPath().getName());
        s.put("bytes", f.getLen());
        s.put("rows", rows.getOrDefault(f.getPath().getName(), 0L));
      }
    }
    return m;
  }

  static void writeJson(FileSystem fs, Path path, ObjectNode node) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(node)
          .getBytes(StandardCharsets.UTF_8));
    }
  }
}
