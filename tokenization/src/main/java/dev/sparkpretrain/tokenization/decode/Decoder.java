package dev.sparkpretrain.tokenization.decode;

import java.io.Serializable;
import java.util.List;

/** Last stage: turns token strings back into text. Implementations are immutable and thread-safe. */
public interface Decoder extends Serializable {
  /** Rewrites each token (HF's {@code decode_chain}); {@link #decode} joins the result. */
  List<String> decodeChain(List<String> tokens);

  default String decode(List<String> tokens) {
    return String.join("", decodeChain(tokens));
  }
}
