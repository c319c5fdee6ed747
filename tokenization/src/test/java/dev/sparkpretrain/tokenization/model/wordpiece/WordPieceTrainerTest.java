package dev.sparkpretrain.tokenization.model.wordpiece;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.HfOracle;
import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTrainerTest {
  private static final Normalization UNCASED = new Normalization(null, true);


  private static Map<String, Long> countWords(WordPieceTrainer trainer, List<String> texts) {
    Map<String, Long> counts = new HashMap<>();
    for (String t : texts) {
      for (String w : trainer.preTokenize(t)) {
        counts.merge(w, 1L, Long::sum);
      }
    }
    return counts;
  }

  @Test
  void trainedVocabularyLoadsInHfWithIdenticalIds(@TempDir Path dir) throws IOException {
    WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.bert(3000));
    Tokenizer trained = trainer.train(countWords(trainer, TestTexts.allCorpusTexts()));

    assertEquals(3000, trained.vocabSize());
    List<String> specials = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    for (int i = 0; i < specials.size(); i++) {
      assertEquals(specials.get(i), trained.idToToken(i));
    }
    assertTrue(trained.tokenToId("##s") > 0, "continuation characters are in the vocabulary");

    Path file = dir.resolve("trained.tokenizer.json");
    Files.writeString(file, trained.toJson());
    OracleComparison cmp = new OracleComparison("trained WordPiece (3000) in HF");
    try (HfOracle hf = new HfOracle(file)) {
      List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
      texts.addAll(TestTexts.edgeCases());
      for (String text : texts) {
        cmp.check(text, trained.encode(text), hf.encode(text, true), !TestTexts.hasLoneSurrogate(text));
      }
    }
    cmp.assertAllAgree();
  }

  @Test
  void vocabularyIsSpecialsThenCharactersThenMerges() {
    WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.bert(40));
    Tokenizer t = trainer.train(Map.of("hug", 10L, "pug", 5L, "pun", 12L, "bun", 4L, "hugs", 5L));
    // 5 specials, alphabet b g h n p s u, continuations ##g ##n ##s ##u, then merges.
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < t.vocabSize(); i++) {
      vocab.add(t.idToToken(i));
    }
    assertEquals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "b", "g", "h", "n", "p", "s", "u",
        "##g", "##n", "##s", "##u"), vocab.subList(0, 16));
    // The most frequent pair is (##u, ##g) or (##u, ##n): hug 10 + pug 5 + hugs 5 = 20 vs pun 12 + bun 4 = 16.
    assertEquals("##ug", vocab.get(16));
    assertEquals(trainer.train(Map.of("hug", 10L, "pug", 5L, "pun", 12L, "bun", 4L, "hugs", 5L)).toJson(),
        t.toJson(), "training is deterministic");
  }

  @Test
  void minFrequencyStopsMerging() {
    WordPieceTrainer trainer = new WordPieceTrainer(new WordPieceTrainer.Options(100, 3,
        List.of("[UNK]", "[CLS]", "[SEP]"), UNCASED, "##"));
    Tokenizer t = trainer.train(Map.of("ab", 2L));
    assertEquals(-1, t.tokenToId("ab"), "a pair seen twice is below minFrequency 3");
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> WordPieceTrainer.Options.bert(0));
    assertThrows(IllegalArgumentException.class,
        () -> new WordPieceTrainer.Options(10, 2, List.of("[PAD]"), UNCASED, "##"));
    assertThrows(IllegalArgumentException.class,
        () -> new WordPieceTrainer.Options(10, -1, List.of("[UNK]", "[CLS]", "[SEP]"), UNCASED, "##"));
  }

  @Test
  void preTokenizeLowercasesAndSplitsLikeBert() {
    WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.bert(100));
    assertEquals(List.of("hello", ",", "cafe", "中", "文", "!"), trainer.preTokenize("Hello, Café中文!"));
  }
}
