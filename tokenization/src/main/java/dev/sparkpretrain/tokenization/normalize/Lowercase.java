package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;

/** HF type {@code Lowercase}: Rust's per-character full lowercase mapping (no final-sigma rule). */
public final class Lowercase extends CodePointNormalizer {
  private static final long serialVersionUID = 1L;

  @Override
  void map(int cp, int start, int end, NormalizedString out) {
    appendLowercase(cp, start, end, out);
  }
}
