package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SentencePiece's own normalizer ({@code normalizer.cc}), for {@code .model} files: at each position the
 * longest charsmap rule (or a user-defined symbol, kept verbatim) rewrites the input; leading, trailing and
 * repeated spaces are dropped ({@code removeExtraWhitespaces}); a space is put in front
 * ({@code addDummyPrefix}); spaces become '▁' ({@code escapeWhitespaces}). It works on UTF-8 bytes as
 * SentencePiece does, and aligns each output character with the input span its rule consumed.
 *
 * <p>Not an HF type: HF describes the same steps with {@code Precompiled}, {@code Replace}, {@code Strip}
 * and a {@code Metaspace} pre-tokenizer, which is what {@link #hfNormalizer()} and the writer produce.
 */
public final class SentencePieceNormalizer implements Normalizer {
  private static final long serialVersionUID = 1L;
  private static final char SPACE_SYMBOL = '\u2581';

  private final PrecompiledCharsMap charsMap;
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final boolean escapeWhitespaces;
  private final List<String> userDefinedSymbols;
  private final byte[][] userDefinedBytes;

  /** @param charsMap null for the identity ("identity" normalization rule) */
  public SentencePieceNormalizer(PrecompiledCharsMap charsMap, boolean addDummyPrefix,
                                 boolean removeExtraWhitespaces, boolean escapeWhitespaces,
                                 List<String> userDefinedSymbols) {
    this.charsMap = charsMap;
    this.addDummyPrefix = addDummyPrefix;
    this.removeExtraWhitespaces = removeExtraWhitespaces;
    this.escapeWhitespaces = escapeWhitespaces;
    // Longest first: SentencePiece's prefix matcher takes the longest user-defined symbol at a position.
    List<String> sorted = new java.util.ArrayList<>(userDefinedSymbols);
    sorted.sort(java.util.Comparator.comparingInt((String x) -> x.getBytes(StandardCharsets.UTF_8).length)
        .reversed());
    this.userDefinedSymbols = List.copyOf(sorted);
    userDefinedBytes = new byte[this.userDefinedSymbols.size()][];
    for (int i = 0; i < userDefinedBytes.length; i++) {
      userDefinedBytes[i] = this.userDefinedSymbols.get(i).getBytes(StandardCharsets.UTF_8);
    }
  }

  public PrecompiledCharsMap charsMap() {
    return charsMap;
  }

  public boolean addDummyPrefix() {
    return addDummyPrefix;
  }

  public boolean removeExtraWhitespaces() {
    return removeExtraWhitespaces;
  }

  public boolean escapeWhitespaces() {
    return escapeWhitespaces;
  }

  public List<String> userDefinedSymbols() {
    return userDefinedSymbols;
  }

  /** The HF normalizer describing the same steps (the Metaspace pre-tokenizer does the rest). */
  public Normalizer hfNormalizer() {
    List<Normalizer> steps = new java.util.ArrayList<>();
    if (charsMap != null) {
      steps.add(new Precompiled(charsMap));
    }
    if (removeExtraWhitespaces) {
      steps.add(new Replace(Replace.Pattern.regex(" {2,}"), " "));
      steps.add(new Strip(true, true));
    }
    return new NormalizerSequence(steps);
  }

  /** UTF-8 of the input with, per byte, the UTF-16 index of the character it belongs to. */
  private record Utf8(byte[] bytes, int[] unitOf, int length) {}

  private static Utf8 utf8(NormalizedString in) {
    byte[] bytes = new byte[in.length() * 3 + 4];
    int[] unitOf = new int[bytes.length];
    int n = 0;
    for (int i = 0; i < in.length(); ) {
      int cp = in.codePointAt(i);
      int before = n;
      if (cp < 0x80) {
        bytes[n++] = (byte) cp;
      } else if (cp < 0x800) {
        bytes[n++] = (byte) (0xC0 | (cp >> 6));
        bytes[n++] = (byte) (0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        bytes[n++] = (byte) (0xE0 | (cp >> 12));
        bytes[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        bytes[n++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        bytes[n++] = (byte) (0xF0 | (cp >> 18));
        bytes[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        bytes[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        bytes[n++] = (byte) (0x80 | (cp & 0x3F));
      }
      for (int b = before; b < n; b++) {
        unitOf[b] = i;
      }
      i += Character.charCount(cp);
    }
    return new Utf8(bytes, unitOf, n);
  }

  @Override
  public NormalizedString normalize(NormalizedString in) {
    Utf8 u = utf8(in);
    NormalizedString out = new NormalizedString(in.length() + 8);
    long[] matches = new long[32];
    int pos = 0;
    if (removeExtraWhitespaces) {
      while (pos < u.length) {
        long p = prefix(u, pos, matches);
        if (!" ".equals(replacement(u, pos, p))) {
          break;
        }
        pos += consumed(p);
      }
    }
    if (pos >= u.length) {
      return out;
    }
    if (addDummyPrefix) {
      // SentencePiece aligns the dummy prefix with the first kept character.
      int at = u.unitOf[pos];
      appendSpace(out, in.originalStart(at), in.originalEnd(at));
    }
    boolean prevSpace = removeExtraWhitespaces;
    while (pos < u.length) {
      long p = prefix(u, pos, matches);
      int consumed = consumed(p);
      String sp = replacement(u, pos, p);
      int start = in.originalStart(u.unitOf[pos]);
      int end = in.originalEnd(u.unitOf[pos + consumed - 1]);
      int k = 0;
      while (prevSpace && k < sp.length() && sp.charAt(k) == ' ') {
        k++;
      }
      if (k < sp.length()) {
        for (int i = k; i < sp.length(); i++) {
          char c = sp.charAt(i);
          if (c == ' ') {
            appendSpace(out, start, end);
          } else {
            out.appendUnit(c, start, end);
          }
        }
        prevSpace = sp.charAt(sp.length() - 1) == ' ';
      }
      pos += consumed;
      if (!removeExtraWhitespaces) {
        prevSpace = false;
      }
    }
    if (removeExtraWhitespaces) {
      char space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
      int n = out.length();
      while (n > 0 && out.charAt(n - 1) == space) {
        n--;
      }
      if (n < out.length()) {
        NormalizedString trimmed = new NormalizedString(n);
        trimmed.append(out, 0, n);
        out = trimmed;
      }
    }
    return out;
  }

  private void appendSpace(NormalizedString out, int start, int end) {
    out.appendUnit(escapeWhitespaces ? SPACE_SYMBOL : ' ', start, end);
  }

  private static final long FROM_CHARSMAP = 1L << 31;

  /**
   * SentencePiece's {@code NormalizePrefix}: a user-defined symbol verbatim, else the longest charsmap rule,
   * else one character unchanged. Returns the bytes consumed, with {@link #FROM_CHARSMAP} and the rule's
   * value in the high half when a rule matched.
   */
  private long prefix(Utf8 u, int pos, long[] matches) {
    for (byte[] symbol : userDefinedBytes) {
      if (startsWith(u, pos, symbol)) {
        return symbol.length;
      }
    }
    if (charsMap != null) {
      int n = charsMap.prefixMatches(u.bytes, pos, u.length, matches);
      if (n > 0) {
        long longest = matches[n - 1]; // shortest first, so the last is the longest
        return FROM_CHARSMAP | (longest >>> 32) | ((longest & 0xFFFFFFFFL) << 32);
      }
    }
    int b = u.bytes[pos] & 0xFF;
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }

  private static int consumed(long p) {
    return (int) (p & 0x7FFFFFFF);
  }

  private String replacement(Utf8 u, int pos, long p) {
    if ((p & FROM_CHARSMAP) != 0) {
      return charsMap.replacement((int) (p >>> 32));
    }
    int n = consumed(p);
    if (n == 1) {
      return ASCII[u.bytes[pos]];
    }
    return new String(u.bytes, pos, n, StandardCharsets.UTF_8);
  }

  private static final String[] ASCII = new String[128];

  static {
    for (int i = 0; i < 128; i++) {
      ASCII[i] = String.valueOf((char) i);
    }
  }

  private static boolean startsWith(Utf8 u, int pos, byte[] symbol) {
    if (pos + symbol.length > u.length) {
      return false;
    }
    for (int i = 0; i < symbol.length; i++) {
      if (u.bytes[pos + i] != symbol[i]) {
        return false;
      }
    }
    return true;
  }
}
