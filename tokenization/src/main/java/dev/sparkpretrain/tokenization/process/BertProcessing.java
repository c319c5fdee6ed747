package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;
import java.util.Objects;

/**
 * HF type {@code BertProcessing}: {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]}, type id 1 for B
 * and its closing {@code [SEP]}.
 */
public final class BertProcessing implements PostProcessor {
  private static final long serialVersionUID = 1L;

  private final SpecialToken sep;
  private final SpecialToken cls;

  /** A special token's text and id, as HF writes them: {@code ["[SEP]", 102]}. */
  public record SpecialToken(String token, int id) implements java.io.Serializable {
    public SpecialToken {
      Objects.requireNonNull(token, "token");
      if (id < 0) {
        throw new IllegalArgumentException("special token id must be >= 0, got " + id + " for " + token);
      }
    }
  }

  public BertProcessing(SpecialToken sep, SpecialToken cls) {
    this.sep = Objects.requireNonNull(sep, "sep");
    this.cls = Objects.requireNonNull(cls, "cls");
  }

  public SpecialToken sep() {
    return sep;
  }

  public SpecialToken cls() {
    return cls;
  }

  @Override
  public Encoding process(Encoding a, String textA, Encoding b, String textB, boolean addSpecialTokens) {
    if (!addSpecialTokens) {
      return b == null ? a : Encoding.concat(a, b);
    }
    Encoding first = Encoding.concat(Encoding.special(cls.id(), 0), a.withTypeId(0),
        Encoding.special(sep.id(), 0));
    if (b == null) {
      return first;
    }
    return Encoding.concat(first, b.withTypeId(1), Encoding.special(sep.id(), 1));
  }
}
