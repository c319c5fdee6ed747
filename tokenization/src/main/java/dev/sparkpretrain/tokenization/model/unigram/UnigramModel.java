package dev.sparkpretrain.tokenization.model.unigram;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.model.CharTrie;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Unigram language model tokenization (HF type {@code Unigram}; SentencePiece's default): the split of a
 * word maximizing the sum of piece log-probabilities, found by Viterbi in one left-to-right pass (time
 * linear in the word length times the longest piece). A character no piece covers becomes the unknown
 * piece, scored {@code min score - 10}; runs of unknowns are fused into one token, and with
 * {@code byteFallback} an unknown becomes its {@code <0xXX>} byte pieces.
 *
 * <p>{@link Scoring#SENTENCE_PIECE} reproduces SentencePiece's {@code EncodeOptimized}: float sums (ties and
 * rounding as in C++), control/unknown/byte/unused pieces never matched, user-defined pieces always
 * preferred. {@link Scoring#HF} reproduces HF's: double sums, every vocabulary entry matchable.
 */
public final class UnigramModel implements TokenModel {
  private static final long serialVersionUID = 1L;
  private static final double UNK_PENALTY = 10.0;

  /** SentencePiece's piece types (its {@code ModelProto.SentencePiece.Type}). */
  public enum PieceType { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE }

  /** One vocabulary entry. */
  public record Piece(String token, double score, PieceType type) implements java.io.Serializable {
    public Piece {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(type, "type");
    }
  }

  /** Whose arithmetic and matching rules to follow. */
  public enum Scoring { HF, SENTENCE_PIECE }

  private final List<Piece> pieces;
  private final int unkId;
  private final boolean byteFallback;
  private final Scoring scoring;
  private final Vocabulary vocabulary;
  private final CharTrie trie;
  private final double[] scores;
  private final boolean[] userDefined;
  private final double unkScore;
  private final double maxScore;
  private final int[] byteIds;

  /** @param unkId index of the unknown piece, or -1 (then an uncovered character is an error, as in HF) */
  public UnigramModel(List<Piece> pieces, int unkId, boolean byteFallback, Scoring scoring) {
    this.pieces = List.copyOf(pieces);
    this.scoring = Objects.requireNonNull(scoring, "scoring");
    if (this.pieces.isEmpty()) {
      throw new IllegalArgumentException("vocab: a Unigram model needs at least one piece");
    }
    if (unkId >= this.pieces.size()) {
      throw new IllegalArgumentException("unk_id " + unkId + " is outside the vocab (" + this.pieces.size() + ")");
    }
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    Map<String, Integer> ids = new HashMap<>(this.pieces.size() * 2);
    Map<String, Integer> matchable = new HashMap<>(this.pieces.size() * 2);
    scores = new double[this.pieces.size()];
    userDefined = new boolean[this.pieces.size()];
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < this.pieces.size(); i++) {
      Piece p = this.pieces.get(i);
      ids.putIfAbsent(p.token(), i);
      scores[i] = scoring == Scoring.SENTENCE_PIECE ? (float) p.score() : p.score();
      userDefined[i] = p.type() == PieceType.USER_DEFINED;
      boolean canMatch = scoring == Scoring.HF || p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED;
      if (canMatch && !p.token().isEmpty()) {
        matchable.putIfAbsent(p.token(), i);
      }
      // HF takes the minimum over every piece, SentencePiece over normal pieces only.
      if (scoring == Scoring.HF || p.type() == PieceType.NORMAL) {
        min = Math.min(min, scores[i]);
        max = Math.max(max, scores[i]);
      }
    }
    vocabulary = new Vocabulary(ids);
    trie = new CharTrie(matchable);
    double u = (min == Double.POSITIVE_INFINITY ? 0 : min) - UNK_PENALTY;
    unkScore = scoring == Scoring.SENTENCE_PIECE ? (float) u : u;
    maxScore = max == Double.NEGATIVE_INFINITY ? 0 : max;
    byteIds = new int[256];
    for (int b = 0; b < 256; b++) {
      byteIds[b] = vocabulary.id(String.format(Locale.ROOT, "<0x%02X>", b));
    }
  }

  public List<Piece> pieces() {
    return pieces;
  }

  public int unkId() {
    return unkId;
  }

  public boolean byteFallback() {
    return byteFallback;
  }

  public Scoring scoring() {
    return scoring;
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  @Override
  public void tokenize(NormalizedString text, int start, int end, TokenBuffer out) {
    int n = end - start;
    if (n == 0) {
      return;
    }
    char[] chars = text.buffer();
    // best[i]: best score of a split of text[start, start + i); from[i]/id[i]: its last piece.
    double[] best = new double[n + 1];
    int[] from = new int[n + 1];
    int[] id = new int[n + 1];
    java.util.Arrays.fill(from, -1);
    from[0] = 0;
    for (int i = 0; i < n; ) {
      int units = Character.isHighSurrogate(chars[start + i]) && i + 1 < n ? 2 : 1;
      if (from[i] < 0) {
        i += units; // unreachable position (cannot happen: every character has at least the unknown)
        continue;
      }
      double here = best[i];
      boolean single = false;
      int node = CharTrie.ROOT;
      for (int k = i; k < n; k++) {
        node = trie.child(node, chars[start + k]);
        if (node == CharTrie.NONE) {
          break;
        }
        int piece = trie.value(node);
        if (piece < 0) {
          continue;
        }
        int length = k + 1 - i;
        double score = userDefined[piece] && scoring == Scoring.SENTENCE_PIECE
            ? utf8Length(chars, start + i, start + k + 1) * maxScore - 0.1 : scores[piece];
        double candidate = add(score, here);
        int target = k + 1;
        if (from[target] < 0 || candidate > best[target]) {
          best[target] = candidate;
          from[target] = i;
          id[target] = piece;
        }
        if (length == units) {
          single = true;
        }
      }
      if (!single) {
        if (unkId < 0) {
          throw new IllegalStateException("Unigram: no piece covers '" + new String(chars, start + i, units)
              + "' and the model has no unknown piece");
        }
        int target = i + units;
        double candidate = add(unkScore, here);
        if (from[target] < 0 || candidate > best[target]) {
          best[target] = candidate;
          from[target] = i;
          id[target] = unkId;
        }
      }
      i += units;
    }
    emit(chars, start, n, from, id, out);
  }

  /** Score addition in the reference's precision. */
  private double add(double a, double b) {
    return scoring == Scoring.SENTENCE_PIECE ? (float) ((float) a + (float) b) : a + b;
  }

  private static int utf8Length(char[] chars, int from, int to) {
    return new String(chars, from, to - from).getBytes(StandardCharsets.UTF_8).length;
  }

  /** Backtracks the best path, fusing runs of unknowns and expanding them to bytes when asked. */
  private void emit(char[] chars, int start, int n, int[] from, int[] id, TokenBuffer out) {
    List<int[]> path = new ArrayList<>();
    for (int e = n; e > 0; e = from[e]) {
      int s = from[e];
      if (id[e] == unkId && !path.isEmpty() && path.get(path.size() - 1)[0] == unkId) {
        path.get(path.size() - 1)[1] = s; // fuse: extend the run leftwards
      } else {
        path.add(new int[] {id[e], s, e});
      }
    }
    for (int p = path.size() - 1; p >= 0; p--) {
      int[] t = path.get(p);
      if (t[0] == unkId && byteFallback && appendBytes(chars, start + t[1], start + t[2], out)) {
        continue;
      }
      out.add(t[0], start + t[1], start + t[2]);
    }
  }

  private boolean appendBytes(char[] chars, int from, int to, TokenBuffer out) {
    byte[] bytes = new String(chars, from, to - from).getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      if (byteIds[b & 0xFF] < 0) {
        return false;
      }
    }
    for (byte b : bytes) {
      out.add(byteIds[b & 0xFF], from, to);
    }
    return true;
  }
}
