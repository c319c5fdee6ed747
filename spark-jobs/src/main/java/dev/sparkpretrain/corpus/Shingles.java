package dev.sparkpretrain.corpus;

import java.util.Arrays;

/**
 * A document as the set of its character k-grams (shingles), hashed to indices in [0, 2^30): the input of
 * MinHash near-duplicate detection. Case and runs of whitespace are ignored, so re-cased or re-wrapped copies
 * still match. Linear in the text length whatever k is (a rolling hash).
 *
 * <pre>{@code
 * int[] a = Shingles.indices("The quick brown fox", 5);  // sorted, distinct
 * }</pre>
 */
public final class Shingles {
  /** Size of the index space: below MLlib MinHashLSH's prime (2038074743), which bounds the input dimension. */
  public static final int DIMENSION = 1 << 30;
  private static final long BASE = 0x100000001B3L; // an odd multiplier (FNV's prime) for the polynomial hash

  private Shingles() {}

  /** Sorted, distinct shingle indices of {@code text}; a text shorter than {@code k} is one shingle. */
  public static int[] indices(String text, int k) {
    Window window = new Window(k, text.length());
    boolean pendingSpace = false; // a whitespace run counts as one space, and only between non-spaces
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        pendingSpace = window.filled > 0;
        continue;
      }
      if (pendingSpace) {
        window.push(' ');
        pendingSpace = false;
      }
      window.push(Character.toLowerCase(c));
    }
    return window.distinctIndices();
  }

  /** The last k characters and their polynomial hash, updated in O(1) per character. */
  private static final class Window {
    private final char[] ring;
    private final long outWeight; // BASE^(k-1): the weight of the character leaving the window
    private final int[] indices;
    private int count;
    private long hash;
    int filled;

    Window(int k, int maxChars) {
      ring = new char[k];
      long w = 1;
      for (int i = 1; i < k; i++) {
        w *= BASE;
      }
      outWeight = w;
      indices = new int[Math.max(1, maxChars - k + 1)];
    }

    void push(char c) {
      int slot = filled % ring.length;
      if (filled >= ring.length) {
        hash -= ring[slot] * outWeight;
      }
      hash = hash * BASE + c;
      ring[slot] = c;
      filled++;
      if (filled >= ring.length) {
        indices[count++] = index(hash);
      }
    }

    int[] distinctIndices() {
      if (count == 0) {
        indices[count++] = index(hash); // shorter than one shingle: the whole (normalized) text
      }
      int[] sorted = Arrays.copyOf(indices, count);
      Arrays.sort(sorted);
      int distinct = 0;
      for (int i = 0; i < sorted.length; i++) {
        if (i == 0 || sorted[i] != sorted[i - 1]) {
          sorted[distinct++] = sorted[i];
        }
      }
      return Arrays.copyOf(sorted, distinct);
    }
  }

  private static int index(long hash) {
    return (int) (ContentHash.mix(0, hash) >>> 34); // 30 bits
  }
}
