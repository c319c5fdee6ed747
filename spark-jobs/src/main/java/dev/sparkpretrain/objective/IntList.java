package dev.sparkpretrain.objective;

import java.util.Arrays;

/** A growable int array with cheap removal at both ends (segment truncation). */
final class IntList {
  private int[] data = new int[64];
  private int start;
  private int end;

  void addAll(int[] values) {
    if (end + values.length > data.length) {
      int size = end - start;
      int[] next = new int[Math.max(data.length * 2, size + values.length)];
      System.arraycopy(data, start, next, 0, size);
      data = next;
      start = 0;
      end = size;
    }
    System.arraycopy(values, 0, data, end, values.length);
    end += values.length;
  }

  int size() {
    return end - start;
  }

  int get(int i) {
    return data[start + i];
  }

  void removeFirst() {
    start++;
  }

  void removeLast() {
    end--;
  }

  int[] toArray() {
    return Arrays.copyOfRange(data, start, end);
  }
}
