package dev.sparkpretrain.tokenization.decode;

import java.util.List;

/** HF decoder type {@code Fuse}: all tokens become one (so later decoders see the whole text). */
public final class FuseDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> decodeChain(List<String> tokens) {
    return List.of(String.join("", tokens));
  }
}
