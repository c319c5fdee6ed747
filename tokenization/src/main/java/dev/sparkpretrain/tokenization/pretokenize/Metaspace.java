package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;

/**
 * HF type {@code Metaspace} (SentencePiece models in HF form): spaces become {@code replacement} ('▁'), a
 * '▁' is put in front per {@link PrependScheme}, and with {@code split} the text is cut before every '▁'
 * ("▁Hello▁world" → "▁Hello", "▁world").
 */
public final class Metaspace implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  /** When to put a '▁' in front of a split that does not start with one. */
  public enum PrependScheme {
    /** Every split. */
    ALWAYS,
    /** Only the split at the start of the text. */
    FIRST,
    /** Never. */
    NEVER
  }

  private final char replacement;
  private final PrependScheme prependScheme;
  private final boolean split;

  public Metaspace(char replacement, PrependScheme prependScheme, boolean split) {
    this.replacement = replacement;
    this.prependScheme = java.util.Objects.requireNonNull(prependScheme, "prependScheme");
    this.split = split;
  }

  /** SentencePiece's defaults: '▁', always, split. */
  public static Metaspace sentencePiece() {
    return new Metaspace('\u2581', PrependScheme.ALWAYS, true);
  }

  public char replacement() {
    return replacement;
  }

  public PrependScheme prependScheme() {
    return prependScheme;
  }

  public boolean split() {
    return split;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    text.rewrite(this::rewrite);
    if (split) {
      text.refine(this::cut);
    }
  }

  private void rewrite(NormalizedString s, int start, int end, NormalizedString out) {
    if (start >= end) {
      return;
    }
    boolean startsWithReplacement = s.charAt(start) == ' ' || s.charAt(start) == replacement;
    boolean prepend = !startsWithReplacement && (prependScheme == PrependScheme.ALWAYS
        || (prependScheme == PrependScheme.FIRST && s.originalStart(start) == 0));
    if (prepend) {
      out.appendUnit(replacement, s.originalStart(start), s.originalEnd(start));
    }
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      out.appendUnit(c == ' ' ? replacement : c, s.originalStart(i), s.originalEnd(i));
    }
  }

  /** HF's {@code MergedWithNext}: each '▁' opens a new split that it belongs to. */
  private void cut(NormalizedString s, int start, int end, PreTokenizedString.SplitSink sink) {
    int pieceStart = start;
    for (int i = start; i < end; i++) {
      if (s.charAt(i) == replacement && i > pieceStart) {
        sink.split(pieceStart, i);
        pieceStart = i;
      }
    }
    sink.split(pieceStart, end);
  }
}
