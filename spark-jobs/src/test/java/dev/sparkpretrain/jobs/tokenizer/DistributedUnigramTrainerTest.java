package dev.sparkpretrain.jobs.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.TokenizerConfig;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Unigram trained on local[2] against {@link UnigramTrainer#train(Map)} on the same word counts: the vocabulary,
 * the order of ids and the scores must be identical (the E-step sums are exact, so there is no float noise to
 * tolerate), whatever the partitioning. With plain {@code double} sums in the E-step both tests fail: here id 658
 * was "▁seventy-seven" locally and "▁commenced" on Spark, and the scores differed in the last bits (checked when
 * the exact sums were introduced).
 */
class DistributedUnigramTrainerTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static List<String> paragraphs;

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("DistributedUnigramTrainerTest", 3);
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // The first ~200 KB of the bundled novel, one paragraph per element.
    String text;
    try (InputStream in = DistributedUnigramTrainerTest.class
        .getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      text = new String(in.readNBytes(200_000), StandardCharsets.UTF_8);
    }
    paragraphs = new ArrayList<>();
    for (String p : text.split("\n\n")) {
      paragraphs.add(p.replace('\n', ' '));
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Map<String, Long> wordCounts(UnigramTrainer trainer, long minFrequency) {
    Map<String, Long> counts = new HashMap<>();
    for (String p : paragraphs) {
      trainer.preTokenize(p).forEach(w -> counts.merge(w, 1L, Long::sum));
    }
    counts.values().removeIf(c -> c < minFrequency);
    return counts;
  }

  static void assertSameTokenizer(Tokenizer expected, Tokenizer actual) {
    assertEquals(expected.vocabSize(), actual.vocabSize());
    for (int id = 0; id < expected.vocabSize(); id++) {
      assertEquals(expected.idToToken(id), actual.idToToken(id), "id " + id);
    }
    assertEquals(expected.toJson(), actual.toJson(), "scores differ");
    for (String p : paragraphs.subList(0, 50)) {
      assertArrayEquals(expected.encode(p).ids(), actual.encode(p).ids(), p);
    }
  }

  @Test
  void configuredT5UnigramEqualsTheSingleMachineTrainer() {
    TokenizerConfig config = new TokenizerConfig(null, TokenizerConfig.Model.UNIGRAM, 1000, 2L, null);
    Tokenizer distributed = TokenizerTrainJob.train(sc.parallelize(paragraphs, 4), config);
    Tokenizer local = TokenizerTrainJob.unigram(config).train(wordCounts(TokenizerTrainJob.unigram(config), 2));
    assertEquals(1000, distributed.vocabSize());
    assertEquals(999, distributed.tokenToId("<extra_id_0>"));
    assertEquals(900, distributed.tokenToId("<extra_id_99>"));
    assertSameTokenizer(local, distributed);
  }

  @Test
  void truncatedSeedSetIsTheTopOfAllSubstringsWhateverThePartitioning() {
    // seedSize far below the number of candidate substrings, so takeOrdered's cut decides the seeds.
    UnigramTrainer.Options t5 = UnigramTrainer.Options.t5(600);
    UnigramTrainer trainer = new UnigramTrainer(new UnigramTrainer.Options(600, t5.specialTokens(), t5.unkToken(),
        t5.maxPieceLength(), 3000, t5.shrinkingFactor(), t5.subIterations(), t5.characterCoverage(),
        t5.appendEos(), t5.eosToken(), t5.normalization()));
    Tokenizer local = trainer.train(wordCounts(trainer, 1));
    for (int partitions : new int[] {1, 7}) {
      Tokenizer distributed = DistributedUnigramTrainer.train(sc.parallelize(paragraphs, partitions), trainer, 1);
      assertSameTokenizer(local, distributed);
    }
    assertTrue(local.vocabSize() == 600, "size " + local.vocabSize());
  }
}
