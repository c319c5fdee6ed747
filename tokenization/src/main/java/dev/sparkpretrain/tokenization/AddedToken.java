package dev.sparkpretrain.tokenization;

import java.util.Objects;

/**
 * A token matched in the text before the model runs (HF's {@code added_tokens}): special tokens such as
 * {@code [MASK]} or {@code <|endoftext|>} and user-added words. {@code normalized == false} tokens are
 * matched in the original text, the others in the normalized text. {@code lstrip}/{@code rstrip} make the
 * match swallow whitespace on that side; {@code singleWord} only matches it between non-word characters.
 */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized, boolean special) implements java.io.Serializable {
  public AddedToken {
    Objects.requireNonNull(content, "content");
    if (content.isEmpty()) {
      throw new IllegalArgumentException("added_tokens: content must not be empty (id " + id + ")");
    }
    if (id < 0) {
      throw new IllegalArgumentException("added_tokens: id must be >= 0, got " + id + " for '" + content + "'");
    }
  }

  /** A special token as HF's converters add them: matched verbatim, never normalized. */
  public static AddedToken special(int id, String content) {
    return new AddedToken(id, content, false, false, false, false, true);
  }
}
