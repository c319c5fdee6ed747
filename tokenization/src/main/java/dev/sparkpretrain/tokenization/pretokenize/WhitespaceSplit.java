package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;

/** HF type {@code WhitespaceSplit}: split on whitespace, which is dropped. */
public final class WhitespaceSplit implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  @Override
  public void preTokenize(PreTokenizedString text) {
    text.refine(WhitespaceSplit::split);
  }

  private static void split(NormalizedString s, int start, int end, PreTokenizedString.SplitSink sink) {
    int wordStart = -1;
    for (int i = start; i < end; ) {
      int cp = s.codePointAt(i);
      if (CharClasses.isWhitespace(cp)) {
        if (wordStart >= 0) {
          sink.split(wordStart, i);
          wordStart = -1;
        }
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += Character.charCount(cp);
    }
    if (wordStart >= 0) {
      sink.split(wordStart, end);
    }
  }
}
