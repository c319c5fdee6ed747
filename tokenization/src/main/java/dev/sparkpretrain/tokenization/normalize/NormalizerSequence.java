package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.util.List;

/** HF type {@code Sequence}: normalizers applied in order. */
public final class NormalizerSequence implements Normalizer {
  private static final long serialVersionUID = 1L;

  private final List<Normalizer> normalizers;

  public NormalizerSequence(List<Normalizer> normalizers) {
    this.normalizers = List.copyOf(normalizers);
  }

  public List<Normalizer> normalizers() {
    return normalizers;
  }

  @Override
  public NormalizedString normalize(NormalizedString input) {
    NormalizedString s = input;
    for (Normalizer n : normalizers) {
      s = n.normalize(s);
    }
    return s;
  }
}
