package dev.sparkpretrain.tokenization;

import java.util.Arrays;

/**
 * Text being normalized, with each UTF-16 unit aligned to the range of the original text it came from, so
 * token offsets can be reported against the original (HF tokenizers' {@code NormalizedString}).
 *
 * <p>Normalizers build a new one by appending code points, each carrying the original range of the code
 * point it was derived from: a deleted character leaves nothing, an inserted one (the spaces around a CJK
 * ideograph, the second char of a lowercased 'İ') shares its source's range. That is the alignment HF
 * computes for these transforms.
 *
 * <p>Mutable and not thread-safe: one lives for one {@code encode} call.
 */
public final class NormalizedString implements CharSequence {
  private char[] chars;
  private int[] starts;
  private int[] ends;
  private int length;

  public NormalizedString(int capacity) {
    int c = Math.max(capacity, 8);
    chars = new char[c];
    starts = new int[c];
    ends = new int[c];
  }

  /**
   * {@code original[from, to)} aligned one-to-one. A lone surrogate is read as U+FFFD, as a UTF-8 decoder
   * with replacement reads the bytes a Java encoder would write for it; that keeps every later stage on
   * valid code points.
   */
  public static NormalizedString of(CharSequence original, int from, int to) {
    NormalizedString s = new NormalizedString(to - from);
    for (int i = from; i < to; i++) {
      char c = original.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(original.charAt(i + 1))) {
        s.appendUnit(c, i, i + 2);
        s.appendUnit(original.charAt(i + 1), i, i + 2);
        i++;
      } else if (Character.isSurrogate(c)) {
        s.appendUnit('\uFFFD', i, i + 1);
      } else {
        s.appendUnit(c, i, i + 1);
      }
    }
    return s;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public boolean isEmpty() {
    return length == 0;
  }

  @Override
  public char charAt(int i) {
    return chars[i];
  }

  /** The code point at unit index {@code i} (the text holds only valid pairs, see {@link #of}). */
  public int codePointAt(int i) {
    char c = chars[i];
    if (Character.isHighSurrogate(c) && i + 1 < length) {
      return Character.toCodePoint(c, chars[i + 1]);
    }
    return c;
  }

  /** Backing array; valid up to {@link #length()}. For models that scan the text without copying. */
  public char[] buffer() {
    return chars;
  }

  /** Original start offset of the unit at {@code i}. */
  public int originalStart(int i) {
    return starts[i];
  }

  /** Original end offset of the unit at {@code i}. */
  public int originalEnd(int i) {
    return ends[i];
  }

  @Override
  public CharSequence subSequence(int from, int to) {
    return substring(from, to);
  }

  public String substring(int from, int to) {
    return new String(chars, from, to - from);
  }

  @Override
  public String toString() {
    return new String(chars, 0, length);
  }

  /** Makes room for {@code extra} more units, so a loop of appends never grows the arrays midway. */
  public void reserve(int extra) {
    ensure(extra);
  }

  private void ensure(int extra) {
    int need = length + extra;
    if (need > chars.length) {
      int c = Math.max(need, chars.length * 2);
      chars = Arrays.copyOf(chars, c);
      starts = Arrays.copyOf(starts, c);
      ends = Arrays.copyOf(ends, c);
    }
  }

  /** Appends one UTF-16 unit aligned to {@code original[start, end)}. */
  public void appendUnit(char c, int start, int end) {
    ensure(1);
    chars[length] = c;
    starts[length] = start;
    ends[length] = end;
    length++;
  }

  /** Appends a code point aligned to {@code original[start, end)}. */
  public void appendCodePoint(int cp, int start, int end) {
    if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT) {
      appendUnit((char) cp, start, end);
    } else {
      appendUnit(Character.highSurrogate(cp), start, end);
      appendUnit(Character.lowSurrogate(cp), start, end);
    }
  }

  /** Appends {@code other[from, to)} with its alignment. */
  public void append(NormalizedString other, int from, int to) {
    int n = to - from;
    ensure(n);
    System.arraycopy(other.chars, from, chars, length, n);
    System.arraycopy(other.starts, from, starts, length, n);
    System.arraycopy(other.ends, from, ends, length, n);
    length += n;
  }
}
