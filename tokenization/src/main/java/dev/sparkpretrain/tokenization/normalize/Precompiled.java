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
   * it as HF does (see {@link Transformations}), so offsets are HF's.
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
}
