package dev.sparkpretrain.tokenization.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.Encoding;
import dev.sparkpretrain.tokenization.HfOracle;
import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code .model} files written as HF tokenizer.json (Precompiled, Replace, Strip, Metaspace, then Unigram, or
 * BPE with merges derived from the pieces) and read back: HF (DJL) must encode them as we do (ids, offsets,
 * word starts) and decode them as we do. Also measures how often HF's form of a model differs from
 * SentencePiece itself (reported, and only loosely asserted:
 * HF's Precompiled works per grapheme, SentencePiece per longest rule; HF's BPE merges by rank where
 * SentencePiece merges by score, and cannot form a user-defined symbol from text).
 */
class SentencePieceHfFormTest {

  @ParameterizedTest
  @ValueSource(strings = {"sctg-clean_30k", "spm-bpe-3k-bytes", "spm-bpe-3k-identity"})
  void hfFormOfTheModelEncodesAsHf(String name, @TempDir Path dir) throws IOException {
    Tokenizer spm = Tokenizer.load(TestTexts.resourcePath("tokenizers/" + name + ".model"));
    Path file = dir.resolve(name + ".tokenizer.json");
    Files.writeString(file, spm.toJson());
    Tokenizer ours = Tokenizer.load(file);
    assertEquals(ours.toJson(), Tokenizer.fromJson(ours.toJson()).toJson(), "written form is stable");

    List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
    texts.addAll(TestTexts.edgeCases());
    texts.add("[CLS] a [MASK] b <pad> c <unk>");
    OracleComparison cmp = new OracleComparison(name + " as tokenizer.json vs HF");
    OracleComparison decoded = new OracleComparison(name + " as tokenizer.json vs HF, decode");
    int sameAsSpm = 0;
    int compared = 0;
    try (HfOracle hf = new HfOracle(file)) {
      for (String text : texts) {
        if (TestTexts.hasLoneSurrogate(text)) {
          continue;
        }
        Encoding e = ours.encode(text);
        // Offsets too: Precompiled and Replace align rewritten characters as HF does (not with the whole
        // rewritten span), so a Metaspace/Unigram or BPE tokenizer reports HF's character offsets.
        cmp.check(text, e, hf.encode(text, true), true);
        decoded.checkText(text, ours.decode(e.ids(), true), hf.decode(e.ids(), true));
        compared++;
        if (Arrays.equals(e.ids(), spm.encode(text).ids())) {
          sameAsSpm++;
        }
      }
    }
    cmp.assertAllAgree();
    decoded.assertAllAgree();
    System.out.printf("%s: HF form vs SentencePiece itself: %d/%d texts identical%n", name, sameAsSpm, compared);
    assertTrue(sameAsSpm > compared * 9 / 10, "HF's form stays close to SentencePiece: " + sameAsSpm);
  }

  @Test
  void decodeRestoresNormalizedText() throws IOException {
    Tokenizer spm = Tokenizer.load(TestTexts.resourcePath("tokenizers/sctg-clean_30k.model"));
    assertEquals("hello world.", spm.decode(spm.encode("hello   world.").ids(), true));
  }
}
