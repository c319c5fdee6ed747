package dev.sparkpretrain.tokenization.decode;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * HF decoder type {@code WordPiece}: glue "##" pieces to the previous token, put a space before the others,
 * and (with {@code cleanup}) undo the spaces BERT's tokenization put before punctuation and contractions.
 */
public final class WordPieceDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  private final String prefix;
  private final boolean cleanup;

  public WordPieceDecoder(String prefix, boolean cleanup) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.cleanup = cleanup;
  }

  public String prefix() {
    return prefix;
  }

  public boolean cleanup() {
    return cleanup;
  }

  @Override
  public List<String> decodeChain(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (i != 0) {
        t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
      }
      out.add(cleanup ? cleanup(t) : t);
    }
    return out;
  }

  /** HF's {@code cleanup}, same replacements in the same order. */
  static String cleanup(String s) {
    return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
        .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't")
        .replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
  }
}
