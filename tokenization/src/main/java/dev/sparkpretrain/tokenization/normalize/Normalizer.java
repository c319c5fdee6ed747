package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.io.Serializable;

/**
 * First stage of a tokenizer: rewrites text (case, accents, Unicode forms, whitespace) while keeping each
 * character aligned to the original, so offsets survive. Implementations are immutable and thread-safe.
 */
public interface Normalizer extends Serializable {
  /** Returns the normalized text; may return {@code input} itself when nothing changes. */
  NormalizedString normalize(NormalizedString input);

  /**
   * Normalizes {@code original[from, to)}, aligned to those offsets. Normalizers that can read the string
   * directly override this to skip building the identity-aligned copy first.
   */
  default NormalizedString normalize(String original, int from, int to) {
    return normalize(NormalizedString.of(original, from, to));
  }
}
