package dev.sparkpretrain.tokenization;

import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Normalized text cut into splits ("words"), the input of the model (HF tokenizers' {@code
 * PreTokenizedString}). All splits share one {@link NormalizedString} buffer; a split is a range of it,
 * and a split holding an added token (matched before the model) carries that token's id and is left alone
 * by pre-tokenizers.
 */
public final class PreTokenizedString {
  /** Marks a split that is still text for the model. */
  public static final int NO_TOKEN = -1;

  private NormalizedString text;
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private int[] tokenIds = new int[16];
  private int count;

  public PreTokenizedString(NormalizedString text) {
    this.text = text;
  }

  /** One split over the whole text. */
  public static PreTokenizedString whole(NormalizedString text) {
    PreTokenizedString p = new PreTokenizedString(text);
    if (!text.isEmpty()) {
      p.add(0, text.length(), NO_TOKEN);
    }
    return p;
  }

  /** Normalizer then pre-tokenizer on a whole text (no added-token matching), as HF trainers see it. */
  public static List<String> words(String text, Normalizer normalizer, PreTokenizer preTokenizer) {
    NormalizedString n = normalizer == null ? NormalizedString.of(text, 0, text.length())
        : normalizer.normalize(text, 0, text.length());
    PreTokenizedString p = whole(n);
    if (preTokenizer != null) {
      preTokenizer.preTokenize(p);
    }
    List<String> out = new ArrayList<>(p.count);
    for (int i = 0; i < p.count; i++) {
      out.add(p.text.substring(p.starts[i], p.ends[i]));
    }
    return out;
  }

  public NormalizedString text() {
    return text;
  }

  public int size() {
    return count;
  }

  public int start(int split) {
    return starts[split];
  }

  public int end(int split) {
    return ends[split];
  }

  /** The added token's id for a split matched as an added token, else {@link #NO_TOKEN}. */
  public int tokenId(int split) {
    return tokenIds[split];
  }

  /** Appends a split; empty ranges are dropped, as HF drops empty splits. */
  public void add(int start, int end, int tokenId) {
    if (start >= end) {
      return;
    }
    if (count == starts.length) {
      int c = count * 2;
      starts = Arrays.copyOf(starts, c);
      ends = Arrays.copyOf(ends, c);
      tokenIds = Arrays.copyOf(tokenIds, c);
    }
    starts[count] = start;
    ends[count] = end;
    tokenIds[count] = tokenId;
    count++;
  }

  /** Receives the sub-splits a {@link Splitter} cuts from one split. */
  public interface SplitSink {
    void split(int start, int end);
  }

  /** Cuts one split {@code [start, end)} of {@code text} into sub-splits (pre-tokenizer logic). */
  public interface Splitter {
    void split(NormalizedString text, int start, int end, SplitSink sink);
  }

  /** Replaces every text split by the sub-splits {@code splitter} cuts; added-token splits stay. */
  public void refine(Splitter splitter) {
    int n = count;
    int[] oldStarts = starts;
    int[] oldEnds = ends;
    int[] oldIds = tokenIds;
    starts = new int[Math.max(16, n * 2)];
    ends = new int[starts.length];
    tokenIds = new int[starts.length];
    count = 0;
    SplitSink sink = (s, e) -> add(s, e, NO_TOKEN);
    for (int i = 0; i < n; i++) {
      if (oldIds[i] != NO_TOKEN) {
        add(oldStarts[i], oldEnds[i], oldIds[i]);
      } else {
        splitter.split(text, oldStarts[i], oldEnds[i], sink);
      }
    }
  }

  /** Rewrites a text split's content into a new buffer (used by pre-tokenizers that map characters). */
  public interface Rewriter {
    /** Appends the rewritten {@code source[start, end)} to {@code target}. */
    void rewrite(NormalizedString source, int start, int end, NormalizedString target);
  }

  /** Rewrites every text split with {@code rewriter}; added-token splits are copied unchanged. */
  public void rewrite(Rewriter rewriter) {
    NormalizedString target = new NormalizedString(text.length() + text.length() / 2);
    for (int i = 0; i < count; i++) {
      int newStart = target.length();
      if (tokenIds[i] != NO_TOKEN) {
        target.append(text, starts[i], ends[i]);
      } else {
        rewriter.rewrite(text, starts[i], ends[i], target);
      }
      starts[i] = newStart;
      ends[i] = target.length();
    }
    text = target;
  }
}
