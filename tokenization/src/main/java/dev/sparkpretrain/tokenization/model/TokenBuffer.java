package dev.sparkpretrain.tokenization.model;

import java.util.Arrays;

/**
 * Growable (id, start, end) triples that models append to, one buffer per encode call so tokenizing
 * allocates per document rather than per token. {@link #truncate} lets a model take back pieces of a word
 * it then maps to the unknown token.
 */
public final class TokenBuffer {
  private int[] ids;
  private int[] starts;
  private int[] ends;
  private int size;

  public TokenBuffer(int capacity) {
    int c = Math.max(capacity, 8);
    ids = new int[c];
    starts = new int[c];
    ends = new int[c];
  }

  public void add(int id, int start, int end) {
    if (size == ids.length) {
      int c = size * 2;
      ids = Arrays.copyOf(ids, c);
      starts = Arrays.copyOf(starts, c);
      ends = Arrays.copyOf(ends, c);
    }
    ids[size] = id;
    starts[size] = start;
    ends[size] = end;
    size++;
  }

  public int size() {
    return size;
  }

  public void truncate(int newSize) {
    size = newSize;
  }

  /** The ids, in order, as a new array. */
  public int[] ids() {
    return Arrays.copyOf(ids, size);
  }

  public int id(int i) {
    return ids[i];
  }

  public int start(int i) {
    return starts[i];
  }

  public int end(int i) {
    return ends[i];
  }
}
