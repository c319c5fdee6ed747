package dev.sparkpretrain.tokenization.decode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HF decoder type {@code ByteFallback}: runs of {@code <0xXX>} tokens become the text their bytes spell; a
 * run that is not valid UTF-8 becomes one U+FFFD per byte, as in HF.
 */
public final class ByteFallbackDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  @Override
  public List<String> decodeChain(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    int runTokens = 0;
    for (String t : tokens) {
      int b = byteOf(t);
      if (b >= 0) {
        run.write(b);
        runTokens++;
        continue;
      }
      flush(run, runTokens, out);
      runTokens = 0;
      out.add(t);
    }
    flush(run, runTokens, out);
    return out;
  }

  private static void flush(ByteArrayOutputStream run, int runTokens, List<String> out) {
    if (runTokens == 0) {
      return;
    }
    byte[] bytes = run.toByteArray();
    run.reset();
    java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
    try {
      out.add(d.decode(java.nio.ByteBuffer.wrap(bytes)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      for (int i = 0; i < runTokens; i++) {
        out.add("\uFFFD");
      }
    }
  }

  /** The byte of a {@code <0xXX>} token, or -1. */
  static int byteOf(String t) {
    if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
      return -1;
    }
    try {
      return Integer.parseInt(t.substring(3, 5), 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
