package dev.sparkpretrain.objective;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Documents that random "next sentence" segments are drawn from: a bounded sample of the whole corpus
 * (chosen by content hash, sorted by key), broadcast to every task. google-research/bert draws from every
 * document held in memory; a hash-chosen sample gives the same distribution over documents without holding the
 * corpus anywhere, and the draw does not depend on partitioning.
 */
public final class RandomNextPool implements Serializable {
  private final List<TokenizedDocument> documents;

  public RandomNextPool(List<TokenizedDocument> documents) {
    List<TokenizedDocument> sorted = new ArrayList<>(documents);
    sorted.removeIf(d -> d.sentences().isEmpty());
    sorted.sort(Comparator.comparingLong(TokenizedDocument::key));
    this.documents = List.copyOf(sorted);
    if (this.documents.size() < 2) {
      throw new IllegalArgumentException("need at least 2 documents to draw random next sentences, got "
          + this.documents.size());
    }
  }

  /**
   * The leading sentences of {@code doc} up to {@code maxTokens} tokens (a first sentence longer than that cut to
   * it): what the pool keeps of a document, so that a 50 MB document costs the driver and every task's broadcast
   * copy no more than a short one. A random B needs at most one sequence of tokens from wherever it starts.
   */
  public static TokenizedDocument excerpt(TokenizedDocument doc, int maxTokens) {
    List<int[]> sentences = new ArrayList<>();
    List<boolean[]> starts = new ArrayList<>();
    int tokens = 0;
    for (int i = 0; i < doc.sentences().size() && tokens < maxTokens; i++) {
      int n = Math.min(doc.sentences().get(i).length, maxTokens - tokens);
      sentences.add(java.util.Arrays.copyOf(doc.sentences().get(i), n));
      starts.add(java.util.Arrays.copyOf(doc.wordStarts().get(i), n));
      tokens += n;
    }
    return new TokenizedDocument(doc.key(), sentences, starts);
  }

  public int size() {
    return documents.size();
  }

  /** A document other than {@code exclude} (10 tries, as google-research/bert). */
  public TokenizedDocument draw(long exclude, SplittableRandom rng) {
    TokenizedDocument d = null;
    for (int tries = 0; tries < 10; tries++) {
      d = documents.get(rng.nextInt(documents.size()));
      if (d.key() != exclude) {
        break;
      }
    }
    return d;
  }
}
