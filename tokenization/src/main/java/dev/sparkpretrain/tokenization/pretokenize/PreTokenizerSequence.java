package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.PreTokenizedString;
import java.util.List;

/** HF type {@code Sequence}: pre-tokenizers applied in order, each refining the previous splits. */
public final class PreTokenizerSequence implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  private final List<PreTokenizer> preTokenizers;

  public PreTokenizerSequence(List<PreTokenizer> preTokenizers) {
    this.preTokenizers = List.copyOf(preTokenizers);
  }

  public List<PreTokenizer> preTokenizers() {
    return preTokenizers;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    for (PreTokenizer p : preTokenizers) {
      p.preTokenize(text);
    }
  }
}
