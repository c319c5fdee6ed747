package dev.sparkpretrain.tokenization.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.tokenization.NormalizedString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link BertNormalizer#normalize(String, int, int)} looks BMP code points up in a table built from its own
 * per-code-point mapping; {@link BertNormalizer#normalize(NormalizedString)} does not. Both must give the same
 * text and alignment for every BMP code point, between ASCII neighbours, for each setting.
 */
class BertNormalizerTableTest {

  @ParameterizedTest
  @CsvSource({"true, true, , true", "true, true, , false", "false, false, false, true", "true, false, true, false",
      "false, true, false, false"})
  void tableGivesWhatTheMappingGives(boolean cleanText, boolean chinese, Boolean stripAccents, boolean lowercase) {
    BertNormalizer normalizer = new BertNormalizer(cleanText, chinese, stripAccents, lowercase);
    int checked = 0;
    for (int c = 0; c < 0x10000; c++) {
      if (Character.isSurrogate((char) c)) {
        continue;
      }
      String text = "A" + (char) c + "b";
      NormalizedString viaTable = normalizer.normalize(text, 0, text.length());
      NormalizedString viaMap = normalizer.normalize(NormalizedString.of(text, 0, text.length()));
      String where = String.format("U+%04X", c);
      assertEquals(viaMap.toString(), viaTable.toString(), where);
      for (int i = 0; i < viaMap.length(); i++) {
        assertEquals(viaMap.originalStart(i), viaTable.originalStart(i), where);
        assertEquals(viaMap.originalEnd(i), viaTable.originalEnd(i), where);
      }
      checked++;
    }
    assertEquals(0x10000 - 0x800, checked);
  }
}
