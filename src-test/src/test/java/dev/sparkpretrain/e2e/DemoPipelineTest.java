package dev.sparkpretrain.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.cli.Main;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.demo.Demo;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.train.Checkpoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo pipeline end to end on the bundled corpus, on a real local[2] Spark session: WordPiece trained on
 * Spark, BERT shards in Parquet with a manifest, a tiny BERT trained by the parameter-averaging trainer with 2
 * workers and gradient accumulation, a checkpoint, evaluation.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoPipelineTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static Demo.Result result;
  static Path output;
  static String console;

  @BeforeAll
  static void runDemo() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("DemoPipelineTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    output = dir.resolve("demo");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(buf, true, StandardCharsets.UTF_8);
    PretrainConfig config = Demo.defaultConfig();
    result = Demo.run(spark, config, output, tee);
    console = buf.toString(StandardCharsets.UTF_8);
    System.out.println(console);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void shardsAndManifestAddUp() throws Exception {
    JsonNode manifest = new ObjectMapper().readTree(output.resolve("shards/_manifest.json").toFile());
    JsonNode counts = manifest.get("counts");
    long read = counts.get("documents_read").asLong();
    long used = counts.get("documents_used").asLong();
    long rejected = counts.get("documents_rejected").asLong();
    long duplicate = counts.get("documents_duplicate").asLong();
    assertTrue(read > 1000, "Moby-Dick has thousands of paragraphs: " + read);
    assertEquals(read, used + rejected + duplicate, "every document is used, rejected or a duplicate");
    assertTrue(rejected > 0, "short headings are rejected by min_chars");

    Dataset<Row> train = spark.read().parquet(output.resolve("shards/train").toString());
    Dataset<Row> validation = spark.read().parquet(output.resolve("shards/validation").toString());
    assertEquals(counts.path("train").path("examples").asLong(), train.count());
    assertEquals(counts.path("validation").path("examples").asLong(), validation.count());
    assertTrue(validation.count() > 0);
    assertEquals(List.of("example_id", "input_ids", "segment_ids", "masked_lm_positions", "masked_lm_ids",
        "next_sentence_label"), List.of(train.columns()));
    long shardRows = 0;
    for (JsonNode s : manifest.get("shards")) {
      assertTrue(Files.isRegularFile(output.resolve("shards").resolve(s.get("path").asText())), s.toString());
      shardRows += s.get("rows").asLong();
    }
    assertEquals(train.count() + validation.count(), shardRows);
    assertEquals(64, manifest.get("sequence_length").asInt());
    assertEquals(64, manifest.get("tokenizer").get("sha256").asText().length());

    // Masked LM: about 15% of the tokens, labels are the original ids of real tokens.
    double maskRate = (double) counts.path("train").path("masked_tokens").asLong()
        / counts.path("train").path("tokens").asLong();
    assertEquals(0.15, maskRate, 0.02, "masked share of tokens");
    Tokenizer tokenizer = Tokenizer.load(result.tokenizerFile());
    int mask = tokenizer.tokenToId("[MASK]");
    long maskedAsMask = 0;
    long predictions = 0;
    for (Row r : train.limit(500).collectAsList()) {
      List<Integer> ids = r.getList(1);
      List<Integer> positions = r.getList(3);
      List<Integer> labels = r.getList(4);
      assertEquals(positions.size(), labels.size());
      for (int k = 0; k < positions.size(); k++) {
        predictions++;
        if (ids.get(positions.get(k)) == mask) {
          maskedAsMask++;
        }
        assertTrue(labels.get(k) != mask, "labels are original tokens");
      }
    }
    assertEquals(0.8, (double) maskedAsMask / predictions, 0.06, "80% of predictions are [MASK]");
  }

  @Test
  void lossFallsClearly() throws Exception {
    List<String> lines = Files.readAllLines(output.resolve("metrics.jsonl"));
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> steps = lines.stream().map(l -> {
      try {
        return json.readTree(l);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    assertEquals(result.training().step(), steps.size(), "one line per optimizer step");
    for (int i = 0; i < steps.size(); i++) {
      JsonNode s = steps.get(i);
      assertEquals(i + 1, s.get("step").asInt());
      assertTrue(s.has("lr") && s.has("grad_norm"), s.toString());
      double mlm = s.get("mlm_accuracy").asDouble();
      double nsp = s.get("nsp_accuracy").asDouble();
      assertTrue(mlm >= 0 && mlm <= 1 && nsp >= 0 && nsp <= 1, "training accuracies per step: " + s);
      assertTrue(s.get("tokens_per_s").asDouble() > 0);
      assertTrue(Double.isFinite(s.get("loss").asDouble()));
    }
    double first = steps.subList(0, 10).stream().mapToDouble(s -> s.get("loss").asDouble()).average().orElseThrow();
    double last = steps.subList(steps.size() - 10, steps.size()).stream()
        .mapToDouble(s -> s.get("loss").asDouble()).average().orElseThrow();
    assertTrue(last < first - 1.0, "loss falls clearly: first 10 steps " + first + ", last 10 " + last);
  }

  @Test
  void checkpointLoadsBackWithIdenticalParameters() throws Exception {
    String ckpt = result.training().checkpoint();
    assertNotNull(ckpt);
    Checkpoints.Loaded loaded = Checkpoints.load(new Configuration(), ckpt);
    ComputationGraph trained = result.training().graph();
    assertArrayEquals(trained.params().data().asFloat(), loaded.graph().params().data().asFloat());
    assertArrayEquals(trained.getUpdater().getStateViewArray().data().asFloat(),
        loaded.graph().getUpdater().getStateViewArray().data().asFloat());
    assertEquals(result.training().step(), loaded.state().get("step").asInt());
    try (Stream<Path> s = Files.list(output.resolve("checkpoints"))) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no half-written checkpoint");
    }
  }

  /** Runs last: the command closes the (shared, getOrCreate) Spark session when it ends. */
  @Test
  @Order(Integer.MAX_VALUE)
  void evalCommandPrintsTheMetricsAsJson() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"eval", "--checkpoint", result.training().checkpoint(), "--data",
        output.resolve("shards").toUri().toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    assertEquals((double) result.training().evaluation().get("mlm_accuracy"), json.get("mlm_accuracy").asDouble(),
        1e-9, "the checkpoint evaluates as the model that wrote it");
    assertTrue(json.get("loss").asDouble() > 0);
  }

  @Test
  void evaluationBeatsChance() {
    double mlmAccuracy = (double) result.training().evaluation().get("mlm_accuracy");
    // Chance over a 4,000-token vocabulary is 0.025%; predicting frequent words already gives a few percent.
    assertTrue(mlmAccuracy > 0.05, "masked-LM accuracy on held-out data " + mlmAccuracy);
    assertTrue(console.contains("demo finished"), console);
  }
}
