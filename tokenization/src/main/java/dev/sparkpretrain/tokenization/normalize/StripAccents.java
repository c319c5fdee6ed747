package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;

/**
 * HF type {@code StripAccents}: decompose (NFD) and drop non-spacing marks (Mn). HF only removes marks, it
 * does not recompose, so a Hangul syllable stays as its decomposed jamo.
 */
public final class StripAccents extends CodePointNormalizer {
  private static final long serialVersionUID = 1L;

  @Override
  void map(int cp, int start, int end, NormalizedString out) {
    appendStripped(cp, start, end, out, false);
  }

  /**
   * NFD of one code point minus its non-spacing marks, optionally lowercased. Decomposing code points one
   * by one skips NFD's reordering of adjacent marks; that only matters for marks we keep (Mc/Me with a
   * non-zero combining class), which we accept.
   */
  static void appendStripped(int cp, int start, int end, NormalizedString out, boolean lowercase) {
    String d = Decomposition.nfd(cp);
    if (d == null) {
      if (!Decomposition.isNonSpacingMark(cp)) {
        if (lowercase) {
          appendLowercase(cp, start, end, out);
        } else {
          out.appendCodePoint(cp, start, end);
        }
      }
      return;
    }
    for (int i = 0; i < d.length(); ) {
      int c = d.codePointAt(i);
      i += Character.charCount(c);
      if (!Decomposition.isNonSpacingMark(c)) {
        if (lowercase) {
          appendLowercase(c, start, end, out);
        } else {
          out.appendCodePoint(c, start, end);
        }
      }
    }
  }
}
