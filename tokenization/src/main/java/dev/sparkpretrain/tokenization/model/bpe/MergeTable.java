package dev.sparkpretrain.tokenization.model.bpe;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Merge ranks: (left id, right id) → (rank, merged id), in one open-addressing table of longs so a lookup
 * neither boxes nor allocates.
 */
final class MergeTable implements Serializable {
  private static final long serialVersionUID = 1L;
  static final long ABSENT = -1L;

  private final long[] keys;
  private final long[] values;
  private final int mask;

  MergeTable(int capacity) {
    int cap = Integer.highestOneBit(Math.max(16, capacity * 2)) * 2;
    keys = new long[cap];
    values = new long[cap];
    mask = cap - 1;
    Arrays.fill(keys, -1L);
  }

  private static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  private int slot(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
  }

  /** Adds a merge unless the pair already has one (the first, lowest rank wins, as in HF). */
  void put(int left, int right, int rank, int merged) {
    long k = key(left, right);
    int s = slot(k);
    while (keys[s] != -1L) {
      if (keys[s] == k) {
        return;
      }
      s = (s + 1) & mask;
    }
    keys[s] = k;
    values[s] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
  }

  /** {@code rank << 32 | merged id}, or {@link #ABSENT}. */
  long get(int left, int right) {
    long k = key(left, right);
    int s = slot(k);
    while (true) {
      long x = keys[s];
      if (x == k) {
        return values[s];
      }
      if (x == -1L) {
        return ABSENT;
      }
      s = (s + 1) & mask;
    }
  }
}
