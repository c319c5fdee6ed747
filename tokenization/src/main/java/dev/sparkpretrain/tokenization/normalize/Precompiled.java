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

  @Override
  public NormalizedString normalize(NormalizedString in) {
    NormalizedString out = new NormalizedString(in.length() + 8);
    long[] matches = new long[1];
    Matcher m = GRAPHEME.matcher(in);
    while (m.find()) {
      int gs = m.start();
      int ge = m.end();
      byte[] g = in.substring(gs, ge).getBytes(StandardCharsets.UTF_8);
      if (g.length < 6 && charsMap.prefixMatches(g, 0, g.length, matches) > 0) {
        append(charsMap.replacement((int) matches[0]), in.originalStart(gs), in.originalEnd(ge - 1), out);
        continue;
      }
      for (int i = gs; i < ge; ) {
        int cp = in.codePointAt(i);
        int units = Character.charCount(cp);
        byte[] c = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
        int start = in.originalStart(i);
        int end = in.originalEnd(i + units - 1);
        if (charsMap.prefixMatches(c, 0, c.length, matches) > 0) {
          append(charsMap.replacement((int) matches[0]), start, end, out);
        } else {
          out.append(in, i, i + units);
        }
        i += units;
      }
    }
    return out;
  }

  private static void append(String s, int start, int end, NormalizedString out) {
    for (int i = 0; i < s.length(); i++) {
      out.appendUnit(s.charAt(i), start, end);
    }
  }
}
