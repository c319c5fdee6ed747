package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.cli.InspectCommand;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.model.bert.BertBatch;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic masking end to end: prepare writes unmasked shards with word starts, the trainer masks each example as it
 * builds batches, seeded by (seed, example id, epoch).
 */
class DynamicMaskingTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static String shards;
  static PretrainConfig config;
  static Tokenizer tokenizer;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @BeforeAll
  static void prepareShards() throws IOException {
    spark = LocalSpark.session("DynamicMaskingTest", 2);
    TrainerFixtures.Prepared p = TrainerFixtures.prepare(spark, dir, 24_000, """
        seed: 5
        data:
          input: [%s]
          format: paragraphs
          min_chars: 20
          validation_fraction: 0.1
        tokenizer:
          vocab_size: 800
        objective:
          type: bert
          max_seq_length: 128
          max_predictions_per_seq: 20
          whole_word_masking: true
          masking: dynamic
        model:
          preset: bert-tiny
        trainer:
          workers: 2
          micro_batch_size: 4
          gradient_accumulation: 2
          averaging_frequency: 2
          max_steps: 8
          learning_rate: 0.002
          warmup_steps: 2
          checkpoint_every: 4
        """);
    config = p.config();
    tokenizer = p.tokenizer();
    shards = p.shards();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static ObjectNode manifest() {
    return TrainJob.readManifest(spark.sparkContext().hadoopConfiguration(), shards);
  }

  static BertTrainingObjective objective() {
    return (BertTrainingObjective) TrainJob.objective(manifest(), shards);
  }

  /** The trainer's per-worker example lists, read from the shards with the given number of input partitions. */
  static List<List<BertExample>> workerData(int partitions) {
    var trainer = new ParameterAveragingTrainer<>(config.trainer(), config.seed(), objective());
    Dataset<Row> rows = spark.read().parquet(shards + "/train").repartition(partitions);
    var rdd = trainer.workerData(rows);
    List<List<BertExample>> out = rdd.collect();
    rdd.unpersist(false);
    return out;
  }

  /** [CLS], the [SEP] ending segment A, the final [SEP]. */
  static boolean special(int[] segments, int i) {
    return i == 0 || i == segments.length - 1 || segments[i] != segments[i + 1];
  }

  @Test
  void prepareWritesUnmaskedShardsWithWordStarts() {
    Dataset<Row> rows = spark.read().parquet(shards + "/train");
    assertEquals(List.of("example_id", "input_ids", "segment_ids", "next_sentence_label", "word_starts"),
        List.of(rows.schema().fieldNames()));
    JsonNode manifest = manifest();
    assertEquals("dynamic", manifest.path("masking").asText());
    JsonNode rule = manifest.path("dynamic_masking");
    assertEquals(tokenizer.tokenToId("[MASK]"), rule.path("mask_id").asInt());
    assertEquals(tokenizer.tokenToId("[CLS]"), rule.path("cls_id").asInt());
    assertEquals(tokenizer.tokenToId("[SEP]"), rule.path("sep_id").asInt());
    assertEquals(tokenizer.tokenToId("[PAD]"), rule.path("pad_id").asInt());
    assertEquals(tokenizer.vocabSize(), rule.path("vocab_size").asInt());
    assertEquals(0.15, rule.path("masked_lm_prob").asDouble());
    assertEquals(20, rule.path("max_predictions_per_seq").asInt());
    assertTrue(rule.path("whole_word_masking").asBoolean());
    assertFalse(manifest.path("counts").path("train").has("masked_tokens"), "no masks in the shards to count");

    int mask = tokenizer.tokenToId("[MASK]");
    long continuations = 0;
    for (Row r : rows.collectAsList()) {
      List<Integer> ids = r.getList(r.fieldIndex("input_ids"));
      List<Integer> segments = r.getList(r.fieldIndex("segment_ids"));
      List<Integer> starts = r.getList(r.fieldIndex("word_starts"));
      assertEquals(ids.size(), starts.size());
      for (int i = 0; i < ids.size(); i++) {
        assertTrue(ids.get(i) != mask, "unmasked");
        boolean special = special(segments.stream().mapToInt(Integer::intValue).toArray(), i);
        String token = tokenizer.idToToken(ids.get(i));
        // 1 where a token begins a word: WordPiece marks the other pieces of a word with "##".
        int expected = special || token.startsWith("##") ? 0 : 1;
        assertEquals(expected, starts.get(i), "word_starts at " + i + " (" + token + ")");
        continuations += token.startsWith("##") ? 1 : 0;
      }
    }
    assertTrue(continuations > 100, "the corpus has split words: " + continuations);
  }

  @Test
  void masksDifferBetweenEpochsAndRepeatAcrossRuns() {
    BertTrainingObjective objective = objective();
    List<List<BertExample>> run1 = workerData(1);
    List<List<BertExample>> run2 = workerData(3);
    for (int w = 0; w < run1.size(); w++) {
      List<BertExample> examples = run1.get(w);
      int n = examples.size();
      var cursor1 = new ParameterAveragingTrainer.DataCursor<>(examples, config.seed(), 0, objective);
      var cursor2 = new ParameterAveragingTrainer.DataCursor<>(run2.get(w), config.seed(), 0, objective);
      List<BertExample> epochs1 = cursor1.next(2 * n);
      List<BertExample> epochs2 = cursor2.next(2 * n);
      for (int i = 0; i < 2 * n; i++) {
        BertExample a = epochs1.get(i);
        BertExample b = epochs2.get(i);
        assertEquals(a.exampleId(), b.exampleId(), "same order in both runs");
        assertArrayEquals(a.inputIds(), b.inputIds(), "same masks in both runs");
        assertArrayEquals(a.maskedLmPositions(), b.maskedLmPositions());
        assertArrayEquals(a.maskedLmIds(), b.maskedLmIds());
      }
      java.util.Map<Long, BertExample> epoch0 = new java.util.HashMap<>();
      for (BertExample e : epochs1.subList(0, n)) {
        epoch0.put(e.exampleId(), e);
      }
      int differ = 0;
      for (BertExample e : epochs1.subList(n, 2 * n)) {
        BertExample first = epoch0.get(e.exampleId());
        assertArrayEquals(first.segmentIds(), e.segmentIds(), "the same example in epoch 1");
        differ += java.util.Arrays.equals(first.maskedLmPositions(), e.maskedLmPositions()) ? 0 : 1;
      }
      System.out.printf("worker %d: %d of %d examples masked differently in epochs 0 and 1%n", w, differ, n);
      assertTrue(differ >= 0.9 * n, differ + " of " + n + " examples got new masks in epoch 1");
    }
  }

  @Test
  void trainerBatchesFollowTheMaskingRule() {
    BertTrainingObjective objective = objective();
    int mask = tokenizer.tokenToId("[MASK]");
    long tokens = 0;
    long predictions = 0;
    long masked = 0;
    long kept = 0;
    long random = 0;
    int epochs = 0;
    for (List<BertExample> examples : workerData(2)) {
      var cursor = new ParameterAveragingTrainer.DataCursor<>(examples, config.seed(), 0, objective);
      // Several epochs of this small corpus (each epoch draws new masks), 60k tokens per worker.
      long until = tokens + 60_000;
      while (tokens < until) {
        List<BertExample> micro = cursor.next(4);
        BertBatch batch = objective.batch(micro);
        for (int i = 0; i < micro.size(); i++) {
          BertExample e = micro.get(i);
          for (int p = 0; p < e.inputIds().length; p++) {
            tokens += batch.inputMask()[i][p];
          }
          java.util.Set<Integer> positions = new java.util.HashSet<>();
          for (int j = 0; j < batch.maskedLmPositions()[i].length; j++) {
            if (batch.maskedLmWeights()[i][j] == 0) {
              continue;
            }
            predictions++;
            int position = batch.maskedLmPositions()[i][j];
            assertFalse(special(e.segmentIds(), position), "[CLS]/[SEP] at " + position + " are never predicted");
            positions.add(position);
            int shown = batch.inputIds()[i][position];
            int original = batch.maskedLmIds()[i][j];
            if (shown == mask) {
              masked++;
            } else if (shown == original) {
              kept++;
            } else {
              random++;
            }
          }
          // Whole-word masking: a word's pieces are masked together (a segment may begin mid-word after truncation).
          boolean[] starts = e.wordStarts();
          for (int p = 2; p < starts.length; p++) {
            if (!starts[p] && !special(e.segmentIds(), p) && !special(e.segmentIds(), p - 1)) {
              assertEquals(positions.contains(p - 1), positions.contains(p),
                  "pieces " + (p - 1) + " and " + p + " of one word");
            }
          }
        }
        epochs = Math.max(epochs, cursor.epoch());
      }
    }
    double rate = (double) predictions / tokens;
    System.out.printf(java.util.Locale.ROOT, "%d tokens, %d epochs: masked %.4f; [MASK] %.4f, kept %.4f, random "
        + "%.4f%n", tokens, epochs, rate, (double) masked / predictions, (double) kept / predictions,
        (double) random / predictions);
    assertTrue(tokens >= 100_000);
    assertEquals(0.15, rate, 0.005, "mask rate");
    assertEquals(0.8, (double) masked / predictions, 0.01, "[MASK] share");
    assertEquals(0.1, (double) kept / predictions, 0.01, "unchanged share");
    assertEquals(0.1, (double) random / predictions, 0.01, "random share");
  }

  @Test
  void trainsAndResumesExactly() throws IOException {
    // 8 steps of 2 micro-batches of 4 read 64 examples per worker: the run (and the resumed part, steps 5-8) goes
    // into epoch 1, whose masks differ from epoch 0's.
    assertTrue(workerData(1).stream().allMatch(w -> w.size() < 64), "the run reaches a second epoch");
    String straight = dir.resolve("run-straight").toUri().toString();
    TrainJob.Summary full = TrainJob.run(spark, config, shards, straight, false, QUIET);
    assertEquals(8, full.step());
    System.out.println("dynamic masking: loss " + full.firstLoss() + " -> " + full.lastLoss() + ", validation "
        + full.evaluation());
    assertTrue(full.lastLoss() < full.firstLoss() - 0.3, "loss falls: " + full.firstLoss() + " -> "
        + full.lastLoss());
    assertTrue((long) full.evaluation().get("mlm_predictions") > 0, "validation examples are masked too");

    String broken = dir.resolve("run-broken").toUri().toString();
    assertThrows(TrainJob.Interrupted.class, () -> TrainJob.run(spark, config, shards, broken, false, QUIET, 6));
    TrainJob.Summary resumed = TrainJob.run(spark, config, shards, broken, true, QUIET);
    assertEquals(8, resumed.step());
    double d = full.graph().params().sub(resumed.graph().params()).amaxNumber().doubleValue();
    System.out.println("dynamic masking, resumed vs uninterrupted: max |diff| " + d);
    assertTrue(d < 1e-6, "max |diff| " + d);
  }

  @Test
  void inspectShowsUnmaskedExamplesAndTheirWordStarts() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    InspectCommand.run(spark, shards, 2, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String text = buf.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("word_starts") && text.contains("[CLS]"), text);
    assertTrue(text.contains("masks: none stored (dynamic masking"), text);
    assertFalse(text.contains("→"), "no stored masks to show: " + text);
  }
}
