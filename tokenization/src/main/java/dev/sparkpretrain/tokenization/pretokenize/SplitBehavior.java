package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;
import java.util.Arrays;

/**
 * HF's {@code SplitDelimiterBehavior}: what becomes of the delimiters (the matches) when a split is cut at
 * them, as HF's {@code NormalizedString::split} folds its list of (range, is match) pieces. With "a-b" cut
 * at '-': Removed → a, b; Isolated → a, -, b; MergedWithPrevious → a-, b; MergedWithNext → a, -b;
 * Contiguous → like Isolated, but adjacent delimiters stay one piece ("a--b" → a, --, b).
 */
public enum SplitBehavior {
  REMOVED("Removed"),
  ISOLATED("Isolated"),
  MERGED_WITH_PREVIOUS("MergedWithPrevious"),
  MERGED_WITH_NEXT("MergedWithNext"),
  CONTIGUOUS("Contiguous");

  private final String json;

  SplitBehavior(String json) {
    this.json = json;
  }

  /** The tokenizer.json spelling. */
  public String json() {
    return json;
  }

  public static SplitBehavior fromJson(String s) {
    for (SplitBehavior b : values()) {
      if (b.json.equals(s)) {
        return b;
      }
    }
    throw new IllegalArgumentException("expected one of Removed, Isolated, MergedWithPrevious, MergedWithNext, "
        + "Contiguous; got \"" + s + "\"");
  }

  /** Finds the delimiters inside {@code text[start, end)}, in order, not overlapping. */
  @FunctionalInterface
  public interface Matches {
    void find(NormalizedString text, int start, int end, MatchSink sink);
  }

  /** Receives one delimiter {@code [start, end)}. */
  @FunctionalInterface
  public interface MatchSink {
    void match(int start, int end);
  }

  /**
   * Cuts {@code text[start, end)} at the delimiters {@code matches} finds ({@code invert}: at everything
   * else) and hands the pieces this behaviour keeps to {@code sink}; empty pieces are dropped, as HF drops
   * them.
   */
  public void split(NormalizedString text, int start, int end, Matches matches, boolean invert,
                    PreTokenizedString.SplitSink sink) {
    Pieces pieces = new Pieces();
    int[] last = {start};
    matches.find(text, start, end, (ms, me) -> {
      if (last[0] != ms) {
        pieces.add(last[0], ms, invert);
      }
      pieces.add(ms, me, !invert);
      last[0] = me;
    });
    if (last[0] != end) {
      pieces.add(last[0], end, invert);
    }
    Pieces kept = fold(pieces);
    for (int i = 0; i < kept.size; i++) {
      if (!kept.match[i]) {
        sink.split(kept.starts[i], kept.ends[i]);
      }
    }
  }

  /** HF's fold; in the result, {@code match} means "remove this piece". */
  private Pieces fold(Pieces in) {
    Pieces out = new Pieces();
    boolean previousMatch = false;
    switch (this) {
      case REMOVED -> {
        return in;
      }
      case ISOLATED -> {
        for (int i = 0; i < in.size; i++) {
          out.add(in.starts[i], in.ends[i], false);
        }
      }
      case CONTIGUOUS -> {
        for (int i = 0; i < in.size; i++) {
          if (in.match[i] == previousMatch && out.size > 0) {
            out.ends[out.size - 1] = in.ends[i];
          } else {
            out.add(in.starts[i], in.ends[i], false);
          }
          previousMatch = in.match[i];
        }
      }
      case MERGED_WITH_PREVIOUS -> {
        for (int i = 0; i < in.size; i++) {
          if (in.match[i] && !previousMatch && out.size > 0) {
            out.ends[out.size - 1] = in.ends[i];
          } else {
            out.add(in.starts[i], in.ends[i], false);
          }
          previousMatch = in.match[i];
        }
      }
      case MERGED_WITH_NEXT -> {
        // HF folds from the right: a delimiter joins the piece after it.
        Pieces reversed = new Pieces();
        for (int i = in.size - 1; i >= 0; i--) {
          if (in.match[i] && !previousMatch && reversed.size > 0) {
            reversed.starts[reversed.size - 1] = in.starts[i];
          } else {
            reversed.add(in.starts[i], in.ends[i], false);
          }
          previousMatch = in.match[i];
        }
        for (int i = reversed.size - 1; i >= 0; i--) {
          out.add(reversed.starts[i], reversed.ends[i], false);
        }
      }
      default -> throw new AssertionError(this);
    }
    return out;
  }

  /** (start, end, flag) triples. */
  private static final class Pieces {
    int[] starts = new int[8];
    int[] ends = new int[8];
    boolean[] match = new boolean[8];
    int size;

    void add(int start, int end, boolean isMatch) {
      if (size == starts.length) {
        starts = Arrays.copyOf(starts, size * 2);
        ends = Arrays.copyOf(ends, size * 2);
        match = Arrays.copyOf(match, size * 2);
      }
      starts[size] = start;
      ends[size] = end;
      match[size] = isMatch;
      size++;
    }
  }
}
