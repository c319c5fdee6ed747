package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.PreTokenizedString;
import java.io.Serializable;

/**
 * Second stage: cuts normalized text into words, which the model tokenizes independently and a trainer
 * counts. Implementations are immutable and thread-safe.
 */
public interface PreTokenizer extends Serializable {
  void preTokenize(PreTokenizedString text);
}
