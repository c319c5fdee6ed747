package dev.sparkpretrain.objective;

import java.io.Serializable;

/**
 * The ids BERT example creation needs.
 *
 * @param firstRandomId random replacement tokens are drawn from [firstRandomId, vocabSize): the special tokens
 *     sit at the start of the vocabulary and are never used as a "random word"
 */
public record BertVocab(int pad, int cls, int sep, int mask, int vocabSize, int firstRandomId) implements Serializable {
  public BertVocab {
    if (firstRandomId < 0 || firstRandomId >= vocabSize) {
      throw new IllegalArgumentException("firstRandomId " + firstRandomId + " outside [0, " + vocabSize + ")");
    }
  }
}
