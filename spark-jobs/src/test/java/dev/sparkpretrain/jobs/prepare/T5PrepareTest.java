package dev.sparkpretrain.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.T5ObjectiveConfig;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.objective.SpanCorruption;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import dev.sparkpretrain.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** T5 span corruption end to end on local[2]: a Unigram vocabulary trained on Spark, then the prepare job. */
class T5PrepareTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static PretrainConfig config;
  static Tokenizer tokenizer;

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("T5PrepareTest", 3);
    // The first ~200 KB of the bundled novel, one paragraph per JSON line, plus a bad line and a duplicate.
    String text;
    try (InputStream in = T5PrepareTest.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      text = new String(in.readNBytes(200_000), StandardCharsets.UTF_8);
    }
    StringBuilder jsonl = new StringBuilder();
    int i = 0;
    for (String para : text.split("\n\n")) {
      String p = para.replace('\n', ' ').replace("\\", "\\\\").replace("\"", "\\\"");
      jsonl.append("{\"id\": ").append(i++).append(", \"text\": \"").append(p).append("\"}\n");
    }
    jsonl.append("not json at all\n");
    jsonl.append("{\"id\": -1, \"text\": \"Call me Ishmael, again and again and again.\"}\n");
    jsonl.append("{\"id\": -2, \"text\": \"Call me Ishmael, again and again and again.\"}\n"); // duplicate
    Path corpus = dir.resolve("corpus.jsonl");
    Files.writeString(corpus, jsonl.toString());
    config = PretrainConfig.parse("""
        seed: 11
        data:
          input: [%s]
          format: jsonl
          min_chars: 30
          validation_fraction: 0.1
          target_shard_mb: 1
        tokenizer:
          model: unigram
          vocab_size: 1000
        objective:
          type: t5
          max_seq_length: 128
        """.formatted(corpus.toUri()), "test");
    tokenizer = TokenizerTrainJob.train(spark, config.data(), config.tokenizer());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void spanCorruptedRowsHaveT5Sentinels() throws IOException {
    int vocab = tokenizer.vocabSize();
    assertEquals(1000, vocab);
    assertEquals(vocab - 1, tokenizer.tokenToId("<extra_id_0>"));
    int eos = tokenizer.tokenToId("</s>");
    T5ObjectiveConfig t5 = (T5ObjectiveConfig) config.objective();
    SpanCorruption.Lengths lengths = SpanCorruption.lengths(t5.maxSeqLength(), t5.noiseDensity(),
        t5.meanNoiseSpanLength());

    String out = dir.resolve("t5-shards").toUri().toString();
    ObjectNode m = PrepareJob.run(spark, config, tokenizer, "a".repeat(64), out, false);

    var counts = m.get("counts");
    assertEquals(counts.get("documents_read").asLong(), counts.get("documents_used").asLong()
        + counts.get("documents_rejected").asLong() + counts.get("documents_duplicate").asLong());
    // Short paragraphs (chapter headings) are rejected as too_short beside the one line that is not JSON.
    assertEquals(1, counts.get("rejected_by_reason").get("invalid_json").asLong());
    long byReason = 0;
    for (var r : counts.get("rejected_by_reason")) {
      byReason += r.asLong();
    }
    assertEquals(counts.get("documents_rejected").asLong(), byReason);
    assertEquals(1, counts.get("documents_duplicate").asLong());

    long noise = 0;
    long kept = 0;
    long spans = 0;
    long rows = 0;
    for (String split : List.of("train", "validation")) {
      for (Row r : spark.read().parquet(out + "/" + split).collectAsList()) {
        List<Integer> inputs = r.getList(r.fieldIndex("inputs"));
        List<Integer> targets = r.getList(r.fieldIndex("targets"));
        assertTrue(inputs.size() <= t5.maxSeqLength(), "inputs " + inputs.size());
        assertTrue(targets.size() <= lengths.targetsLength(), "targets " + targets.size());
        assertEquals(eos, inputs.get(inputs.size() - 1));
        assertEquals(eos, targets.get(targets.size() - 1));
        int inputSentinels = checkSentinelsCountDown(inputs, vocab);
        int targetSentinels = checkSentinelsCountDown(targets, vocab);
        assertEquals(inputSentinels, targetSentinels, "one sentinel per noise span on both sides");
        kept += inputs.size() - inputSentinels - 1;
        noise += targets.size() - targetSentinels - 1;
        spans += inputSentinels;
        rows++;
      }
    }
    double density = (double) noise / (noise + kept);
    double meanSpan = (double) noise / spans;
    System.out.printf("T5PrepareTest: %d rows, %d tokens, noise density %.4f, mean noise span %.3f%n", rows,
        noise + kept, density, meanSpan);
    assertTrue(rows > 100, "rows " + rows);
    assertEquals(0.15, density, 0.005);
    assertEquals(3.0, meanSpan, 0.1);
  }

  /** Sentinels appear as vocab-1, vocab-2, ... in order; returns how many. */
  /** The shards train a T5 (encoder-decoder, teacher forcing) through the same parameter-averaging trainer. */
  @Test
  void t5TrainsOnTheShards() throws IOException {
    String out = dir.resolve("t5-train-shards").toUri().toString();
    PrepareJob.run(spark, config, tokenizer, "b".repeat(64), out, false);
    PretrainConfig train = PretrainConfig.parse(config.toJson(), "resolved").withTrainer(PretrainConfig.parse("""
        trainer:
          workers: 2
          micro_batch_size: 4
          gradient_accumulation: 2
          averaging_frequency: 5
          max_steps: 20
          learning_rate: 0.003
          warmup_steps: 2
        """, "test").trainer());
    train = new PretrainConfig(train.seed(), train.data(), train.tokenizer(), train.objective(),
        new dev.sparkpretrain.config.ModelConfig("t5-tiny"), train.trainer());
    var quiet = new java.io.PrintStream(new java.io.ByteArrayOutputStream());
    dev.sparkpretrain.train.TrainJob.Summary s = dev.sparkpretrain.train.TrainJob.run(spark, train, out,
        dir.resolve("t5-run").toUri().toString(), false, quiet);
    assertEquals(20, s.step());
    assertTrue(s.lastLoss() < s.firstLoss() - 0.5, "loss falls: " + s.firstLoss() + " -> " + s.lastLoss());
    assertTrue((long) s.evaluation().get("target_predictions") > 0, s.evaluation().toString());
    assertTrue(Double.isFinite((double) s.evaluation().get("perplexity")), s.evaluation().toString());
  }

  private static int checkSentinelsCountDown(List<Integer> ids, int vocab) {
    int expected = vocab - 1;
    for (int id : ids) {
      if (id >= vocab - 100) {
        assertEquals(expected--, id);
      }
    }
    return vocab - 1 - expected;
  }
}
