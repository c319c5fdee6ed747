package dev.sparkpretrain.tokenization.model.bpe;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Words of up to 14 characters (each below U+01FF, which covers byte-level alphabets) packed into two
 * longs, mapped to the single token BPE turns them into. Most words of prose are such words ("Ġthe",
 * "Ġgovernment"), and one probe of flat arrays answers them: no merging, no cache.
 *
 * <p>Only tokens whose own characters merge back into themselves are entered, checked when the model is
 * built; so a hit is exactly what merging would give (tiktoken takes any vocabulary hit on trust).
 */
final class ShortTokenTable implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Characters per long: 7 × 9 bits. */
  private static final int PER_LONG = 7;
  static final int MAX_CHARS = 2 * PER_LONG;

  private final long[] lows;
  private final long[] highs;
  private final int[] ids;
  private final int mask;

  ShortTokenTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(16, capacity * 2)) * 2;
    lows = new long[cap];
    highs = new long[cap];
    ids = new int[cap];
    mask = cap - 1;
    Arrays.fill(ids, -1);
  }

  /** True when {@code chars[start, end)} can be packed. */
  static boolean fits(char[] chars, int start, int end) {
    if (end - start > MAX_CHARS || end == start) {
      return false;
    }
    for (int i = start; i < end; i++) {
      if (chars[i] >= 511) {
        return false;
      }
    }
    return true;
  }

  /** Pack of the first (or with {@code high}, the last) 7 characters; +1 so lengths never collide. */
  static long pack(char[] chars, int start, int end, boolean high) {
    int from = high ? Math.min(end, start + PER_LONG) : start;
    int to = high ? end : Math.min(end, start + PER_LONG);
    long k = 0;
    for (int i = from; i < to; i++) {
      k = (k << 9) | (chars[i] + 1);
    }
    return k;
  }

  private int slot(long low, long high) {
    return (int) (((low * 0x9E3779B97F4A7C15L) ^ (high * 0xC2B2AE3D27D4EB4FL)) >>> 40) & mask;
  }

  void put(long low, long high, int id) {
    int s = slot(low, high);
    while (ids[s] >= 0 && !(lows[s] == low && highs[s] == high)) {
      s = (s + 1) & mask;
    }
    lows[s] = low;
    highs[s] = high;
    ids[s] = id;
  }

  /** The token id, or -1. */
  int get(long low, long high) {
    int s = slot(low, high);
    while (true) {
      int id = ids[s];
      if (id < 0) {
        return -1;
      }
      if (lows[s] == low && highs[s] == high) {
        return id;
      }
      s = (s + 1) & mask;
    }
  }
}
