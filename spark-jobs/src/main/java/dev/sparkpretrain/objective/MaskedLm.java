package dev.sparkpretrain.objective;

import dev.sparkpretrain.config.BertObjectiveConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Masked-LM predictions as google-research/bert's {@code create_masked_lm_predictions}: candidates are all
 * non-special positions (grouped by word with whole-word masking), shuffled; {@code round(len * prob)} of them
 * (at least 1, at most {@code maxPredictions}) are predicted; each predicted token is replaced by [MASK] 80% of
 * the time, by a random token 10%, and left unchanged 10%.
 *
 * <p>The prepare job masks with it once (static masking); with dynamic masking the trainer calls
 * {@link #mask} on the unmasked shard rows every epoch, so both draw masks by the same rule.
 */
public final class MaskedLm {
  private MaskedLm() {}

  /**
   * Everything masking needs besides the example: google-research/bert's parameters and the vocabulary's ids.
   *
   * <p>{@code new MaskedLm.Rule(0.15, 20, false, vocab)} is BERT-base's pretraining rule.
   */
  public record Rule(double maskedLmProb, int maxPredictions, boolean wholeWord, BertVocab vocab)
      implements Serializable {
    public static Rule of(BertObjectiveConfig config, BertVocab vocab) {
      return new Rule(config.maskedLmProb(), config.maxPredictionsPerSeq(), config.wholeWordMasking(), vocab);
    }
  }

  /**
   * A masked copy of an unmasked example. The special tokens are found from the pair's layout, [CLS] A [SEP]
   * B [SEP] (first, last, and the last position of segment 0), so shards need not store them.
   */
  public static BertExample mask(BertExample unmasked, Rule rule, SplittableRandom rng) {
    int[] segments = unmasked.segmentIds();
    int n = segments.length;
    boolean[] special = new boolean[n];
    for (int i = 0; i < n; i++) {
      special[i] = i == 0 || i == n - 1 || segments[i] != segments[i + 1];
    }
    int[] tokens = unmasked.inputIds().clone();
    Predictions p = create(tokens, special, unmasked.wordStarts(), rule.maskedLmProb(), rule.maxPredictions(),
        rule.wholeWord(), rule.vocab(), rng);
    return new BertExample(unmasked.exampleId(), tokens, segments, p.positions(), p.ids(),
        unmasked.nextSentenceLabel(), unmasked.wordStarts());
  }

  /** Positions and original ids of the predictions; {@code tokens} is modified in place. */
  public record Predictions(int[] positions, int[] ids) {}

  /**
   * @param tokens the example's ids, special tokens included; masked in place
   * @param special per position, whether it is [CLS]/[SEP]/[PAD] (never a candidate)
   * @param wordStart per position, whether the token begins a word (only read with whole-word masking)
   */
  public static Predictions create(int[] tokens, boolean[] special, boolean[] wordStart, double maskedLmProb,
      int maxPredictions, boolean wholeWord, BertVocab vocab, SplittableRandom rng) {
    List<int[]> candidates = new ArrayList<>();
    int[] group = new int[tokens.length];
    int groupLen = 0;
    for (int i = 0; i < tokens.length; i++) {
      if (special[i]) {
        if (groupLen > 0) {
          candidates.add(Arrays.copyOf(group, groupLen));
          groupLen = 0;
        }
        continue;
      }
      if (groupLen > 0 && !(wholeWord && !wordStart[i])) {
        candidates.add(Arrays.copyOf(group, groupLen));
        groupLen = 0;
      }
      group[groupLen++] = i;
    }
    if (groupLen > 0) {
      candidates.add(Arrays.copyOf(group, groupLen));
    }
    shuffle(candidates, rng);

    int numToPredict = Math.min(maxPredictions, Math.max(1, (int) Math.round(tokens.length * maskedLmProb)));
    int[] positions = new int[numToPredict];
    int[] labels = new int[numToPredict];
    int n = 0;
    for (int[] indexSet : candidates) {
      if (n >= numToPredict) {
        break;
      }
      // With whole-word masking a word that would overshoot the budget is skipped, not split.
      if (n + indexSet.length > numToPredict) {
        continue;
      }
      for (int index : indexSet) {
        int original = tokens[index];
        int replacement;
        if (rng.nextDouble() < 0.8) {
          replacement = vocab.mask(); // 80% of the time, replace with [MASK]
        } else if (rng.nextDouble() < 0.5) {
          replacement = original; // 10% of the time, keep original
        } else {
          replacement = vocab.firstRandomId() + rng.nextInt(vocab.vocabSize() - vocab.firstRandomId()); // 10% random
        }
        tokens[index] = replacement;
        positions[n] = index;
        labels[n] = original;
        n++;
      }
    }
    // Sort by position, keeping labels aligned.
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(positions[a], positions[b]));
    int[] p = new int[n];
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = positions[order[i]];
      l[i] = labels[order[i]];
    }
    return new Predictions(p, l);
  }

  static <T> void shuffle(List<T> list, SplittableRandom rng) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }
}
