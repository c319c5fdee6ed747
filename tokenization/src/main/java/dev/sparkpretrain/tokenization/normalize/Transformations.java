package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;

/**
 * HF's (char, change) pairs, the way HF's normalizers describe a rewrite: 0 replaces the next original
 * character, 1 is inserted, -n replaces the next one and removes n more. {@link #apply} aligns them as HF's
 * {@code NormalizedString::transform} does: a replacing character takes the original character at the
 * cursor, an inserted one the character before the cursor. So a composed character is aligned with its
 * first source character only, and offsets through such normalizers are HF's.
 */
final class Transformations {
  private int[] codePoints;
  private int[] changes;
  private int size;

  Transformations(int capacity) {
    codePoints = new int[capacity];
    changes = new int[capacity];
  }

  void add(int cp, int change) {
    if (size == codePoints.length) {
      codePoints = java.util.Arrays.copyOf(codePoints, size * 2);
      changes = java.util.Arrays.copyOf(changes, size * 2);
    }
    codePoints[size] = cp;
    changes[size] = change;
    size++;
  }

  /**
   * {@code spm_precompiled}'s {@code replace}: the new characters replace the old one for one; extra new
   * ones are inserted; fewer new ones make the last transformation so far (possibly an earlier
   * character's, when the rule deletes) remove the rest.
   */
  void replace(String oldPart, String newPart) {
    int diff = newPart.codePointCount(0, newPart.length()) - oldPart.codePointCount(0, oldPart.length());
    newPart.codePoints().forEach(cp -> add(cp, 0));
    if (diff > 0) {
      for (int k = size - diff; k < size; k++) {
        changes[k] = 1;
      }
    } else if (diff < 0 && size > 0) {
      changes[size - 1] += diff;
    }
  }

  /**
   * HF's {@code transform_range} over the whole text: a replacing character takes the alignment of the
   * original character at the cursor, an inserted one that of the character before the cursor.
   */
  NormalizedString apply(NormalizedString in) {
    NormalizedString out = new NormalizedString(in.length() + 8);
    int cursor = 0;
    for (int k = 0; k < size; k++) {
      int start;
      int end;
      if (changes[k] > 0) {
        int before = cursor == 0 ? -1 : cursor - Character.charCount(Character.codePointBefore(in, cursor));
        start = before < 0 ? 0 : in.originalStart(before);
        end = before < 0 ? 0 : in.originalEnd(cursor - 1);
      } else {
        int units = Character.charCount(in.codePointAt(cursor));
        start = in.originalStart(cursor);
        end = in.originalEnd(cursor + units - 1);
        cursor += units;
        for (int r = 0; r < -changes[k] && cursor < in.length(); r++) {
          cursor += Character.charCount(in.codePointAt(cursor));
        }
      }
      out.appendCodePoint(codePoints[k], start, end);
    }
    return out;
  }
}
