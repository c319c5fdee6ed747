package dev.sparkpretrain.tokenization.decode;

import dev.sparkpretrain.tokenization.pretokenize.Metaspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * HF decoder type {@code Metaspace}: '▁' back to a space, except in the first token (where HF drops every
 * '▁' unless the prepend scheme is "never"), so the prefix space the encoder added disappears.
 */
public final class MetaspaceDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  private final char replacement;
  private final Metaspace.PrependScheme prependScheme;
  private final boolean split;

  public MetaspaceDecoder(char replacement, Metaspace.PrependScheme prependScheme, boolean split) {
    this.replacement = replacement;
    this.prependScheme = Objects.requireNonNull(prependScheme, "prependScheme");
    this.split = split;
  }

  public char replacement() {
    return replacement;
  }

  public Metaspace.PrependScheme prependScheme() {
    return prependScheme;
  }

  public boolean split() {
    return split;
  }

  @Override
  public List<String> decodeChain(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      StringBuilder b = new StringBuilder(t.length());
      for (int k = 0; k < t.length(); k++) {
        char c = t.charAt(k);
        if (c != replacement) {
          b.append(c);
        } else if (i != 0 || prependScheme == Metaspace.PrependScheme.NEVER) {
          b.append(' ');
        }
      }
      out.add(b.toString());
    }
    return out;
  }
}
