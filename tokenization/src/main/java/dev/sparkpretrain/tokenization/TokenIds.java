package dev.sparkpretrain.tokenization;

import java.util.Objects;

/**
 * The token ids of one text and, per token, whether it begins a pre-token word: the two arrays of an
 * {@link Encoding} that corpus jobs keep, from {@link Tokenizer#encodeIds}, which computes nothing else.
 *
 * <pre>{@code
 * TokenIds t = bert.encodeIds("Hello world");   // ids [7592, 2088], wordStarts [true, true]
 * }</pre>
 */
public record TokenIds(int[] ids, boolean[] wordStarts) {
  public TokenIds {
    Objects.requireNonNull(ids, "ids");
    if (wordStarts.length != ids.length) {
      throw new IllegalArgumentException("wordStarts must have the length of ids (" + ids.length + ")");
    }
  }

  /** Number of tokens. */
  public int length() {
    return ids.length;
  }
}
