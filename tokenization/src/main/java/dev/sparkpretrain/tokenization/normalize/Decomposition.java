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
