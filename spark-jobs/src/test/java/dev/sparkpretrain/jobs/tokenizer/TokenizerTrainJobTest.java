package dev.sparkpretrain.jobs.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.TokenizerConfig;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code tokenizer train} options reach the trained tokenizer: special tokens, normalization, case. */
class TokenizerTrainJobTest {
  private static final List<String> LINES = List.of(
      "The Whale swam past the ship. ＴＨＥ ＷＨＡＬＥ!", "Café owners met the whale's crew.",
      "the whale, the ship and the crew", "Ships and whales; whales and ships.");

  static SparkSession spark;
  static JavaRDD<String> texts;

  @BeforeAll
  static void setUp() {
    spark = LocalSpark.session("TokenizerTrainJobTest", 2);
    texts = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(LINES, 2);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void specialTokensOverrideTheFamilysInIdOrder() {
    List<String> specials = List.of("[UNK]", "[CLS]", "[SEP]", "[MASK]", "[PAD]", "<doc>");
    Tokenizer t = TokenizerTrainJob.train(texts, new TokenizerConfig(null, TokenizerConfig.Model.WORDPIECE, 200,
        1L, null, specials, null));
    for (int i = 0; i < specials.size(); i++) {
      assertEquals(i, t.tokenToId(specials.get(i)), specials.get(i));
    }
  }

  @Test
  void wordPieceNormalizationAndCase() {
    Tokenizer nfkcUncased = TokenizerTrainJob.train(texts, new TokenizerConfig(null,
        TokenizerConfig.Model.WORDPIECE, 200, 1L, true, null, TokenizerConfig.Normalization.NFKC));
    // NFKC folds the fullwidth letters, lowercasing (with BERT's accent stripping) the rest.
    assertArrayEquals(nfkcUncased.encode("the whale cafe").ids(), nfkcUncased.encode("ＴＨＥ Whale Café").ids());
    Tokenizer cased = TokenizerTrainJob.train(texts, new TokenizerConfig(null, TokenizerConfig.Model.WORDPIECE,
        200, 1L, false, null, TokenizerConfig.Normalization.NONE));
    assertNotEquals(-1, cased.tokenToId("Whale"), "cased: capitals kept");
    assertEquals(-1, nfkcUncased.tokenToId("Whale"), "uncased: no capitals");
  }

  @Test
  void bpeLowercaseAndUnigramSpecialTokens() {
    Tokenizer bpe = TokenizerTrainJob.train(texts, new TokenizerConfig(null, TokenizerConfig.Model.BPE, 400,
        1L, true, null, TokenizerConfig.Normalization.NFC));
    assertArrayEquals(bpe.encode("the whale").ids(), bpe.encode("THE WHALE").ids());
    Tokenizer unigram = TokenizerTrainJob.train(texts, new TokenizerConfig(null, TokenizerConfig.Model.UNIGRAM,
        300, 1L, null, List.of("<unk>", "<pad>", "</s>", "<s>"), null));
    assertEquals(0, unigram.tokenToId("<unk>"));
    assertEquals(1, unigram.tokenToId("<pad>"));
    assertEquals(2, unigram.tokenToId("</s>"));
    assertEquals(3, unigram.tokenToId("<s>"));
    assertEquals(unigram.vocabSize() - 1, unigram.tokenToId("<extra_id_0>"),
        "T5's sentinels still end the vocabulary");
  }
}
