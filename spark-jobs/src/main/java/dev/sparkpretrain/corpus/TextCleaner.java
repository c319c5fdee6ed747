package dev.sparkpretrain.corpus;

import dev.sparkpretrain.config.DataConfig;
import java.io.Serializable;
import java.text.Normalizer;

/**
 * The configurable cleaning steps, in order: Unicode normalization, control-character removal, whitespace
 * normalization. Pure and thread-safe; a Spark job calls it inside {@code mapPartitions}.
 */
public final class TextCleaner implements Serializable {
  private final DataConfig.Normalization normalization;
  private final boolean removeControlChars;
  private final boolean normalizeWhitespace;

  public TextCleaner(DataConfig config) {
    this.normalization = config.normalization();
    this.removeControlChars = config.removeControlChars();
    this.normalizeWhitespace = config.normalizeWhitespace();
  }

  public String clean(String text) {
    String s = switch (normalization) {
      case NONE -> text;
      case NFC -> belowCombiningMarks(text) || Normalizer.isNormalized(text, Normalizer.Form.NFC)
          ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
      case NFKC -> Normalizer.normalize(text, Normalizer.Form.NFKC);
    };
    if (!removeControlChars && !normalizeWhitespace) {
      return s;
    }
    // Most documents are already clean: one scan instead of a rebuild.
    return alreadyClean(s) ? s : rewrite(s);
  }

  /**
   * Whether every char is below U+0300: such text is in NFC (no char there composes with a preceding one), and
   * the check is far cheaper than {@link Normalizer#isNormalized}.
   */
  static boolean belowCombiningMarks(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= '\u0300') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@link #rewrite} would return {@code s} unchanged, whatever the flags: no control or format char, no
   * newline, no whitespace but single ASCII spaces between other chars. Conservative: false sends the text to
   * {@link #rewrite}, which decides.
   */
  static boolean alreadyClean(String s) {
    int n = s.length();
    if (n > 0 && (s.charAt(0) == ' ' || s.charAt(n - 1) == ' ')) {
      return false;
    }
    char prev = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == ' ') {
        if (prev == ' ') {
          return false;
        }
      } else if (c < '!' || (c >= '\u007F' && c <= '\u00A0')) {
        return false; // C0/C1 controls, tabs, newlines, no-break space
      } else if (c >= '\u1680' && (Character.isWhitespace(c) || c == '\uFEFF' || c >= '\uFFFE' || c == '\u3000')) {
        return false;
      }
      prev = c;
    }
    return true;
  }

  /** The cleaning itself: controls removed, whitespace runs collapsed, lines trimmed, the whole trimmed. */
  String rewrite(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean pendingSpace = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean newline = c == '\n' || c == '\r';
      boolean space = c == ' ' || c == '\t' || c == '\u00A0' || c == '\u3000' || (Character.isWhitespace(c) && !newline);
      if (removeControlChars && !space && !newline && isControl(c)) {
        continue;
      }
      if (normalizeWhitespace) {
        if (newline) {
          // A newline ends a line: drop trailing blanks, keep one newline (paragraph structure matters to
          // sentence splitting only through punctuation, so \r\n and \r become \n).
          pendingSpace = false;
          if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
            continue;
          }
          out.append('\n');
          continue;
        }
        if (space) {
          pendingSpace = out.length() > 0 && out.charAt(out.length() - 1) != '\n';
          continue;
        }
        if (pendingSpace) {
          out.append(' ');
          pendingSpace = false;
        }
      }
      out.append(c);
    }
    // trim
    int start = 0;
    int end = out.length();
    while (start < end && Character.isWhitespace(out.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(out.charAt(end - 1))) {
      end--;
    }
    return out.substring(start, end);
  }

  /** C0 and C1 controls, and the Unicode "format" characters that are invisible junk (e.g. U+FEFF). */
  private static boolean isControl(char c) {
    int type = Character.getType(c);
    return type == Character.CONTROL || (c == '\uFEFF') || (c == '\uFFFE') || (c == '\uFFFF');
  }
}
