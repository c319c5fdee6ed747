package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.CharClasses;
import java.text.Normalizer.Form;

/** Per-code-point canonical decomposition and the non-spacing-mark test used by accent stripping. */
final class Decomposition {
  private Decomposition() {}

  /**
   * Canonical decomposition of {@code cp}, or null when it has none. Below U+00C0 nothing decomposes, and
   * most text is there, so we skip the JDK normalizer for it.
   */
  static String nfd(int cp) {
    if (cp < 0xC0) {
      return null;
    }
    if (cp < BMP_CACHE.length) {
      // Asking the JDK costs a String and a normalizer pass; text repeats its few non-ASCII characters
      // (quotes, accents), so each answer is kept. Racy filling is fine: the values are immutable.
      String cached = BMP_CACHE[cp];
      if (cached == null) {
        String d = decompose(cp);
        cached = d == null ? NONE : d;
        BMP_CACHE[cp] = cached;
      }
      return cached == NONE ? null : cached;
    }
    return decompose(cp);
  }

  private static final String NONE = new String("none"); // identity-compared marker
  private static final String[] BMP_CACHE = new String[0x10000];

  private static String decompose(int cp) {
    String s = Character.toString(cp);
    if (java.text.Normalizer.isNormalized(s, Form.NFD)) {
      return null;
    }
    return java.text.Normalizer.normalize(s, Form.NFD);
  }

  /** General category Mn, in HF's Unicode version. */
  static boolean isNonSpacingMark(int cp) {
    return CharClasses.isNonSpacingMark(cp);
  }
}
