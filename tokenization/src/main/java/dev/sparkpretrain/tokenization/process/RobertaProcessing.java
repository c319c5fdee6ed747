package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;
import java.util.Objects;

/**
 * HF type {@code RobertaProcessing}: {@code <s> A </s>} and {@code <s> A </s></s> B </s>}, all type id 0
 * (RoBERTa has no segment embeddings), with byte-level offset trimming.
 */
public final class RobertaProcessing implements PostProcessor {
  private static final long serialVersionUID = 1L;

  private final BertProcessing.SpecialToken sep;
  private final BertProcessing.SpecialToken cls;
  private final boolean trimOffsets;
  private final boolean addPrefixSpace;

  public RobertaProcessing(BertProcessing.SpecialToken sep, BertProcessing.SpecialToken cls, boolean trimOffsets,
                           boolean addPrefixSpace) {
    this.sep = Objects.requireNonNull(sep, "sep");
    this.cls = Objects.requireNonNull(cls, "cls");
    this.trimOffsets = trimOffsets;
    this.addPrefixSpace = addPrefixSpace;
  }

  public BertProcessing.SpecialToken sep() {
    return sep;
  }

  public BertProcessing.SpecialToken cls() {
    return cls;
  }

  public boolean trimOffsets() {
    return trimOffsets;
  }

  public boolean addPrefixSpace() {
    return addPrefixSpace;
  }

  @Override
  public Encoding process(Encoding a, String textA, Encoding b, String textB, boolean addSpecialTokens) {
    Encoding ea = trimOffsets ? OffsetTrimming.trim(a, textA, addPrefixSpace) : a;
    Encoding eb = b == null ? null : trimOffsets ? OffsetTrimming.trim(b, textB, addPrefixSpace) : b;
    if (!addSpecialTokens) {
      return eb == null ? ea : Encoding.concat(ea, eb);
    }
    Encoding first = Encoding.concat(Encoding.special(cls.id(), 0), ea.withTypeId(0), Encoding.special(sep.id(), 0));
    if (eb == null) {
      return first;
    }
    return Encoding.concat(first, Encoding.special(sep.id(), 0), eb.withTypeId(0), Encoding.special(sep.id(), 0));
  }
}
