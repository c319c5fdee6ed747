package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;

/**
 * GPT-2's split pattern, written out by hand (a regex engine costs several times more):
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * Alternatives are tried in that order at each position, as the regex does; {@code \s} is the Unicode
 * White_Space property (so U+0085 is whitespace, as in HF and tiktoken), {@code \p{L}}/{@code \p{N}} are
 * Java's letter and number categories.
 */
final class Gpt2Split {
  private Gpt2Split() {}

  static void split(NormalizedString s, int start, int end, PreTokenizedString.SplitSink sink) {
    int i = start;
    while (i < end) {
      int m = match(s, i, end);
      sink.split(i, m);
      i = m;
    }
  }

  /** End of the match starting at {@code i} (always > i). */
  private static int match(NormalizedString s, int i, int end) {
    char c = s.charAt(i);
    if (c == '\'' && i + 1 < end) {
      char d = s.charAt(i + 1);
      if (d == 's' || d == 't' || d == 'm' || d == 'd') {
        return i + 2;
      }
      if (i + 2 < end) {
        char e = s.charAt(i + 2);
        if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
          return i + 3;
        }
      }
    }
    int j = c == ' ' && i + 1 < end ? i + 1 : i;
    int cp = s.codePointAt(j);
    int kind = kind(cp);
    if (kind != SPACE && (j > i || c != ' ')) {
      // " ?\p{L}+", " ?\p{N}+" or " ?[^\s\p{L}\p{N}]+": a run of one kind, with the optional space.
      int k = j + Character.charCount(cp);
      while (k < end) {
        int next = s.codePointAt(k);
        if (kind(next) != kind) {
          break;
        }
        k += Character.charCount(next);
      }
      return k;
    }
    // Whitespace: "\s+(?!\S)" keeps the last whitespace character for the next word when one follows;
    // a single whitespace character before a word falls to "\s+".
    int k = i;
    int last = i;
    while (k < end) {
      int next = s.codePointAt(k);
      if (!CharClasses.isWhitespace(next)) {
        break;
      }
      last = k;
      k += Character.charCount(next);
    }
    if (k == end || last == i) {
      return k;
    }
    return last;
  }

  private static final int LETTER = 0;
  private static final int NUMBER = 1;
  private static final int OTHER = 2;
  private static final int SPACE = 3;

  /** Kind of each ASCII character: one table load for most text. */
  private static final byte[] ASCII = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII[c] = (byte) ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? LETTER
          : c >= '0' && c <= '9' ? NUMBER : CharClasses.isWhitespace(c) ? SPACE : OTHER);
    }
  }

  private static int kind(int cp) {
    if (cp < 0x80) {
      return ASCII[cp];
    }
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER:
      case Character.LOWERCASE_LETTER:
      case Character.TITLECASE_LETTER:
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
        return LETTER;
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
        return NUMBER;
      default:
        return CharClasses.isWhitespace(cp) ? SPACE : OTHER;
    }
  }
}
