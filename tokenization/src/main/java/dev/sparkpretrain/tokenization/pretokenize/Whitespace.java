package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.PreTokenizedString;
import java.util.regex.Pattern;

/**
 * HF type {@code Whitespace}: the words are the runs of word characters and the runs of other non-space
 * characters (HF's regex {@code \w+|[^\w\s]+}); whitespace is dropped. "Hello, world!" → Hello , world !
 */
public final class Whitespace implements PreTokenizer {
  private static final long serialVersionUID = 1L;
  private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

  @Override
  public void preTokenize(PreTokenizedString text) {
    SplitBehavior.Matches words = Delimiters.regex(WORDS);
    text.refine((s, start, end, sink) -> SplitBehavior.REMOVED.split(s, start, end, words, true, sink));
  }
}
