package dev.sparkpretrain.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.DataConfig;
import org.junit.jupiter.api.Test;

class TextCleanerTest {
  @Test
  void normalizesRemovesControlsAndCollapsesWhitespace() {
    TextCleaner c = new TextCleaner(DataConfig.defaults());
    assertEquals("a b\nc", c.clean("  a \t\u0007 b  \r\nc  "));
    assertEquals("\u00e9", c.clean("e\u0301"), "NFC composes");
    assertEquals("x y", c.clean("\uFEFFx\u00A0y"));
  }

  /** The already-clean shortcut never changes a result: random texts from the chars each rule is about. */
  @Test
  void shortcutsGiveWhatTheFullCleaningGives() {
    long seed = System.nanoTime();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
    String alphabet = "ab .,\t\n\r\u0007\u007F\u0085\u00A0\u00E9e\u0301\u1680\u2028\u200B\u3000\uFEFF\uFFFE\u4E2D\u3002";
    TextCleaner c = new TextCleaner(DataConfig.defaults());
    int shortcuts = 0;
    for (int t = 0; t < 20_000; t++) {
      StringBuilder b = new StringBuilder();
      int n = rng.nextInt(8);
      boolean plain = rng.nextBoolean(); // half the texts from the chars that are already clean
      for (int i = 0; i < n; i++) {
        b.append(plain ? "ab .,\u00E9\u4E2D".charAt(rng.nextInt(6)) : alphabet.charAt(rng.nextInt(alphabet.length())));
      }
      String s = b.toString();
      String nfc = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC);
      assertEquals(c.rewrite(nfc), c.clean(s), "seed " + seed + ", text '" + s + "'");
      if (TextCleaner.alreadyClean(nfc)) {
        shortcuts++;
        assertEquals(nfc, c.rewrite(nfc), "seed " + seed + ", text '" + s + "'");
      }
      if (TextCleaner.belowCombiningMarks(s)) {
        assertEquals(nfc, s, "seed " + seed);
      }
    }
    assertTrue(shortcuts > 1_000, "shortcut taken " + shortcuts + " times");
  }

  @Test
  void contentHashIsStable() {
    assertEquals(ContentHash.of("hello"), ContentHash.of("hello"));
    assertEquals(false, ContentHash.of("hello") == ContentHash.of("hello."));
  }
}
