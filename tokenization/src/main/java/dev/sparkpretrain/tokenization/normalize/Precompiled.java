package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HF type {@code Precompiled}: a SentencePiece charsmap applied the way HF's {@code spm_precompiled} crate
 * applies it, which is not quite SentencePiece's way: per extended grapheme cluster, a cluster shorter than
 * 6 UTF-8 bytes is replaced whole when a rule starts it (the shortest such rule), otherwise each character
 * is looked up alone. {@link SentencePieceNormalizer} is SentencePiece's own way.
 */
public final class Precompiled implements Normalizer {
  private static final long serialVersionUID = 1L;
  private static final Pattern GRAPHEME = Pattern.compile("\\X");

  private final PrecompiledCharsMap charsMap;

  public Precompiled(PrecompiledCharsMap charsMap) {
    this.charsMap = Objects.requireNonNull(charsMap, "charsMap");
  }

  public PrecompiledCharsMap charsMap() {
    return charsMap;
  }

  /**
   * Builds HF's list of (character, change) for the whole text, as {@code spm_precompiled} does, then applies
   * it as HF's {@code NormalizedString::transform} does, so each output character is aligned with the
   * original character HF aligns it with (not with the whole rewritten cluster): that is what makes offsets
   * HF's.
   */
  @Override
  public NormalizedString normalize(NormalizedString in) {
    Transformations t = new Transformations(in.length() + 8);
    boolean modified = false;
    long[] matches = new long[1];
    Matcher m = GRAPHEME.matcher(in);
    while (m.find()) {
      int gs = m.start();
      int ge = m.end();
      String grapheme = in.substring(gs, ge);
      byte[] g = grapheme.getBytes(StandardCharsets.UTF_8);
      if (g.length < 6 && charsMap.prefixMatches(g, 0, g.length, matches) > 0) {
        t.replace(grapheme, charsMap.replacement((int) matches[0]));
        modified = true;
        continue;
      }
      for (int i = gs; i < ge; ) {
        int cp = in.codePointAt(i);
        byte[] c = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
        if (charsMap.prefixMatches(c, 0, c.length, matches) > 0) {
          t.replace(Character.toString(cp), charsMap.replacement((int) matches[0]));
          modified = true;
        } else {
          t.add(cp, 0);
        }
        i += Character.charCount(cp);
      }
    }
    return modified ? t.apply(in) : in;
  }

  /** HF's (char, change) pairs: 0 replaces the next original character, 1 is inserted, -n also removes n. */
  private static final class Transformations {
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
}
