package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.util.Objects;

/**
 * HF type {@code Prepend}: puts {@code prepend} in front of a non-empty text (Llama's SentencePiece form
 * prepends '▁'); the new characters are aligned with the first original character, as HF aligns them.
 */
public final class Prepend implements Normalizer {
  private static final long serialVersionUID = 1L;

  private final String prepend;

  public Prepend(String prepend) {
    this.prepend = Objects.requireNonNull(prepend, "prepend");
  }

  public String prepend() {
    return prepend;
  }

  @Override
  public NormalizedString normalize(NormalizedString in) {
    if (in.isEmpty() || prepend.isEmpty()) {
      return in;
    }
    NormalizedString out = new NormalizedString(in.length() + prepend.length());
    int units = Character.charCount(in.codePointAt(0));
    int start = in.originalStart(0);
    int end = in.originalEnd(units - 1);
    for (int i = 0; i < prepend.length(); i++) {
      out.appendUnit(prepend.charAt(i), start, end);
    }
    out.append(in, 0, in.length());
    return out;
  }
}
