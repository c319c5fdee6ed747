package dev.sparkpretrain.tokenization.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;

/**
 * A trie over UTF-16 units mapping strings to ids, for longest-prefix matching without allocating
 * substrings. Transitions live in one open-addressing table of longs, each slot packing (node, char) and
 * the child, so a step costs one memory access; the root's ASCII children are a direct array because most
 * lookups start there. Node ids stay below 2^24 (16 million), far above any vocabulary's needs.
 */
public final class CharTrie implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Node id of the root. */
  public static final int ROOT = 0;
  /** Returned by {@link #child} when there is no transition. */
  public static final int NONE = -1;

  private static final int CHILD_BITS = 24;
  private static final long CHILD_MASK = (1L << CHILD_BITS) - 1;
  /** Slot layout: node (24 bits) | char (16 bits) | child (24 bits); 0 is empty (no child is the root). */
  private long[] slots;
  private int mask;
  private int[] values = new int[64];
  private int nodes = 1;
  private int transitions;
  private final int[] rootAscii = new int[128];

  public CharTrie(Map<String, Integer> entries) {
    int cap = Integer.highestOneBit(Math.max(16, entries.size() * 8)) * 2;
    slots = new long[cap];
    mask = cap - 1;
    Arrays.fill(values, -1);
    Arrays.fill(rootAscii, NONE);
    for (Map.Entry<String, Integer> e : entries.entrySet()) {
      put(e.getKey(), e.getValue());
    }
  }

  private void put(String s, int value) {
    int node = ROOT;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int next = child(node, c);
      if (next == NONE) {
        if (nodes == CHILD_MASK) {
          throw new IllegalArgumentException("vocabulary too large for a trie of 2^24 nodes");
        }
        next = nodes++;
        if (next == values.length) {
          int old = values.length;
          values = Arrays.copyOf(values, old * 2);
          Arrays.fill(values, old, values.length, -1);
        }
        insert(node, c, next);
      }
      node = next;
    }
    values[node] = value;
  }

  private void insert(int node, char c, int next) {
    if (node == ROOT && c < 128) {
      rootAscii[c] = next;
      return;
    }
    if ((transitions + 1) * 2 > slots.length) {
      grow();
    }
    long key = key(node, c);
    int slot = slot(key);
    while (slots[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    slots[slot] = (key << CHILD_BITS) | next;
    transitions++;
  }

  private static long key(int node, char c) {
    return ((long) node << 16) | c;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    mask = slots.length - 1;
    for (long entry : old) {
      if (entry != 0) {
        int slot = slot(entry >>> CHILD_BITS);
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = entry;
      }
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 40) & mask;
  }

  /** The node reached from {@code node} by {@code c}, or {@link #NONE}. */
  public int child(int node, char c) {
    if (node == ROOT && c < 128) {
      return rootAscii[c];
    }
    long key = key(node, c);
    int slot = slot(key);
    while (true) {
      long entry = slots[slot];
      if (entry == 0) {
        return NONE;
      }
      if ((entry >>> CHILD_BITS) == key) {
        return (int) (entry & CHILD_MASK);
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The node reached from {@code node} by all of {@code s}, or {@link #NONE}. */
  public int walk(int node, CharSequence s) {
    int n = node;
    for (int i = 0; i < s.length() && n != NONE; i++) {
      n = child(n, s.charAt(i));
    }
    return n;
  }

  /** The id stored at {@code node}, or -1 when no entry ends there. */
  public int value(int node) {
    return values[node];
  }
}
