package dev.sparkpretrain.objective;

import java.util.Arrays;

/**
 * One side (A or B) of a BERT pair while it is built: token ids with their word-start flags, growable at the end
 * and cheap to trim at both ends (segment truncation).
 */
final class Segment {
  private int[] ids = new int[64];
  private boolean[] wordStarts = new boolean[64];
  private int start;
  private int end;

  /** Appends {@code ids[from, to)} and their flags. */
  void add(int[] newIds, boolean[] newStarts, int from, int to) {
    int n = to - from;
    if (end + n > ids.length) {
      int size = end - start;
      int capacity = Math.max(ids.length * 2, size + n);
      ids = Arrays.copyOfRange(ids, start, start + capacity);
      wordStarts = Arrays.copyOfRange(wordStarts, start, start + capacity);
      start = 0;
      end = size;
    }
    System.arraycopy(newIds, from, ids, end, n);
    System.arraycopy(newStarts, from, wordStarts, end, n);
    end += n;
  }

  void add(int[] newIds, boolean[] newStarts) {
    add(newIds, newStarts, 0, newIds.length);
  }

  int size() {
    return end - start;
  }

  int id(int i) {
    return ids[start + i];
  }

  boolean wordStart(int i) {
    return wordStarts[start + i];
  }

  void removeFirst() {
    start++;
  }

  void removeLast() {
    end--;
  }
}
