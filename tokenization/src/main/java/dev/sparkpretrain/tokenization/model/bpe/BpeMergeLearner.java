package dev.sparkpretrain.tokenization.model.bpe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Learns byte-pair merges from word counts, as HF's {@code BpeTrainer} does; the WordPiece trainer uses it
 * too (HF trains WordPiece vocabularies exactly this way, with "##" on non-initial pieces).
 *
 * <p>Each round merges the most frequent adjacent pair (ties: the pair of smaller ids, so the result does
 * not depend on map order), until the vocabulary is full or the best pair is rarer than
 * {@code minFrequency}. Pair counts are kept incrementally: only words containing the merged pair are
 * recounted, so a round costs time proportional to those words, not to the corpus.
 */
public final class BpeMergeLearner {
  private BpeMergeLearner() {}

  /**
   * A learned vocabulary: {@code vocab.get(i)} is token {@code i}; merges are pairs of token strings in
   * the order they were learned (rank order).
   */
  public record Result(List<String> vocab, List<String[]> merges) {}

  /**
   * @param words each word already cut into initial symbols (characters, or bytes), with its count
   * @param initialVocab tokens that come first, in order: special tokens, then the alphabet
   * @param vocabSize stop when the vocabulary has this many tokens
   * @param minFrequency stop when the best pair occurs fewer times than this
   * @param continuingPrefix stripped from the right-hand piece when two pieces join ("##"), may be empty
   */
  public static Result learn(Map<List<String>, Long> words, List<String> initialVocab, int vocabSize,
                             long minFrequency, String continuingPrefix) {
    Objects.requireNonNull(continuingPrefix, "continuingPrefix");
    List<String> vocab = new ArrayList<>(initialVocab);
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      ids.putIfAbsent(vocab.get(i), i);
    }
    // Words as symbol-id arrays, in a deterministic order.
    List<List<String>> keys = new ArrayList<>(words.keySet());
    keys.sort((x, y) -> {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        int c = x.get(i).compareTo(y.get(i));
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.size(), y.size());
    });
    int n = keys.size();
    int[][] symbols = new int[n][];
    long[] counts = new long[n];
    for (int w = 0; w < n; w++) {
      List<String> k = keys.get(w);
      int[] s = new int[k.size()];
      for (int i = 0; i < s.length; i++) {
        Integer id = ids.get(k.get(i));
        if (id == null) {
          id = vocab.size();
          vocab.add(k.get(i));
          ids.put(k.get(i), id);
        }
        s[i] = id;
      }
      symbols[w] = s;
      counts[w] = words.get(k);
    }

    Map<Long, long[]> pairCounts = new HashMap<>();
    Map<Long, IntList> where = new HashMap<>();
    for (int w = 0; w < n; w++) {
      addPairs(symbols[w], counts[w], w, pairCounts, where, null);
    }
    // Max-heap on (count desc, pair asc); entries go stale when counts change and are checked on pop.
    PriorityQueue<long[]> queue = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0])
        : Long.compare(x[1], y[1]));
    pairCounts.forEach((k, c) -> queue.add(new long[] {c[0], k}));

    List<String[]> merges = new ArrayList<>();
    int[] lastVisit = new int[n];
    Arrays.fill(lastVisit, -1);
    Map<Long, Boolean> touched = new LinkedHashMap<>();
    while (vocab.size() < vocabSize && !queue.isEmpty()) {
      long[] top = queue.poll();
      long key = top[1];
      long[] current = pairCounts.get(key);
      long count = current == null ? 0 : current[0];
      if (count != top[0]) {
        if (count > 0) {
          queue.add(new long[] {count, key});
        }
        continue;
      }
      if (count < Math.max(1, minFrequency)) {
        break;
      }
      int a = (int) (key >>> 32);
      int b = (int) key;
      String right = vocab.get(b);
      if (!continuingPrefix.isEmpty() && right.startsWith(continuingPrefix)) {
        right = right.substring(continuingPrefix.length());
      }
      String merged = vocab.get(a) + right;
      Integer newId = ids.get(merged);
      if (newId == null) {
        newId = vocab.size();
        vocab.add(merged);
        ids.put(merged, newId);
      }
      merges.add(new String[] {vocab.get(a), vocab.get(b)});
      int round = merges.size();
      touched.clear();
      IntList affected = where.remove(key);
      for (int j = 0; affected != null && j < affected.size; j++) {
        int w = affected.items[j];
        if (lastVisit[w] == round) {
          continue;
        }
        lastVisit[w] = round;
        int[] s = symbols[w];
        if (!contains(s, a, b)) {
          continue;
        }
        removePairs(s, counts[w], pairCounts);
        symbols[w] = merge(s, a, b, newId);
        addPairs(symbols[w], counts[w], w, pairCounts, where, touched);
      }
      pairCounts.remove(key);
      for (Long k : touched.keySet()) {
        long[] c = pairCounts.get(k);
        if (c != null && c[0] > 0) {
          queue.add(new long[] {c[0], k});
        }
      }
    }
    return new Result(vocab, merges);
  }

  private static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xFFFFFFFFL);
  }

  private static boolean contains(int[] s, int a, int b) {
    for (int i = 0; i + 1 < s.length; i++) {
      if (s[i] == a && s[i + 1] == b) {
        return true;
      }
    }
    return false;
  }

  /** Left-to-right, non-overlapping: "a a a" with (a, a) becomes "aa a". */
  private static int[] merge(int[] s, int a, int b, int merged) {
    int[] out = new int[s.length];
    int n = 0;
    for (int i = 0; i < s.length; i++) {
      if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
        out[n++] = merged;
        i++;
      } else {
        out[n++] = s[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static void addPairs(int[] s, long count, int word, Map<Long, long[]> pairCounts,
                               Map<Long, IntList> where, Map<Long, Boolean> touched) {
    for (int i = 0; i + 1 < s.length; i++) {
      long k = pair(s[i], s[i + 1]);
      pairCounts.computeIfAbsent(k, x -> new long[1])[0] += count;
      where.computeIfAbsent(k, x -> new IntList()).add(word);
      if (touched != null) {
        touched.put(k, Boolean.TRUE);
      }
    }
  }

  private static void removePairs(int[] s, long count, Map<Long, long[]> pairCounts) {
    for (int i = 0; i + 1 < s.length; i++) {
      long[] c = pairCounts.get(pair(s[i], s[i + 1]));
      if (c != null) {
        c[0] -= count;
      }
    }
  }

  /** Word indices per pair; may hold duplicates and words that lost the pair, both skipped on use. */
  private static final class IntList {
    int[] items = new int[4];
    int size;

    void add(int v) {
      if (size > 0 && items[size - 1] == v) {
        return;
      }
      if (size == items.length) {
        items = Arrays.copyOf(items, size * 2);
      }
      items[size++] = v;
    }
  }
}
