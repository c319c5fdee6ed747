package dev.sparkpretrain.tokenization.normalize;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece's {@code precompiled_charsmap}: a Darts-clone double-array trie over UTF-8 byte strings
 * whose values point into a blob of NUL-terminated replacement strings. Layout: a little-endian uint32
 * trie size in bytes, the trie's uint32 units, then the replacement blob.
 */
public final class PrecompiledCharsMap implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] raw;
  private final int[] units;
  private final byte[] normalized;
  private final String[] decoded;

  public PrecompiledCharsMap(byte[] raw) {
    this.raw = raw.clone();
    if (raw.length < 4) {
      throw new IllegalArgumentException("precompiled_charsmap: shorter than its 4-byte header");
    }
    int trieSize = le32(raw, 0);
    if (trieSize < 0 || trieSize % 4 != 0 || 4 + trieSize > raw.length) {
      throw new IllegalArgumentException("precompiled_charsmap: trie size " + trieSize + " does not fit in "
          + raw.length + " bytes");
    }
    units = new int[trieSize / 4];
    for (int i = 0; i < units.length; i++) {
      units[i] = le32(raw, 4 + 4 * i);
    }
    normalized = Arrays.copyOfRange(raw, 4 + trieSize, raw.length);
    // Every string start, decoded once: normalizing looks one up per input character.
    decoded = new String[normalized.length];
    for (int i = 0; i < normalized.length; i = next(i)) {
      decoded[i] = decode(i);
    }
  }

  private int next(int i) {
    while (i < normalized.length && normalized[i] != 0) {
      i++;
    }
    return i + 1;
  }

  private static int le32(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
  }

  /** The bytes as stored in the model, for writers. */
  public byte[] raw() {
    return raw.clone();
  }

  /**
   * Darts-clone {@code commonPrefixSearch} over {@code key[from, to)}: every entry that is a prefix, shortest
   * first, as {@code length << 32 | value} in {@code out}; returns how many.
   */
  public int prefixMatches(byte[] key, int from, int to, long[] out) {
    if (units.length == 0) {
      return 0;
    }
    int found = 0;
    int nodePos = 0;
    int unit = units[0];
    nodePos ^= offset(unit);
    for (int i = from; i < to; i++) {
      int label = key[i] & 0xFF;
      nodePos ^= label;
      if (nodePos < 0 || nodePos >= units.length) {
        return found;
      }
      unit = units[nodePos];
      if (labelOf(unit) != label) {
        return found;
      }
      nodePos ^= offset(unit);
      if (hasLeaf(unit)) {
        if (found < out.length && nodePos >= 0 && nodePos < units.length) {
          out[found] = ((long) (i + 1 - from) << 32) | valueOf(units[nodePos]);
        }
        found++;
      }
    }
    return Math.min(found, out.length);
  }

  /** The replacement string stored at {@code value}. */
  public String replacement(int value) {
    String s = value >= 0 && value < decoded.length ? decoded[value] : null;
    return s != null ? s : decode(value);
  }

  private String decode(int value) {
    int end = value;
    while (end < normalized.length && normalized[end] != 0) {
      end++;
    }
    return new String(normalized, value, end - value, StandardCharsets.UTF_8);
  }

  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int valueOf(int unit) {
    return unit & 0x7FFFFFFF;
  }

  private static int labelOf(int unit) {
    return unit & (0x80000000 | 0xFF);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PrecompiledCharsMap p && Arrays.equals(raw, p.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }
}
