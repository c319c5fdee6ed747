package dev.sparkpretrain.objective;

import java.util.ArrayList;
import java.util.List;

/**
 * GPT causal-LM packing: documents joined with the end-of-text token into one stream, cut into windows of
 * {@code seqLen + 1} ids (inputs are ids[0..seqLen), labels ids[1..seqLen]). Only the very last window of the
 * stream may be short; nothing is padded here.
 */
public final class GptPacking {
  private final int window;
  private final int endOfText;
  private int[] current;
  private int filled;

  public GptPacking(int seqLen, int endOfText) {
    if (seqLen < 1) {
      throw new IllegalArgumentException("seqLen must be >= 1, got " + seqLen);
    }
    this.window = seqLen + 1;
    this.endOfText = endOfText;
    this.current = new int[window];
  }

  /** Appends a document followed by end-of-text; returns the windows it completed. */
  public List<int[]> add(int[] document) {
    List<int[]> full = new ArrayList<>();
    for (int id : document) {
      push(id, full);
    }
    push(endOfText, full);
    return full;
  }

  private void push(int id, List<int[]> full) {
    current[filled++] = id;
    if (filled == window) {
      full.add(current);
      current = new int[window];
      filled = 0;
    }
  }

  /** The last, possibly short, window (empty when the stream ended on a window boundary). */
  public int[] finish() {
    int[] last = java.util.Arrays.copyOf(current, filled);
    filled = 0;
    return last;
  }
}
