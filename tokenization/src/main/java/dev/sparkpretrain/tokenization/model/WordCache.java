package dev.sparkpretrain.tokenization.model;

/**
 * A fixed-size, direct-mapped cache from a word (a range of a char array) to its tokens, shared by all
 * threads without locks: slots hold immutable entries, a colliding word simply replaces the old one. A
 * lookup hashes the chars in place and allocates nothing; only a miss allocates (the entry).
 *
 * <p>Each entry stores (id, start, end) triples relative to the word's start: tokens may share a span (the
 * byte-fallback tokens of one character all cover that character), so offsets are not lengths summed.
 */
public final class WordCache {
  private static final class Entry {
    final char[] key;
    final int hash;
    final int[] tokens;

    Entry(char[] key, int hash, int[] tokens) {
      this.key = key;
      this.hash = hash;
      this.tokens = tokens;
    }
  }

  private final Entry[] slots;
  private final int mask;
  private final int maxWordLength;

  /** @param capacityPow2 number of slots, a power of two */
  public WordCache(int capacityPow2, int maxWordLength) {
    if (Integer.bitCount(capacityPow2) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two, got " + capacityPow2);
    }
    slots = new Entry[capacityPow2];
    mask = capacityPow2 - 1;
    this.maxWordLength = maxWordLength;
  }

  public boolean accepts(int length) {
    return length <= maxWordLength;
  }

  public static int hash(char[] chars, int start, int end) {
    int h = 0;
    for (int i = start; i < end; i++) {
      h = 31 * h + chars[i];
    }
    return h ^ (h >>> 16);
  }

  /** Appends the cached tokens of {@code chars[start, end)} to {@code out}; false on a miss. */
  public boolean appendIfPresent(char[] chars, int start, int end, int hash, TokenBuffer out) {
    Entry e = slots[hash & mask];
    if (e == null || e.hash != hash || e.key.length != end - start) {
      return false;
    }
    char[] k = e.key;
    for (int i = 0; i < k.length; i++) {
      if (k[i] != chars[start + i]) {
        return false;
      }
    }
    int[] t = e.tokens;
    for (int i = 0; i < t.length; i += 3) {
      out.add(t[i], start + t[i + 1], start + t[i + 2]);
    }
    return true;
  }

  /** Remembers the tokens {@code out[from, size)} of {@code chars[start, end)}. */
  public void put(char[] chars, int start, int end, int hash, TokenBuffer out, int from) {
    int n = out.size() - from;
    int[] tokens = new int[3 * n];
    for (int i = 0; i < n; i++) {
      tokens[3 * i] = out.id(from + i);
      tokens[3 * i + 1] = out.start(from + i) - start;
      tokens[3 * i + 2] = out.end(from + i) - start;
    }
    slots[hash & mask] = new Entry(java.util.Arrays.copyOfRange(chars, start, end), hash, tokens);
  }
}
