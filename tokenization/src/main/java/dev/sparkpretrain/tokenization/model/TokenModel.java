package dev.sparkpretrain.tokenization.model;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.io.Serializable;

/**
 * Third stage: turns one pre-tokenized word into vocabulary ids (WordPiece, BPE, Unigram). Implementations
 * are immutable and thread-safe.
 */
public interface TokenModel extends Serializable {

  /**
   * Appends the tokens of the word {@code text[start, end)} to {@code out}, in order, with offsets that are
   * indices into {@code text}.
   */
  void tokenize(NormalizedString text, int start, int end, TokenBuffer out);

  Vocabulary vocabulary();
}
