package dev.sparkpretrain.tokenization.pretokenize;

import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The two kinds of HF pattern a split runs on: a character predicate, and a regex. */
final class Delimiters {
  private Delimiters() {}

  /** Every character the predicate accepts is a delimiter of its own (HF's {@code Fn(char) -> bool}). */
  static SplitBehavior.Matches characters(IntPredicate isDelimiter) {
    return (text, start, end, sink) -> {
      for (int i = start; i < end; ) {
        int cp = text.codePointAt(i);
        int units = Character.charCount(cp);
        if (isDelimiter.test(cp)) {
          sink.match(i, i + units);
        }
        i += units;
      }
    };
  }

  /** Every match of {@code regex} inside the split (the split's bounds anchor it, as HF's substring does). */
  static SplitBehavior.Matches regex(Pattern regex) {
    return (text, start, end, sink) -> {
      Matcher m = regex.matcher(text).region(start, end);
      while (m.find()) {
        sink.match(m.start(), m.end());
      }
    };
  }
}
