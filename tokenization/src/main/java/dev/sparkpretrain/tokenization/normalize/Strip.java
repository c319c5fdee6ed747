package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.NormalizedString;

/** HF type {@code Strip}: drop whitespace at the start and/or the end. */
public final class Strip implements Normalizer {
  private static final long serialVersionUID = 1L;

  private final boolean left;
  private final boolean right;

  public Strip(boolean left, boolean right) {
    this.left = left;
    this.right = right;
  }

  public boolean left() {
    return left;
  }

  public boolean right() {
    return right;
  }

  @Override
  public NormalizedString normalize(NormalizedString in) {
    int start = 0;
    int end = in.length();
    while (left && start < end && CharClasses.isWhitespace(in.codePointAt(start))) {
      start += Character.charCount(in.codePointAt(start));
    }
    while (right && end > start && CharClasses.isWhitespace(in.charAt(end - 1))) {
      end--;
    }
    if (start == 0 && end == in.length()) {
      return in;
    }
    NormalizedString out = new NormalizedString(end - start);
    out.append(in, start, end);
    return out;
  }
}
