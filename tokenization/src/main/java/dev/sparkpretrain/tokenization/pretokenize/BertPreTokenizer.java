package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;

/**
 * HF type {@code BertPreTokenizer}: split on whitespace (dropped) and isolate every punctuation character
 * (ASCII punctuation and symbols, Unicode P*) as a word of its own.
 */
public final class BertPreTokenizer implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  @Override
  public void preTokenize(PreTokenizedString text) {
    text.refine(BertPreTokenizer::split);
  }

  private static void split(NormalizedString s, int start, int end, PreTokenizedString.SplitSink sink) {
    char[] chars = s.buffer();
    int wordStart = -1;
    for (int i = start; i < end; ) {
      char c = chars[i];
      int cp;
      int units;
      if (Character.isHighSurrogate(c) && i + 1 < end) {
        cp = Character.toCodePoint(c, chars[i + 1]);
        units = 2;
      } else {
        cp = c;
        units = 1;
      }
      if (CharClasses.isWhitespace(cp)) {
        if (wordStart >= 0) {
          sink.split(wordStart, i);
          wordStart = -1;
        }
      } else if (CharClasses.isBertPunctuation(cp)) {
        if (wordStart >= 0) {
          sink.split(wordStart, i);
          wordStart = -1;
        }
        sink.split(i, i + units);
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += units;
    }
    if (wordStart >= 0) {
      sink.split(wordStart, end);
    }
  }
}
