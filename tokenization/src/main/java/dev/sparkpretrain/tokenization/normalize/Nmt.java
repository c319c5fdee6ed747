package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;

/**
 * HF type {@code Nmt} (SentencePiece's nmt_nfkc rules without the NFKC part): drops the ASCII control
 * characters other than tab, newline, form feed and carriage return (also 0x7F, 0x8F, 0x9F), and turns
 * tab, newline, form feed, carriage return, U+1680, U+200B–U+200F, U+2028, U+2029, '▁', BOM and U+FFFD into
 * a plain space.
 */
public final class Nmt extends CodePointNormalizer {
  private static final long serialVersionUID = 1L;

  @Override
  void map(int cp, int start, int end, NormalizedString out) {
    if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F || cp == 0x8F
        || cp == 0x9F) {
      return;
    }
    boolean space = cp == 0x09 || cp == 0x0A || cp == 0x0C || cp == 0x0D || cp == 0x1680
        || (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 || cp == 0xFEFF
        || cp == 0xFFFD;
    out.appendCodePoint(space ? ' ' : cp, start, end);
  }
}
