package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;

/**
 * HF's byte-level {@code process_offsets}: a token's offsets exclude the spaces it starts or ends with
 * ("Ġworld" points at "world"), except the single space {@code addPrefixSpace} put before the first word.
 * HF counts the token's 'Ġ' characters; each stands for one U+0020 of the original text, which is what we
 * count.
 */
final class OffsetTrimming {
  private OffsetTrimming() {}

  static Encoding trim(Encoding e, String text, boolean addPrefixSpace) {
    int n = e.length();
    int[] starts = e.starts().clone();
    int[] ends = e.ends().clone();
    for (int i = 0; i < n; i++) {
      if (e.specialTokens()[i]) {
        continue;
      }
      int s = starts[i];
      int t = ends[i];
      int leading = 0;
      while (s + leading < t && text.charAt(s + leading) == ' ') {
        leading++;
      }
      int trailing = 0;
      while (t - trailing > s + leading && text.charAt(t - trailing - 1) == ' ') {
        trailing++;
      }
      if (leading > 0) {
        boolean first = i == 0 || s == 0;
        if (!(first && addPrefixSpace && leading == 1)) {
          starts[i] = Math.min(s + leading, t);
        }
      }
      if (trailing > 0) {
        ends[i] = Math.max(t - trailing, starts[i]);
      }
    }
    return new Encoding(e.ids(), e.typeIds(), starts, ends, e.wordStarts(), e.specialTokens());
  }
}
