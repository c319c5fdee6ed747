package dev.sparkpretrain.tokenization.model.unigram;

import dev.sparkpretrain.tokenization.model.CharTrie;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of Unigram training between EM rounds: candidate pieces and their log-probabilities. Small
 * enough to broadcast to Spark executors (it holds pieces, not text). Every single character of the
 * training words is a piece, so every word has at least one segmentation.
 */
public final class PieceModel implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> pieces;
  private final double[] logProbs;
  private transient CharTrie trie;

  public PieceModel(List<String> pieces, double[] logProbs) {
    this.pieces = List.copyOf(pieces);
    this.logProbs = Objects.requireNonNull(logProbs, "logProbs").clone();
    if (this.pieces.size() != logProbs.length) {
      throw new IllegalArgumentException("pieces (" + this.pieces.size() + ") and logProbs (" + logProbs.length
          + ") differ in length");
    }
    buildTrie();
  }

  private void buildTrie() {
    Map<String, Integer> ids = new HashMap<>(pieces.size() * 2);
    for (int i = 0; i < pieces.size(); i++) {
      ids.putIfAbsent(pieces.get(i), i);
    }
    trie = new CharTrie(ids);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    buildTrie(); // the trie is derived; rebuilt rather than shipped
  }

  public List<String> pieces() {
    return pieces;
  }

  public double logProb(int piece) {
    return logProbs[piece];
  }

  public int size() {
    return pieces.size();
  }

  CharTrie trie() {
    return trie;
  }

  /** Calls {@code edge(start, end, piece)} for every piece occurring in {@code word}, by start then length. */
  void forEachEdge(String word, Edge edge) {
    int n = word.length();
    for (int i = 0; i < n; i++) {
      if (Character.isLowSurrogate(word.charAt(i)) && i > 0 && Character.isHighSurrogate(word.charAt(i - 1))) {
        continue; // pieces start on code point boundaries
      }
      int node = CharTrie.ROOT;
      for (int k = i; k < n; k++) {
        node = trie.child(node, word.charAt(k));
        if (node == CharTrie.NONE) {
          break;
        }
        int piece = trie.value(node);
        if (piece >= 0) {
          edge.edge(i, k + 1, piece);
        }
      }
    }
  }

  /** A piece spanning {@code [start, end)} of a word. */
  interface Edge {
    void edge(int start, int end, int piece);
  }
}
