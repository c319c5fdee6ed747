package dev.sparkpretrain.objective;

/** A growable boolean array with cheap removal at both ends, parallel to {@link IntList}. */
final class BoolList {
  private boolean[] data = new boolean[64];
  private int start;
  private int end;

  void addAll(boolean[] values) {
    if (end + values.length > data.length) {
      int size = end - start;
      boolean[] next = new boolean[Math.max(data.length * 2, size + values.length)];
      System.arraycopy(data, start, next, 0, size);
      data = next;
      start = 0;
      end = size;
    }
    System.arraycopy(values, 0, data, end, values.length);
    end += values.length;
  }

  boolean get(int i) {
    return data[start + i];
  }

  void removeFirst() {
    start++;
  }

  void removeLast() {
    end--;
  }
}
