package dev.sparkpretrain.tokenization;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of encoding one text (or a pair): one entry per token in every array.
 *
 * <p>{@code starts}/{@code ends} are offsets into the <em>original</em> text in UTF-16 code units (Java
 * {@code String} indices), so {@code text.substring(starts[i], ends[i])} is the text a token came from. HF
 * tokenizers reports byte offsets (Rust) or code-point offsets (its Python/DJL bindings); for text without
 * supplementary characters the latter equal ours. Tokens added by the post-processor ({@code [CLS]},
 * {@code [SEP]}) have offsets {@code (0, 0)}; in a pair, B's offsets index into B.
 *
 * <p>{@code wordStarts[i]} is true when token {@code i} begins a new pre-token word (whole-word masking
 * masks a token together with the following tokens whose flag is false); special tokens each start a word.
 * {@code specialTokens[i]} is true for tokens the post-processor added (not for a {@code [MASK]} written in
 * the text itself, as in HF's special-tokens mask).
 *
 * <pre>{@code
 * Encoding e = tokenizer.encode("Hello world");   // ids [101, 7592, 2088, 102] for bert-base-uncased
 * }</pre>
 */
public record Encoding(int[] ids, int[] typeIds, int[] starts, int[] ends, boolean[] wordStarts,
                       boolean[] specialTokens) implements java.io.Serializable {

  public Encoding {
    Objects.requireNonNull(ids, "ids");
    int n = ids.length;
    if (typeIds.length != n || starts.length != n || ends.length != n || wordStarts.length != n
        || specialTokens.length != n) {
      throw new IllegalArgumentException("all Encoding arrays must have the length of ids (" + n + ")");
    }
  }

  /** Number of tokens. */
  public int length() {
    return ids.length;
  }

  /** This encoding with every type id set to {@code typeId} (itself when they already are). */
  public Encoding withTypeId(int typeId) {
    boolean same = true;
    for (int i = 0; i < typeIds.length && same; i++) {
      same = typeIds[i] == typeId;
    }
    if (same) {
      return this;
    }
    int[] t = new int[ids.length];
    Arrays.fill(t, typeId);
    return new Encoding(ids, t, starts, ends, wordStarts, specialTokens);
  }

  /** Concatenation of encodings, in order. */
  public static Encoding concat(Encoding... parts) {
    int n = 0;
    for (Encoding p : parts) {
      n += p.length();
    }
    int[] ids = new int[n];
    int[] types = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    boolean[] words = new boolean[n];
    boolean[] specials = new boolean[n];
    int at = 0;
    for (Encoding p : parts) {
      int len = p.length();
      System.arraycopy(p.ids, 0, ids, at, len);
      System.arraycopy(p.typeIds, 0, types, at, len);
      System.arraycopy(p.starts, 0, starts, at, len);
      System.arraycopy(p.ends, 0, ends, at, len);
      System.arraycopy(p.wordStarts, 0, words, at, len);
      System.arraycopy(p.specialTokens, 0, specials, at, len);
      at += len;
    }
    return new Encoding(ids, types, starts, ends, words, specials);
  }

  /** One special token as the post-processor adds it: offsets (0, 0), its own word. */
  public static Encoding special(int id, int typeId) {
    return new Encoding(new int[] {id}, new int[] {typeId}, new int[1], new int[1], new boolean[] {true},
        new boolean[] {true});
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds)
        && Arrays.equals(starts, e.starts) && Arrays.equals(ends, e.ends)
        && Arrays.equals(wordStarts, e.wordStarts) && Arrays.equals(specialTokens, e.specialTokens);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids) * 31 + Arrays.hashCode(starts);
  }

  @Override
  public String toString() {
    return "Encoding[ids=" + Arrays.toString(ids) + ", typeIds=" + Arrays.toString(typeIds) + ", starts="
        + Arrays.toString(starts) + ", ends=" + Arrays.toString(ends) + "]";
  }
}
