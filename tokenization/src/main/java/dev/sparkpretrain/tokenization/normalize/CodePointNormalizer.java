package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;

/**
 * A normalizer that rewrites each code point on its own (to none, one or several), which is what HF's
 * lowercase, accent stripping and BERT cleaning do. Every output code point is aligned to its source code
 * point's original range.
 */
abstract class CodePointNormalizer implements Normalizer {
  private static final long serialVersionUID = 1L;

  /** Appends the image of {@code cp} to {@code out}, aligned to {@code [start, end)}. */
  abstract void map(int cp, int start, int end, NormalizedString out);

  @Override
  public NormalizedString normalize(NormalizedString in) {
    NormalizedString out = new NormalizedString(in.length() + 8);
    int n = in.length();
    for (int i = 0; i < n; ) {
      int cp = in.codePointAt(i);
      int units = Character.charCount(cp);
      map(cp, in.originalStart(i), in.originalEnd(i + units - 1), out);
      i += units;
    }
    return out;
  }

  /** Rust's {@code char::to_lowercase}: the full mapping, which differs from Java's simple one for 'İ'. */
  static void appendLowercase(int cp, int start, int end, NormalizedString out) {
    if (cp < 0x80) {
      out.appendUnit((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp), start, end);
    } else if (cp == 0x130) {
      out.appendUnit('i', start, end);
      out.appendUnit('\u0307', start, end);
    } else {
      out.appendCodePoint(Character.toLowerCase(cp), start, end);
    }
  }
}
