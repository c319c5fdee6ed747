package dev.sparkpretrain.tokenization.model.unigram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.Encoding;
import dev.sparkpretrain.tokenization.HfOracle;
import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnigramTrainerTest {

  private static Map<String, Long> counts(UnigramTrainer trainer, List<String> texts) {
    Map<String, Long> counts = new HashMap<>();
    for (String t : texts) {
      trainer.preTokenize(t).forEach(w -> counts.merge(w, 1L, Long::sum));
    }
    return counts;
  }

  @Test
  void trainedT5VocabularyLoadsInHfWithIdenticalIds(@TempDir Path dir) throws IOException {
    UnigramTrainer trainer = new UnigramTrainer(UnigramTrainer.Options.t5(2000));
    Tokenizer trained = trainer.train(counts(trainer, TestTexts.allCorpusTexts()));
    assertTrue(trained.vocabSize() <= 2000, "size " + trained.vocabSize());
    assertEquals("<pad>", trained.idToToken(0));
    assertEquals("</s>", trained.idToToken(1));
    assertEquals("<unk>", trained.idToToken(2));
    assertEquals(trained.vocabSize() - 1, trained.tokenToId("<extra_id_0>"));
    Encoding hello = trained.encode("Hello world");
    assertEquals(1, hello.ids()[hello.length() - 1], "T5 appends </s>");

    Path file = dir.resolve("trained-unigram.tokenizer.json");
    Files.writeString(file, trained.toJson());
    OracleComparison cmp = new OracleComparison("trained Unigram (T5, 2000) in HF");
    try (HfOracle hf = new HfOracle(file)) {
      List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
      texts.addAll(TestTexts.edgeCases());
      for (String text : texts) {
        if (!TestTexts.hasLoneSurrogate(text)) {
          cmp.check(text, trained.encode(text), hf.encode(text, true), false);
        }
      }
    }
    cmp.assertAllAgree();
  }

  @Test
  void emRaisesTheLikelihood() {
    UnigramTrainer trainer = new UnigramTrainer(UnigramTrainer.Options.sentencePiece(400));
    Map<String, Long> words = counts(trainer, TestTexts.corpusLines("moby-dick"));
    Map<String, Long> substrings = new HashMap<>();
    words.forEach((w, c) -> UnigramTrainer.seedSubstrings(w, c, 16, (s, n) -> substrings.merge(s, n, Long::sum)));
    PieceModel model = UnigramTrainer.seedModel(substrings, 20_000);
    double previous = Double.NEGATIVE_INFINITY;
    for (int round = 0; round < 3; round++) {
      UnigramTrainer.EStep e = new UnigramTrainer.EStep(model.size());
      for (Map.Entry<String, Long> w : words.entrySet()) {
        e.add(model, w.getKey(), w.getValue());
      }
      assertTrue(e.objective() >= previous - 1e-9, "round " + round + ": " + e.objective() + " < " + previous);
      previous = e.objective();
      model = UnigramTrainer.mStep(model, e.expected());
    }
  }

  @Test
  void eStepsOverSplitsAddUpToTheWhole() {
    // What a Spark job relies on: accumulating per partition and merging equals one pass, to the last bit
    // (fixed-point sums), so a distributed E-step gives the very model a local one does.
    UnigramTrainer trainer = new UnigramTrainer(UnigramTrainer.Options.sentencePiece(400));
    Map<String, Long> words = counts(trainer, TestTexts.corpusLines("sotu"));
    Map<String, Long> substrings = new HashMap<>();
    words.forEach((w, c) -> UnigramTrainer.seedSubstrings(w, c, 16, (s, n) -> substrings.merge(s, n, Long::sum)));
    PieceModel model = UnigramTrainer.seedModel(substrings, 5_000);
    UnigramTrainer.EStep whole = new UnigramTrainer.EStep(model.size());
    UnigramTrainer.EStep left = new UnigramTrainer.EStep(model.size());
    UnigramTrainer.EStep right = new UnigramTrainer.EStep(model.size());
    int i = 0;
    for (Map.Entry<String, Long> w : words.entrySet()) {
      whole.add(model, w.getKey(), w.getValue());
      (i++ % 2 == 0 ? left : right).add(model, w.getKey(), w.getValue());
    }
    double[] merged = right.merge(left).expected();
    double[] one = whole.expected();
    assertArrayEquals(one, merged);
    assertTrue(Arrays.stream(one).sum() > words.size(), "every word spells at least one piece");
  }

  @Test
  void seedSubstringsStopAtMaxLengthAndInnerSpaces() {
    List<String> seen = new ArrayList<>();
    UnigramTrainer.seedSubstrings("\u2581ab", 1, 2, (s, n) -> seen.add(s));
    assertEquals(List.of("\u2581", "\u2581a", "a", "ab", "b"), seen);
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> UnigramTrainer.Options.t5(3));
    assertThrows(IllegalArgumentException.class, () -> new UnigramTrainer.Options(100, List.of("<pad>"), "<unk>",
        16, 1000, 0.75, 2, 0.9995, false, null, Normalization.NONE));
  }

  @Test
  void digammaMatchesKnownValues() {
    // ψ(1) = -γ, ψ(0.5) = -γ - 2 ln 2 (textbook identities).
    double gamma = 0.5772156649015329;
    assertEquals(-gamma, UnigramTrainer.digamma(1), 1e-9);
    assertEquals(-gamma - 2 * Math.log(2), UnigramTrainer.digamma(0.5), 1e-9);
  }
}
