package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.cli.InspectCommand;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train command's job on real shards: checkpoints, resume, refusing mismatched shards. */
class TrainJobTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String shards;
  static PretrainConfig config;
  static Tokenizer tokenizer;
  static String tokenizerSha;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @BeforeAll
  static void prepareShards() throws IOException {
    spark = LocalSpark.session("TrainJobTest", 2);
    TrainerFixtures.Prepared p = TrainerFixtures.prepare(spark, dir, 120_000, """
        seed: 3
        data:
          input: [%s]
          format: paragraphs
          min_chars: 20
          validation_fraction: 0.1
        tokenizer:
          vocab_size: 800
        objective:
          type: bert
          max_seq_length: 32
          max_predictions_per_seq: 5
        model:
          preset: bert-tiny
        trainer:
          workers: 2
          micro_batch_size: 4
          gradient_accumulation: 2
          averaging_frequency: 2
          max_steps: 8
          learning_rate: 0.001
          warmup_steps: 2
          checkpoint_every: 4
          keep_checkpoints: 5
        """);
    config = p.config();
    tokenizer = p.tokenizer();
    tokenizerSha = p.tokenizerSha();
    shards = p.shards();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void interruptedAndResumedRunReachesTheSameParameters() throws IOException {
    String straight = dir.resolve("run-straight").toUri().toString();
    TrainJob.Summary full = TrainJob.run(spark, config, shards, straight, false, QUIET);
    assertEquals(8, full.step());

    String broken = dir.resolve("run-broken").toUri().toString();
    assertThrows(TrainJob.Interrupted.class, () -> TrainJob.run(spark, config, shards, broken, false, QUIET, 6));
    TrainJob.Summary resumed = TrainJob.run(spark, config, shards, broken, true, QUIET);
    assertEquals(8, resumed.step());
    double d = full.graph().params().sub(resumed.graph().params()).amaxNumber().doubleValue();
    System.out.println("resumed vs uninterrupted: max |diff| " + d);
    assertTrue(d < 1e-6, "max |diff| " + d);

    assertTrue(Files.size(dir.resolve("run-broken/report.html")) > 0, "report written");
    assertTrue(Files.size(dir.resolve("run-broken/loss.png")) > 1000, "loss chart drawn");
    List<String> lines = Files.readAllLines(dir.resolve("run-broken/metrics.jsonl"));
    assertTrue(lines.size() >= 8, "metrics kept across the resume");
    try (var s = Files.list(dir.resolve("run-straight/checkpoints"))) {
      assertEquals(List.of("step-00000004", "step-00000008"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void twoThreadsPerWorkerReachTheParametersOfOne() throws IOException {
    PretrainConfig short4 = config.withTrainer(config.trainer().withMaxSteps(4));
    TrainJob.Summary one = TrainJob.run(spark, short4, shards, dir.resolve("run-t1").toUri().toString(), false, QUIET);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    TrainJob.Summary two = TrainJob.run(spark, short4.withTrainer(short4.trainer().withThreadsPerWorker(2)), shards,
        dir.resolve("run-t2").toUri().toString(), false, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertEquals(4, two.step());
    // Dropout is on (bert-tiny preset): replicas draw the same masks, seeded per micro-batch.
    assertTrue(java.util.Arrays.equals(one.graph().params().data().asFloat(), two.graph().params().data().asFloat()),
        "max |diff| " + one.graph().params().sub(two.graph().params()).amaxNumber());
    String console = log.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("2 replicas per worker") && console.contains("set it to 2"), console);
  }

  @Test
  void gptTrainsOnPackedWindowsAndReportsPerplexity() throws IOException {
    PretrainConfig gpt = PretrainConfig.parse("""
        seed: 3
        data:
          input: %s
          format: paragraphs
          min_chars: 20
          validation_fraction: 0.1
        objective:
          type: gpt
          max_seq_length: 32
          end_of_text: "[SEP]"
        model:
          preset: gpt2-tiny
        trainer:
          workers: 2
          micro_batch_size: 4
          gradient_accumulation: 2
          averaging_frequency: 5
          max_steps: 20
          learning_rate: 0.002
          warmup_steps: 2
        """.formatted(config.data().input()), "test");
    String gptShards = dir.resolve("gpt-shards").toUri().toString();
    PrepareJob.run(spark, gpt, tokenizer, tokenizerSha, gptShards, false);
    TrainJob.Summary s = TrainJob.run(spark, gpt, gptShards, dir.resolve("run-gpt").toUri().toString(), false, QUIET);
    assertEquals(20, s.step());
    assertTrue(s.lastLoss() < s.firstLoss() - 0.5, "loss falls: " + s.firstLoss() + " -> " + s.lastLoss());
    String last = Files.readAllLines(dir.resolve("run-gpt/metrics.jsonl")).get(19);
    assertTrue(last.contains("\"lm_accuracy\"") && last.contains("\"perplexity\""), last);
    double perplexity = (double) s.evaluation().get("perplexity");
    assertTrue(perplexity > 1 && perplexity < 800, "validation perplexity " + perplexity + " (vocab 800)");
    assertTrue((long) s.evaluation().get("lm_predictions") > 0);
  }

  @Test
  void refusesShardsWithoutManifestOrWithAnotherTokenizer() throws IOException {
    assertThrows(ConfigException.class, () -> TrainJob.run(spark, config, dir.resolve("nowhere").toUri().toString(),
        dir.resolve("run-x").toUri().toString(), false, QUIET));
    // A checkpoint made with another tokenizer: change the fingerprint the checkpoint records.
    String run = dir.resolve("run-fp").toUri().toString();
    PretrainConfig short1 = config.withTrainer(config.trainer().withMaxSteps(2));
    TrainJob.run(spark, short1, shards, run, false, QUIET);
    Path state = dir.resolve("run-fp/checkpoints/step-00000002/state.json");
    Files.writeString(state, Files.readString(state).replaceAll("\"tokenizer_sha256\" : \"[0-9a-f]+\"",
        "\"tokenizer_sha256\" : \"" + "ab".repeat(32) + "\""));
    Files.deleteIfExists(state.resolveSibling(".state.json.crc")); // Hadoop's local checksum of the old bytes
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainJob.run(spark, config, shards, run, true, QUIET));
    assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
  }

  @Test
  void inspectShowsStaticMasks() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InspectCommand.run(spark, shards, 2, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String text = buf.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("masked_lm_positions") && text.contains("→"), text);
    assertFalse(text.contains("masks: none stored"), text);
  }
}
