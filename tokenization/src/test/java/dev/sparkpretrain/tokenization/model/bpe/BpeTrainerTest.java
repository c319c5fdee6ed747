package dev.sparkpretrain.tokenization.model.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.HfOracle;
import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import dev.sparkpretrain.tokenization.normalize.UnicodeNormalizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

  @Test
  void trainedVocabularyLoadsInHfWithIdenticalIds(@TempDir Path dir) throws IOException {
    BpeTrainer trainer = new BpeTrainer(BpeTrainer.Options.gpt2(2000));
    Map<String, Long> counts = new HashMap<>();
    for (String t : TestTexts.allCorpusTexts()) {
      trainer.preTokenize(t).forEach(w -> counts.merge(w, 1L, Long::sum));
    }
    Tokenizer trained = trainer.train(counts);
    assertEquals(2000, trained.vocabSize());
    assertEquals("<|endoftext|>", trained.idToToken(0));
    assertTrue(trained.tokenToId("Ġthe") > 256, "a frequent word became a token");

    Path file = dir.resolve("trained-bpe.tokenizer.json");
    Files.writeString(file, trained.toJson());
    OracleComparison cmp = new OracleComparison("trained byte-level BPE (2000) in HF");
    try (HfOracle hf = new HfOracle(file)) {
      List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
      texts.addAll(TestTexts.edgeCases());
      for (String text : texts) {
        if (!TestTexts.hasLoneSurrogate(text)) {
          cmp.check(text, trained.encode(text), hf.encode(text, true), true);
        }
      }
    }
    cmp.assertAllAgree();
    // Every byte is in the vocabulary: decoding gives the text back.
    String text = "Grüße, 世界! 🚀";
    assertEquals(text, trained.decode(trained.encode(text).ids(), false));
  }

  @Test
  void preTokenizeSpellsBytes() {
    BpeTrainer trainer = new BpeTrainer(BpeTrainer.Options.gpt2(1000));
    // "é" is two UTF-8 bytes, C3 A9, spelled 'Ã' and '©'; a space is 'Ġ'.
    assertEquals(List.of("Hello", ",", "Ġworld", "'s", "ĠÃ©"), trainer.preTokenize("Hello, world's é"));
  }

  @Test
  void chosenNormalizationAppliesToCountingAndEncoding() {
    BpeTrainer.Options gpt2 = BpeTrainer.Options.gpt2(1000);
    BpeTrainer trainer = new BpeTrainer(new BpeTrainer.Options(1000, 1, gpt2.specialTokens(), false,
        new Normalization(UnicodeNormalizer.Form.NFKC, true)));
    // Fullwidth letters become ASCII (NFKC), then lowercase.
    assertEquals(List.of("abc", "Ġdef"), trainer.preTokenize("ＡＢＣ DeF"));
    Tokenizer t = trainer.train(Map.of("abc", 5L, "Ġdef", 5L));
    assertArrayEquals(t.encode("abc def").ids(), t.encode("ＡＢＣ DEF").ids());
    assertEquals(1, t.encode("ABC").ids().length, "abc was merged into one token");
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> BpeTrainer.Options.gpt2(100));
  }
}
