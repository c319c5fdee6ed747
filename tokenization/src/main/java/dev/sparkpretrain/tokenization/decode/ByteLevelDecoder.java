package dev.sparkpretrain.tokenization.decode;

import dev.sparkpretrain.tokenization.pretokenize.ByteLevelAlphabet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * HF decoder type {@code ByteLevel}: map each token's alphabet characters back to bytes, concatenate, and
 * decode UTF-8 with replacement characters for broken sequences.
 */
public final class ByteLevelDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> decodeChain(List<String> tokens) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String t : tokens) {
      byte[] mapped = new byte[t.length()];
      boolean all = true;
      for (int i = 0; i < t.length() && all; i++) {
        int b = ByteLevelAlphabet.byteOf(t.charAt(i));
        all = b >= 0;
        mapped[i] = (byte) b;
      }
      // HF takes a token whose characters are not all in the alphabet as its own UTF-8, whole.
      byte[] out = all ? mapped : t.getBytes(StandardCharsets.UTF_8);
      bytes.write(out, 0, out.length);
    }
    return List.of(decodeLossy(bytes.toByteArray()));
  }

  /** Rust's {@code String::from_utf8_lossy}: one U+FFFD per maximal invalid subsequence, as Java's decoder does. */
  static String decodeLossy(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
