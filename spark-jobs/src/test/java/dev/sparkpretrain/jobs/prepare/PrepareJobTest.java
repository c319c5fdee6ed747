package dev.sparkpretrain.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import dev.sparkpretrain.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prepare job on a real local[2] session and real files. */
class PrepareJobTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static Path corpus;
  static Tokenizer tokenizer;

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("PrepareJobTest", 3, PrepareJob.SESSION_DEFAULTS);
    // The first ~250 KB of the bundled novel, one paragraph per line, plus bad records.
    String text;
    try (InputStream in = PrepareJobTest.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      text = new String(in.readNBytes(250_000), StandardCharsets.UTF_8);
    }
    StringBuilder jsonl = new StringBuilder();
    int i = 0;
    for (String para : text.split("\n\n")) {
      String p = para.replace('\n', ' ').replace("\\", "\\\\").replace("\"", "\\\"");
      jsonl.append("{\"id\": ").append(i++).append(", \"text\": \"").append(p).append("\"}\n");
    }
    jsonl.append("this is not json\n");
    jsonl.append("{\"id\": 1, \"body\": \"no text field\"}\n");
    jsonl.append("{\"id\": 2, \"text\": 42}\n");
    jsonl.append("{\"id\": 3, \"text\": \"Call me Ishmael, again and again and again.\"}\n");
    jsonl.append("{\"id\": 4, \"text\": \"Call me Ishmael, again and again and again.\"}\n"); // duplicate
    corpus = dir.resolve("corpus.jsonl");
    Files.writeString(corpus, jsonl.toString());
    PretrainConfig c = config(corpus);
    tokenizer = TokenizerTrainJob.train(spark, c.data(), c.tokenizer());
  }

  static PretrainConfig config(Path input) {
    return PretrainConfig.parse("""
        seed: 7
        data:
          input: [%s]
          format: jsonl
          min_chars: 30
          validation_fraction: 0.1
          target_shard_mb: 1
        tokenizer:
          vocab_size: 1500
        objective:
          type: bert
          max_seq_length: 48
          max_predictions_per_seq: 8
          dupe_factor: 2
        """.formatted(input.toUri()), "test");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void countsAddUpAndBadRecordsAreSetAside() throws IOException {
    String out = dir.resolve("shards-a").toUri().toString();
    ObjectNode m = PrepareJob.run(spark, config(corpus), tokenizer, "f".repeat(64), out, false);
    var counts = m.get("counts");
    long read = counts.get("documents_read").asLong();
    assertEquals(read, counts.get("documents_used").asLong() + counts.get("documents_rejected").asLong()
        + counts.get("documents_duplicate").asLong());
    assertEquals(1, counts.get("documents_duplicate").asLong());
    var reasons = counts.get("rejected_by_reason");
    assertEquals(1, reasons.get("invalid_json").asLong());
    assertEquals(1, reasons.get("missing_field:text").asLong());
    assertEquals(1, reasons.get("non_string_field:text").asLong());
    List<Row> rejected = spark.read().json(dir.resolve("shards-a/_rejected").toString()).collectAsList();
    assertEquals(counts.get("documents_rejected").asLong(), rejected.size());
    for (Row r : rejected) {
      assertTrue(r.getAs("source").toString().endsWith("corpus.jsonl"));
      assertTrue(((Long) r.getAs("position")) >= 0);
    }
    assertTrue(Files.exists(dir.resolve("shards-a/_manifest.json")));
    assertEquals("nsp", m.get("pair_task").asText());
    assertTrue(counts.get("validation").get("examples").asLong() > 0);
  }

  @Test
  void sameRowsWhateverThePartitioning() throws IOException {
    String a = dir.resolve("det-a").toUri().toString();
    String b = dir.resolve("det-b").toUri().toString();
    PrepareJob.run(spark, config(corpus), tokenizer, "0".repeat(64), a, false);
    // Split the input file into many small partitions for the second run.
    spark.sparkContext().hadoopConfiguration().setLong("mapreduce.input.fileinputformat.split.maxsize", 20_000);
    try {
      PrepareJob.run(spark, config(corpus), tokenizer, "0".repeat(64), b, false);
    } finally {
      spark.sparkContext().hadoopConfiguration().unset("mapreduce.input.fileinputformat.split.maxsize");
    }
    for (String split : List.of("train", "validation")) {
      assertEquals(rows(a + "/" + split), rows(b + "/" + split), split);
    }
  }

  @Test
  void gptWindowsAreFullAndIndependentOfPartitioning() throws IOException {
    PretrainConfig gpt = PretrainConfig.parse("""
        seed: 7
        data:
          input: [%s]
          format: jsonl
          validation_fraction: 0.1
        objective:
          type: gpt
          max_seq_length: 32
          end_of_text: "[SEP]"
        """.formatted(corpus.toUri()), "test");
    String a = dir.resolve("gpt-a").toUri().toString();
    String b = dir.resolve("gpt-b").toUri().toString();
    ObjectNode m = PrepareJob.run(spark, gpt, tokenizer, "0".repeat(64), a, false);
    spark.sparkContext().hadoopConfiguration().setLong("mapreduce.input.fileinputformat.split.maxsize", 15_000);
    try {
      PrepareJob.run(spark, gpt, tokenizer, "0".repeat(64), b, false);
    } finally {
      spark.sparkContext().hadoopConfiguration().unset("mapreduce.input.fileinputformat.split.maxsize");
    }
    for (String split : List.of("train", "validation")) {
      assertEquals(rows(a + "/" + split), rows(b + "/" + split), split);
      var c = m.get("counts").get(split);
      assertTrue(c.get("short_windows").asLong() <= 1, "only the last window may be short");
      for (Row r : spark.read().parquet(a + "/" + split).collectAsList()) {
        assertTrue(r.getList(1).size() <= 33);
      }
    }
    // Every token of every used document, plus one end-of-text each, lands in exactly one window.
    long sep = tokenizer.tokenToId("[SEP]");
    long windowTokens = m.get("counts").get("train").get("tokens").asLong()
        + m.get("counts").get("validation").get("tokens").asLong();
    long separators = spark.read().parquet(a + "/train").union(spark.read().parquet(a + "/validation"))
        .selectExpr("explode(input_ids) as id").filter("id = " + sep).count();
    assertEquals(m.get("counts").get("documents_used").asLong(), separators);
    assertTrue(windowTokens > 10_000);
  }

  @Test
  void compressedJsonlAndParquetReadTheSameDocuments() throws IOException {
    Path gz = dir.resolve("corpus.jsonl.gz");
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(corpus));
    }
    var plain = dev.sparkpretrain.corpus.CorpusReader.read(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), config(corpus).data());
    var zipped = dev.sparkpretrain.corpus.CorpusReader.read(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), config(gz).data());
    Set<String> a = new TreeSet<>(plain.filter(r -> !r.isRejected()).map(r -> r.document().text()).collect());
    Set<String> b = new TreeSet<>(zipped.filter(r -> !r.isRejected()).map(r -> r.document().text()).collect());
    assertEquals(a, b);
    assertEquals(plain.count(), zipped.count());

    // The same texts as a Parquet column.
    Path parquet = dir.resolve("corpus.parquet");
    spark.createDataset(List.copyOf(a), org.apache.spark.sql.Encoders.STRING()).toDF("body")
        .write().parquet(parquet.toString());
    PretrainConfig pq = PretrainConfig.parse("""
        data:
          input: [%s]
          format: parquet
          text_field: body
        """.formatted(parquet.toUri()), "test");
    var fromParquet = dev.sparkpretrain.corpus.CorpusReader.read(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), pq.data());
    assertEquals(a, new TreeSet<>(fromParquet.map(r -> r.document().text()).collect()));
    PretrainConfig wrongColumn = PretrainConfig.parse("""
        data:
          input: [%s]
          format: parquet
          text_field: text
        """.formatted(parquet.toUri()), "test");
    ConfigException e = assertThrows(ConfigException.class, () -> dev.sparkpretrain.corpus.CorpusReader.read(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), wrongColumn.data()));
    assertTrue(e.getMessage().contains("data.text_field"), e.getMessage());
  }

  static Set<String> rows(String path) {
    Set<String> out = new TreeSet<>();
    for (Row r : spark.read().parquet(path).collectAsList()) {
      out.add(r.toString());
    }
    return out;
  }

  @Test
  void sentenceOrderPredictionSwapsHalfThePairs() throws IOException {
    PretrainConfig sop = PretrainConfig.parse(config(corpus).toJson().replace("\"pair_task\" : \"nsp\"",
        "\"pair_task\" : \"sop\"").replace("\"dupe_factor\" : 2", "\"dupe_factor\" : 1"), "test");
    ObjectNode m = PrepareJob.run(spark, sop, tokenizer, "0".repeat(64), dir.resolve("sop").toUri().toString(),
        false);
    assertEquals("sop", m.get("pair_task").asText());
    var train = m.get("counts").get("train");
    assertTrue(train.get("random_next") == null, "no random next sentences with SOP");
    double swapped = train.get("swapped").asDouble() / train.get("examples").asLong();
    assertEquals(0.5, swapped, 0.05, "swapped share over " + train.get("examples") + " examples");
  }

  @Test
  void existingOutputIsNotOverwritten() throws IOException {
    Path existing = dir.resolve("exists");
    Files.createDirectories(existing);
    assertThrows(ConfigException.class, () -> PrepareJob.run(spark, config(corpus), tokenizer, "0".repeat(64),
        existing.toUri().toString(), false));
  }
}
