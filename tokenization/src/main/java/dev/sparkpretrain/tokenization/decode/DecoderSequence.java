package dev.sparkpretrain.tokenization.decode;

import java.util.List;

/** HF decoder type {@code Sequence}: each decoder's chain feeds the next. */
public final class DecoderSequence implements Decoder {
  private static final long serialVersionUID = 1L;

  private final List<Decoder> decoders;

  public DecoderSequence(List<Decoder> decoders) {
    this.decoders = List.copyOf(decoders);
  }

  public List<Decoder> decoders() {
    return decoders;
  }

  @Override
  public List<String> decodeChain(List<String> tokens) {
    List<String> t = tokens;
    for (Decoder d : decoders) {
      t = d.decodeChain(t);
    }
    return t;
  }
}
