package dev.sparkpretrain.tokenization.model.bpe;

import dev.sparkpretrain.tokenization.model.TokenBuffer;

/**
 * The merge loop shared by HF's BPE and SentencePiece's: repeatedly merges the adjacent pair of symbols with
 * the lowest rank in a {@link MergeTable}, the leftmost among equal ranks, until no adjacent pair has one.
 * Symbols are contiguous, so {@code ends[i]} alone delimits symbol i.
 *
 * <p>Short sequences are scanned (no allocation, all in a few cache lines); longer ones use a heap of
 * candidate pairs over a linked list of symbols, so n symbols cost O(n log n) (a 10 MB text without spaces
 * included).
 */
final class SymbolMerger {
  private SymbolMerger() {}

  /** Below this many symbols a quadratic scan beats the heap. */
  private static final int SMALL_WORD = 48;

  /**
   * Merges the symbols {@code ids[0, n)} (spans {@code [starts[i], ends[i])}) and appends the survivors to
   * {@code out}. The arrays are overwritten.
   */
  static void merge(MergeTable table, int[] ids, int[] starts, int[] ends, int n, TokenBuffer out) {
    if (n <= SMALL_WORD) {
      mergeSmall(table, ids, starts, ends, n, out);
    } else {
      mergeWithHeap(table, ids, starts, ends, n, out);
    }
  }

  private static void mergeWithHeap(MergeTable table, int[] ids, int[] starts, int[] ends, int n,
                                    TokenBuffer out) {
    int[] prev = new int[n];
    int[] next = new int[n];
    boolean[] dead = new boolean[n];
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    // Min-heap of (rank << 32 | position of the left symbol): lowest rank first, then leftmost.
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      long m = table.get(ids[i], ids[i + 1]);
      if (m != MergeTable.ABSENT) {
        heap.push((m & 0xFFFFFFFF00000000L) | i);
      }
    }
    while (!heap.isEmpty()) {
      long top = heap.pop();
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      int right = next[pos];
      if (dead[pos] || right < 0) {
        continue;
      }
      long m = table.get(ids[pos], ids[right]);
      if (m == MergeTable.ABSENT || (int) (m >>> 32) != rank) {
        continue; // stale: one of the two symbols changed since this candidate was pushed
      }
      ids[pos] = (int) m;
      ends[pos] = ends[right];
      dead[right] = true;
      next[pos] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = pos;
      }
      if (prev[pos] >= 0) {
        long l = table.get(ids[prev[pos]], ids[pos]);
        if (l != MergeTable.ABSENT) {
          heap.push((l & 0xFFFFFFFF00000000L) | prev[pos]);
        }
      }
      if (next[pos] >= 0) {
        long r = table.get(ids[pos], ids[next[pos]]);
        if (r != MergeTable.ABSENT) {
          heap.push((r & 0xFFFFFFFF00000000L) | pos);
        }
      }
    }
    for (int i = 0; i >= 0; i = next[i]) {
      out.add(ids[i], starts[i], ends[i]);
    }
  }

  /** The same merge order as the heap, by scanning the pair ranks each round. */
  private static void mergeSmall(MergeTable table, int[] ids, int[] starts, int[] ends, int n, TokenBuffer out) {
    long[] pairs = new long[n];
    for (int i = 0; i + 1 < n; i++) {
      pairs[i] = table.get(ids[i], ids[i + 1]);
    }
    while (n > 1) {
      int best = -1;
      long bestRank = Long.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        long m = pairs[i];
        if (m != MergeTable.ABSENT && (m >>> 32) < bestRank) {
          bestRank = m >>> 32;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      ids[best] = (int) pairs[best];
      ends[best] = ends[best + 1];
      int tail = n - best - 2;
      System.arraycopy(ids, best + 2, ids, best + 1, tail);
      System.arraycopy(starts, best + 2, starts, best + 1, tail);
      System.arraycopy(ends, best + 2, ends, best + 1, tail);
      System.arraycopy(pairs, best + 2, pairs, best + 1, tail);
      n--;
      if (best > 0) {
        pairs[best - 1] = table.get(ids[best - 1], ids[best]);
      }
      if (best + 1 < n) {
        pairs[best] = table.get(ids[best], ids[best + 1]);
      }
    }
    for (int i = 0; i < n; i++) {
      out.add(ids[i], starts[i], ends[i]);
    }
  }
}
