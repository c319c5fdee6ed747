package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.NormalizedString;

/**
 * BERT's normalizer (HF type {@code BertNormalizer}), in HF's order: clean text (drop NUL, U+FFFD and
 * control characters; whitespace becomes a space), put spaces around CJK ideographs, strip accents (NFD,
 * then drop non-spacing marks), lowercase. {@code stripAccents == null} follows {@code lowercase}, as in HF.
 */
public final class BertNormalizer extends CodePointNormalizer {
  private static final long serialVersionUID = 1L;

  private final boolean cleanText;
  private final boolean handleChineseChars;
  private final Boolean stripAccents;
  private final boolean lowercase;
  private final boolean doStrip;

  public BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents,
                        boolean lowercase) {
    this.cleanText = cleanText;
    this.handleChineseChars = handleChineseChars;
    this.stripAccents = stripAccents;
    this.lowercase = lowercase;
    this.doStrip = stripAccents != null ? stripAccents : lowercase;
  }

  /** HF's defaults: everything on, accents stripped because lowercase is on. */
  public static BertNormalizer uncased() {
    return new BertNormalizer(true, true, null, true);
  }

  public boolean cleanText() {
    return cleanText;
  }

  public boolean handleChineseChars() {
    return handleChineseChars;
  }

  /** Null when it follows {@link #lowercase()}. */
  public Boolean stripAccents() {
    return stripAccents;
  }

  public boolean lowercase() {
    return lowercase;
  }

  @Override
  void map(int cp, int start, int end, NormalizedString out) {
    if (cp < 0x80) { // ASCII: no CJK, no accents; the common case, kept branch-light
      if (cleanText && (cp < 0x20 || cp == 0x7F)) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
          out.appendUnit(' ', start, end);
        }
        return;
      }
      out.appendUnit((char) (lowercase && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp), start, end);
      return;
    }
    if (cleanText) {
      if (cp == 0xFFFD || CharClasses.isControl(cp)) {
        return;
      }
      if (CharClasses.isWhitespace(cp)) {
        out.appendUnit(' ', start, end);
        return;
      }
    }
    if (handleChineseChars && CharClasses.isChinese(cp)) {
      out.appendUnit(' ', start, end);
      emit(cp, start, end, out);
      out.appendUnit(' ', start, end);
      return;
    }
    emit(cp, start, end, out);
  }

  private void emit(int cp, int start, int end, NormalizedString out) {
    if (doStrip) {
      StripAccents.appendStripped(cp, start, end, out, lowercase);
    } else if (lowercase) {
      appendLowercase(cp, start, end, out);
    } else {
      out.appendCodePoint(cp, start, end);
    }
  }
}
