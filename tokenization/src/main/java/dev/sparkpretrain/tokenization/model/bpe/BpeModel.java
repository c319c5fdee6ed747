package dev.sparkpretrain.tokenization.model.bpe;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.ShortWordTable;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.WordCache;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * HF type {@code BPE}: a word starts as its characters (the first as is, the others with
 * {@code continuingSubwordPrefix}, the last with {@code endOfWordSuffix}); then the adjacent pair with the
 * lowest merge rank is merged, leftmost first, until no pair has a rank. Characters missing from the
 * vocabulary become their {@code <0xXX>} byte tokens ({@code byteFallback}), the unknown token (runs of
 * them fused with {@code fuseUnk}) or, without an unknown token, nothing, as in HF.
 *
 * <p>Merging uses a heap of candidate pairs over a linked list of symbols, so a word of n characters costs
 * O(n log n) (a 10 MB word without spaces included). Results per word are cached, as HF does.
 */
public final class BpeModel implements TokenModel {
  private static final long serialVersionUID = 1L;
  /** Slots of the word cache (HF caches 10,000 words); a direct-mapped cache wants some slack. */
  private static final int CACHE_SLOTS = 1 << 15;
  /** Longer words are not cached: they are rare and would pin memory. */
  private static final int CACHE_MAX_WORD = 64;

  private final Vocabulary vocabulary;
  private final List<String[]> merges;
  private final String unkToken;
  private final String continuingSubwordPrefix;
  private final String endOfWordSuffix;
  private final boolean fuseUnk;
  private final boolean byteFallback;
  private final boolean ignoreMerges;
  private final MergeTable mergeTable;
  private final int unkId;
  /** Id of each single-unit character token (no prefix/suffix involved), or -1; covers byte-level alphabets. */
  private final int[] charIds = new int[0x800];
  private final ShortWordTable shortTokens;
  private transient WordCache cache = new WordCache(CACHE_SLOTS, CACHE_MAX_WORD);

  /**
   * @param merges pairs of token strings in rank order
   * @param unkToken may be null
   * @param continuingSubwordPrefix may be null (none)
   * @param endOfWordSuffix may be null (none)
   */
  public BpeModel(Vocabulary vocabulary, List<String[]> merges, String unkToken, String continuingSubwordPrefix,
                  String endOfWordSuffix, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
    this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
    this.merges = List.copyOf(merges);
    this.unkToken = unkToken;
    this.continuingSubwordPrefix = continuingSubwordPrefix == null ? "" : continuingSubwordPrefix;
    this.endOfWordSuffix = endOfWordSuffix == null ? "" : endOfWordSuffix;
    this.fuseUnk = fuseUnk;
    this.byteFallback = byteFallback;
    this.ignoreMerges = ignoreMerges;
    this.unkId = unkToken == null ? -1 : vocabulary.id(unkToken);
    if (unkToken != null && unkId < 0) {
      throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the BPE vocab");
    }
    mergeTable = new MergeTable(this.merges.size());
    for (int rank = 0; rank < this.merges.size(); rank++) {
      String[] m = this.merges.get(rank);
      int left = vocabulary.id(m[0]);
      int right = vocabulary.id(m[1]);
      String right2 = m[1].startsWith(this.continuingSubwordPrefix)
          ? m[1].substring(this.continuingSubwordPrefix.length()) : m[1];
      int merged = vocabulary.id(m[0] + right2);
      if (left < 0 || right < 0 || merged < 0) {
        String missing = left < 0 ? m[0] : right < 0 ? m[1] : m[0] + right2;
        throw new IllegalArgumentException("merges[" + rank + "] (" + m[0] + " " + m[1] + "): '" + missing
            + "' is not in the vocab");
      }
      mergeTable.put(left, right, rank, merged);
    }
    Arrays.fill(charIds, -1);
    for (char c = 0; c < charIds.length; c++) {
      charIds[c] = vocabulary.id(String.valueOf(c));
    }
    shortTokens = buildShortTokens();
  }

  /** Vocabulary entries of up to 14 characters that merging turns back into themselves. */
  private ShortWordTable buildShortTokens() {
    ShortWordTable table = new ShortWordTable(vocabulary.size());
    if (!continuingSubwordPrefix.isEmpty() || !endOfWordSuffix.isEmpty()) {
      return table; // words and tokens are spelled differently there; leave it empty
    }
    TokenBuffer out = new TokenBuffer(8);
    for (int id = 0; id < vocabulary.idLimit(); id++) {
      String token = vocabulary.token(id);
      if (token == null || token.isEmpty()) {
        continue;
      }
      char[] chars = token.toCharArray();
      if (!ShortWordTable.fits(chars, 0, chars.length)) {
        continue;
      }
      NormalizedString word = NormalizedString.of(token, 0, token.length());
      out.truncate(0);
      merge(word, 0, word.length(), out);
      if (out.size() == 1 && out.id(0) == id) {
        table.put(ShortWordTable.pack(chars, 0, chars.length, false),
            ShortWordTable.pack(chars, 0, chars.length, true), id);
      }
    }
    return table;
  }

  public List<String[]> merges() {
    return merges;
  }

  public String unkToken() {
    return unkToken;
  }

  public String continuingSubwordPrefix() {
    return continuingSubwordPrefix;
  }

  public String endOfWordSuffix() {
    return endOfWordSuffix;
  }

  public boolean fuseUnk() {
    return fuseUnk;
  }

  public boolean byteFallback() {
    return byteFallback;
  }

  public boolean ignoreMerges() {
    return ignoreMerges;
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    cache = new WordCache(CACHE_SLOTS, CACHE_MAX_WORD);
  }

  @Override
  public void tokenize(NormalizedString text, int start, int end, TokenBuffer out) {
    if (start >= end) {
      return;
    }
    char[] chars = text.buffer();
    if (ShortWordTable.fits(chars, start, end)) {
      int id = shortTokens.get(ShortWordTable.pack(chars, start, end, false),
          ShortWordTable.pack(chars, start, end, true));
      if (id >= 0) {
        out.add(id, start, end);
        return;
      }
    }
    boolean cacheable = cache.accepts(end - start);
    int hash = 0;
    if (cacheable) {
      hash = WordCache.hash(chars, start, end);
      if (cache.appendIfPresent(chars, start, end, hash, out)) {
        return;
      }
    }
    int mark = out.size();
    int whole = ignoreMerges ? vocabulary.id(text.substring(start, end)) : -1;
    if (whole >= 0) {
      out.add(whole, start, end);
    } else {
      merge(text, start, end, out);
    }
    if (cacheable) {
      cache.put(chars, start, end, hash, out, mark);
    }
  }

  /** Initial symbols, then merges by rank; emits the surviving symbols. */
  private void merge(NormalizedString text, int start, int end, TokenBuffer out) {
    // A character becomes at most 4 byte tokens with byte fallback, otherwise at most one symbol.
    int cap = byteFallback ? 4 * (end - start) : end - start;
    int[] ids = new int[cap];
    int[] starts = new int[cap];
    int[] ends = new int[cap];
    int n = initialSymbols(text, start, end, ids, starts, ends);
    if (n == 0) {
      return;
    }
    SymbolMerger.merge(mergeTable, ids, starts, ends, n, out);
  }

  /** Fills the initial symbols of {@code text[start, end)}; returns how many. */
  private int initialSymbols(NormalizedString text, int start, int end, int[] ids, int[] starts, int[] ends) {
    boolean plain = continuingSubwordPrefix.isEmpty() && endOfWordSuffix.isEmpty();
    int n = 0;
    for (int i = start; i < end; ) {
      char c = text.charAt(i);
      int units = Character.isHighSurrogate(c) && i + 1 < end ? 2 : 1;
      int id;
      if (plain && units == 1 && c < charIds.length) {
        id = charIds[c];
      } else {
        String s = text.substring(i, i + units);
        if (i > start) {
          s = continuingSubwordPrefix + s;
        }
        if (i + units == end) {
          s = s + endOfWordSuffix;
        }
        id = vocabulary.id(s);
      }
      int added;
      if (id >= 0) {
        ids[n] = id;
        starts[n] = i;
        ends[n] = i + units;
        n++;
      } else if (byteFallback && (added = byteFallback(text.substring(i, i + units), i, i + units, ids, starts,
          ends, n)) > 0) {
        n += added;
      } else {
        if (unkId >= 0) {
          if (fuseUnk && n > 0 && ids[n - 1] == unkId && ends[n - 1] == i) {
            ends[n - 1] = i + units;
          } else {
            ids[n] = unkId;
            starts[n] = i;
            ends[n] = i + units;
            n++;
          }
        }
      }
      i += units;
    }
    return n;
  }

  /**
   * Writes the {@code <0xXX>} tokens of {@code ch}'s UTF-8 bytes at index {@code n}; returns how many, or 0
   * (nothing written) when one of them is not in the vocabulary.
   */
  private int byteFallback(String ch, int from, int to, int[] ids, int[] starts, int[] ends, int n) {
    byte[] bytes = ch.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int b = 0; b < bytes.length; b++) {
      int id = vocabulary.id(String.format(Locale.ROOT, "<0x%02X>", bytes[b] & 0xFF));
      if (id < 0) {
        return 0;
      }
      ids[n + b] = id;
      starts[n + b] = from;
      ends[n + b] = to;
    }
    return bytes.length;
  }
}
