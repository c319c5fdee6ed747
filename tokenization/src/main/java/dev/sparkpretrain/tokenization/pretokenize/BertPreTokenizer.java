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

  private static final byte WORD = 0;
  private static final byte SPACE = 1;
  private static final byte PUNCT = 2;
  /**
   * Class of each BMP code point (64 KB), so a character is one table load: outside ASCII the punctuation test is
   * a binary search over ranges, which showed in profiles of CJK text (a few % of prepare's task time).
   */
  private static final byte[] BMP = new byte[0x10000];

  static {
    for (int c = 0; c < BMP.length; c++) {
      BMP[c] = computeClass(c);
    }
  }

  private static byte computeClass(int cp) {
    return CharClasses.isWhitespace(cp) ? SPACE : CharClasses.isBertPunctuation(cp) ? PUNCT : WORD;
  }

  private static byte classOf(int cp) {
    return cp < BMP.length ? BMP[cp] : computeClass(cp);
  }

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
      byte kind = classOf(cp);
      if (kind == SPACE) {
        if (wordStart >= 0) {
          sink.split(wordStart, i);
          wordStart = -1;
        }
      } else if (kind == PUNCT) {
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
