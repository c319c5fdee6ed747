package dev.sparkpretrain.tokenization.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;

/**
 * A trie over UTF-16 units mapping strings to ids, for longest-prefix matching without allocating
 * substrings. Transitions live in one open-addressing table keyed by (node, char); the root's ASCII
 * children are a direct array because most lookups start there.
 */
public final class CharTrie implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Node id of the root. */
  public static final int ROOT = 0;
  /** Returned by {@link #child} when there is no transition. */
  public static final int NONE = -1;

  private long[] keys;
  private int[] children;
  private int mask;
  private int[] values = new int[64];
  private int nodes = 1;
  private int transitions;
  private final int[] rootAscii = new int[128];

  public CharTrie(Map<String, Integer> entries) {
    int cap = Integer.highestOneBit(Math.max(16, entries.size() * 8)) * 2;
    keys = new long[cap];
    children = new int[cap];
    mask = cap - 1;
    Arrays.fill(keys, -1L);
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
    if ((transitions + 1) * 2 > keys.length) {
      grow();
    }
    long key = ((long) node << 16) | c;
    int slot = slot(key);
    while (keys[slot] != -1L) {
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    children[slot] = next;
    transitions++;
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldChildren = children;
    keys = new long[oldKeys.length * 2];
    children = new int[keys.length];
    mask = keys.length - 1;
    Arrays.fill(keys, -1L);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != -1L) {
        int slot = slot(oldKeys[i]);
        while (keys[slot] != -1L) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        children[slot] = oldChildren[i];
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
    long key = ((long) node << 16) | c;
    int slot = slot(key);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return children[slot];
      }
      if (k == -1L) {
        return NONE;
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
