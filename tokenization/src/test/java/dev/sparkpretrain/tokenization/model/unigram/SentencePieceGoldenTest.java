package dev.sparkpretrain.tokenization.model.unigram;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.tokenization.OracleComparison;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ALBERT's SentencePiece Unigram model against goldens written by Google's {@code spm_encode}
 * ({@code goldens/make-spm-goldens.sh}): corpus lines in five scripts plus the edge cases.
 */
class SentencePieceGoldenTest {

  @Test
  void encodesAsSpmEncode() throws IOException {
    Tokenizer spm = Tokenizer.load(TestTexts.resourcePath("tokenizers/sctg-clean_30k.model"));
    List<String> inputs = lines("goldens/spm-input.txt");
    List<String> ids = lines("goldens/sctg-clean_30k.spm-ids.txt");
    assertEquals(inputs.size(), ids.size(), "one golden line per input line");
    OracleComparison cmp = new OracleComparison("sctg-clean_30k.model vs spm_encode");
    for (int i = 0; i < inputs.size(); i++) {
      String line = ids.get(i).trim();
      int[] expected = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
      cmp.checkIds(inputs.get(i), spm.encode(inputs.get(i)).ids(), expected);
    }
    cmp.assertAllAgree();
  }

  private static List<String> lines(String resource) {
    String text = TestTexts.resource(resource);
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    return List.of(text.split("\n", -1));
  }
}
