package dev.sparkpretrain.tokenization.pretokenize;

/**
 * GPT-2's {@code bytes_to_unicode}: each of the 256 byte values as a printable character, so byte-level
 * tokens are ordinary strings. Printable Latin-1 bytes map to themselves; the other 68 (controls, space,
 * NBSP, soft hyphen) map to U+0100 upwards in byte order, which is why a space shows as 'Ġ' (U+0120).
 */
public final class ByteLevelAlphabet {
  private ByteLevelAlphabet() {}

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[324];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      char c = (char) (printable ? b : next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  /** The character standing for byte {@code b} (0..255). */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** The byte a character stands for, or -1 when it is not in the alphabet. */
  public static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /** All 256 characters, in byte order. */
  public static java.util.List<String> all() {
    java.util.List<String> out = new java.util.ArrayList<>(256);
    for (char c : BYTE_TO_CHAR) {
      out.add(String.valueOf(c));
    }
    return out;
  }
}
