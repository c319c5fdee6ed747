package dev.sparkpretrain.tokenization.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * HF decoder type {@code Strip}: removes up to {@code start} leading and up to {@code stop} trailing
 * {@code content} characters from each token (Llama's form strips the space its '▁' prefix left).
 */
public final class StripDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  private final int content;
  private final int start;
  private final int stop;

  /** @param content one character (a code point) */
  public StripDecoder(int content, int start, int stop) {
    if (start < 0 || stop < 0) {
      throw new IllegalArgumentException("start and stop must be >= 0, got " + start + ", " + stop);
    }
    this.content = content;
    this.start = start;
    this.stop = stop;
  }

  public int content() {
    return content;
  }

  public int start() {
    return start;
  }

  public int stop() {
    return stop;
  }

  @Override
  public List<String> decodeChain(List<String> tokens) {
    List<String> out = new ArrayList<>(tokens.size());
    for (String token : tokens) {
      int[] cps = token.codePoints().toArray();
      int from = 0;
      while (from < Math.min(start, cps.length) && cps[from] == content) {
        from++;
      }
      int to = cps.length;
      while (cps.length - to < stop && to > from && cps[to - 1] == content) {
        to--;
      }
      out.add(new String(cps, from, to - from));
    }
    return out;
  }
}
