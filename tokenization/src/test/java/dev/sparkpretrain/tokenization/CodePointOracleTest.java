package dev.sparkpretrain.tokenization;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every code point through our BERT tokenizers and HF's: each one is written between letters ("Xa" + c +
 * "b") so that whether it is dropped, counted as whitespace, split off as punctuation, stripped as an
 * accent, lowercased or kept shows in the ids. This is what pins {@link CharClasses} to HF's Unicode
 * tables. Planes 4-13 (unassigned) and 15-16 (private use) are sampled; the rest is exhaustive.
 */
class CodePointOracleTest {
  private static final int CHUNK = 2000;

  @ParameterizedTest
  @ValueSource(strings = {"bert-base-uncased.tokenizer.json", "bge-small-zh-v1.5.notrunc.tokenizer.json"})
  void everyCodePointIsClassifiedAsHfDoes(String file) throws IOException {
    Tokenizer ours = Tokenizer.load(TestTexts.resourcePath("tokenizers/" + file));
    List<Integer> codePoints = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      boolean sampled = (cp >= 0x40000 && cp < 0xE0000) || cp >= 0xF0000;
      if (!Character.isSurrogate((char) cp) || cp > 0xFFFF) {
        if (!sampled || cp % 251 == 0) {
          codePoints.add(cp);
        }
      }
    }
    OracleComparison cmp = new OracleComparison(file + " code points");
    try (HfOracle hf = new HfOracle(TestTexts.resourcePath("tokenizers/" + file))) {
      for (int from = 0; from < codePoints.size(); from += CHUNK) {
        List<Integer> chunk = codePoints.subList(from, Math.min(codePoints.size(), from + CHUNK));
        String text = text(chunk);
        if (!Arrays.equals(ours.encode(text, false).ids(), hf.encode(text, false).ids())) {
          // Narrow the difference down to single code points, so the failure names them.
          for (int cp : chunk) {
            String one = text(List.of(cp));
            cmp.check(String.format(java.util.Locale.ROOT, "U+%04X", cp), ours.encode(one, false),
                hf.encode(one, false), true);
          }
        } else {
          cmp.checkIds(text, new int[0], new int[0]);
        }
      }
    }
    cmp.assertAllAgree();
  }

  private static String text(List<Integer> codePoints) {
    StringBuilder b = new StringBuilder();
    for (int cp : codePoints) {
      b.append(" Xa").appendCodePoint(cp).append('b');
    }
    return b.toString();
  }
}
