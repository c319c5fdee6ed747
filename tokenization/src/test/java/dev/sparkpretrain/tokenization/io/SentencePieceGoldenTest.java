package dev.sparkpretrain.tokenization.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.bpe.SentencePieceBpeModel;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code .model} files against goldens written by Google's {@code spm_encode}
 * ({@code goldens/make-spm-goldens.sh}): corpus lines in five scripts plus the edge cases. ALBERT's Unigram
 * model, and two BPE models trained by {@code spm_train} on the corpus samples: one with byte fallback and
 * nmt_nfkc, one with unknown pieces and the identity rule, both with user-defined symbols.
 */
class SentencePieceGoldenTest {

  @ParameterizedTest
  @CsvSource({"sctg-clean_30k, UNIGRAM", "spm-bpe-3k-bytes, BPE", "spm-bpe-3k-identity, BPE"})
  void encodesAsSpmEncode(String name, String kind) throws IOException {
    Tokenizer spm = Tokenizer.load(TestTexts.resourcePath("tokenizers/" + name + ".model"));
    Class<? extends TokenModel> model = kind.equals("BPE") ? SentencePieceBpeModel.class : UnigramModel.class;
    assertInstanceOf(model, spm.model());
    List<String> inputs = TestTexts.resourceLines("goldens/spm-input.txt");
    List<String> ids = TestTexts.resourceLines("goldens/" + name + ".spm-ids.txt");
    assertEquals(inputs.size(), ids.size(), "one golden line per input line");
    OracleComparison cmp = new OracleComparison(name + ".model vs spm_encode");
    for (int i = 0; i < inputs.size(); i++) {
      String line = ids.get(i).trim();
      int[] expected = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
      cmp.checkIds(inputs.get(i), spm.encode(inputs.get(i)).ids(), expected);
    }
    cmp.assertAllAgree();
  }

  @Test
  void bpeKeepsUserDefinedSymbolsWhole() throws IOException {
    Tokenizer spm = Tokenizer.load(TestTexts.resourcePath("tokenizers/spm-bpe-3k-identity.model"));
    int mask = spm.model().vocabulary().id("[MASK]");
    int[] ids = spm.encode("the[MASK]of [MASK]").ids();
    assertEquals(2, Arrays.stream(ids).filter(id -> id == mask).count(), Arrays.toString(ids));
  }
}
