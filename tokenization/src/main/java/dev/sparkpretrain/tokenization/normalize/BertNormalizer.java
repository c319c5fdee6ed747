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
  /** What {@link #map} does with each BMP code point, built on first use ({@link #bmpTable}). */
  private transient volatile int[] bmp;

  /** Kinds of {@link #bmp} entries (bits 16+; the low 16 bits hold the character). */
  private static final int COMPUTE = 0;
  private static final int DROP = 1;
  private static final int ONE = 2;
  private static final int SPACED = 3;

  public BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents,
                        boolean lowercase) {
    this.cleanText = cleanText;
    this.handleChineseChars = handleChineseChars;
    this.stripAccents = stripAccents;
    this.lowercase = lowercase;
    this.doStrip = stripAccents != null ? stripAccents : lowercase;
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

  /**
   * The per-code-point loop of {@link CodePointNormalizer}, repeated here so the JIT sees one target for
   * {@link #map} (the shared loop's call site is megamorphic once several normalizers are loaded) and
   * ASCII, most of the text, takes a short path.
   */
  @Override
  public NormalizedString normalize(NormalizedString in) {
    int n = in.length();
    char[] src = in.buffer();
    NormalizedString out = new NormalizedString(n + 16);
    for (int i = 0; i < n; ) {
      char c = src[i];
      if (c < 0x80) {
        if (c >= 0x20 && c != 0x7F) {
          out.appendUnit(lowercase && c >= 'A' && c <= 'Z' ? (char) (c + 32) : c, in.originalStart(i),
              in.originalEnd(i));
        } else if (!cleanText) {
          out.appendUnit(c, in.originalStart(i), in.originalEnd(i));
        } else if (c == '\t' || c == '\n' || c == '\r') {
          out.appendUnit(' ', in.originalStart(i), in.originalEnd(i));
        }
        i++;
        continue;
      }
      int cp = in.codePointAt(i);
      int units = Character.charCount(cp);
      map(cp, in.originalStart(i), in.originalEnd(i + units - 1), out);
      i += units;
    }
    return out;
  }

  /** The same as {@code normalize(NormalizedString.of(original, from, to))}, reading the string directly. */
  @Override
  public NormalizedString normalize(String original, int from, int to) {
    NormalizedString out = new NormalizedString(to - from + 16);
    int[] table = bmpTable();
    for (int i = from; i < to; ) {
      char c = original.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != 0x7F) {
          out.appendUnit(lowercase && c >= 'A' && c <= 'Z' ? (char) (c + 32) : c, i, i + 1);
        } else if (!cleanText) {
          out.appendUnit(c, i, i + 1);
        } else if (c == '\t' || c == '\n' || c == '\r') {
          out.appendUnit(' ', i, i + 1);
        }
        i++;
        continue;
      }
      if (!Character.isSurrogate(c)) {
        int e = table[c];
        switch (e >>> 16) {
          case DROP -> { }
          case ONE -> out.appendUnit((char) e, i, i + 1);
          case SPACED -> {
            out.appendUnit(' ', i, i + 1);
            out.appendUnit((char) e, i, i + 1);
            out.appendUnit(' ', i, i + 1);
          }
          default -> map(c, i, i + 1, out);
        }
        i++;
        continue;
      }
      int units = 1;
      int cp = c;
      if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(original.charAt(i + 1))) {
        cp = Character.toCodePoint(c, original.charAt(i + 1));
        units = 2;
      } else if (Character.isSurrogate(c)) {
        cp = 0xFFFD; // a lone surrogate reads as U+FFFD, as in NormalizedString.of
      }
      map(cp, i, i + units, out);
      i += units;
    }
    return out;
  }

  /**
   * Per BMP code point (surrogates excepted), what {@link #map} appends for it, when that is nothing, one unit or
   * one unit between two spaces (a CJK ideograph), each aligned to the code point; else {@code COMPUTE}. Made by
   * running {@link #map} on every code point, so the table cannot disagree with it: outside ASCII, {@link #map}
   * asks binary searches over ranges and the decomposition tables for every character, which showed in profiles
   * of CJK text (prepare, docs/BENCHMARKS.md).
   */
  private int[] bmpTable() {
    int[] t = bmp;
    if (t == null) {
      t = new int[0x10000];
      for (int c = 0x80; c < t.length; c++) {
        if (!Character.isSurrogate((char) c)) {
          t[c] = tableEntry(c);
        }
      }
      bmp = t;
    }
    return t;
  }

  private int tableEntry(int c) {
    NormalizedString one = new NormalizedString(4);
    map(c, 0, 1, one);
    int n = one.length();
    for (int k = 0; k < n; k++) {
      if (one.originalStart(k) != 0 || one.originalEnd(k) != 1 || Character.isSurrogate(one.charAt(k))) {
        return COMPUTE << 16;
      }
    }
    if (n == 0) {
      return DROP << 16;
    }
    if (n == 1) {
      return ONE << 16 | one.charAt(0);
    }
    if (n == 3 && one.charAt(0) == ' ' && one.charAt(2) == ' ') {
      return SPACED << 16 | one.charAt(1);
    }
    return COMPUTE << 16;
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
