package dev.sparkpretrain.objective;

import java.io.Serializable;
import java.util.List;

/**
 * A document as token ids, one array per sentence.
 *
 * @param key content hash of the cleaned text: the document's identity and the root of its random seeds
 * @param sentences token ids per sentence, no special tokens
 * @param wordStarts per token, whether it begins a word (whole-word masking groups the rest with it)
 */
public record TokenizedDocument(long key, List<int[]> sentences, List<boolean[]> wordStarts) implements Serializable {
  public TokenizedDocument {
    if (sentences.size() != wordStarts.size()) {
      throw new IllegalArgumentException("sentences and wordStarts differ in length");
    }
  }

  public int tokenCount() {
    int n = 0;
    for (int[] s : sentences) {
      n += s.length;
    }
    return n;
  }
}
