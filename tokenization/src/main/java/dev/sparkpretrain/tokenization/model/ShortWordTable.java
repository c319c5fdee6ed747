package dev.sparkpretrain.tokenization.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Words of up to 14 characters (each below U+01FF: Latin scripts and byte-level alphabets) packed into two
 * longs, mapped to a token id. Most words of prose are such words ("Ġthe", "government"), and one probe
 * of flat arrays answers them without walking a trie, merging or hashing a string.
 *
 * <p>Models decide what a hit means: WordPiece enters every vocabulary entry (a whole-word match is what
 * greedy longest-match gives), BPE only tokens whose characters merge back into themselves.
 */
public final class ShortWordTable implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Characters per long: 7 × 9 bits. */
  private static final int PER_LONG = 7;
  public static final int MAX_CHARS = 2 * PER_LONG;

  private final long[] lows;
  private final long[] highs;
  private final int[] ids;
  private final int mask;

  public ShortWordTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(16, capacity * 2)) * 2;
    lows = new long[cap];
    highs = new long[cap];
    ids = new int[cap];
    mask = cap - 1;
    Arrays.fill(ids, -1);
  }

  /** True when {@code chars[start, end)} can be packed. */
  public static boolean fits(char[] chars, int start, int end) {
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
  public static long pack(char[] chars, int start, int end, boolean high) {
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

  /** Enters a word; a later entry for the same word replaces the earlier one. */
  public void put(long low, long high, int id) {
    int s = slot(low, high);
    while (ids[s] >= 0 && !(lows[s] == low && highs[s] == high)) {
      s = (s + 1) & mask;
    }
    lows[s] = low;
    highs[s] = high;
    ids[s] = id;
  }

  /** The id of the word packed as (low, high), or -1. */
  public int get(long low, long high) {
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
