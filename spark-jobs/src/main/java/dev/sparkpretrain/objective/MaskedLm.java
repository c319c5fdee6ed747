package dev.sparkpretrain.objective;

import dev.sparkpretrain.config.BertObjectiveConfig;
import java.io.Serializable;
import java.util.Arrays;
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
    // Candidate groups as runs of positions: group g is [groupStart[g], groupStart[g] + groupLength[g]). Positions
    // are consecutive within a group (a word's pieces, or one token), so two int arrays hold them all, where a list
    // of int[] allocated one array per token.
    int len = tokens.length;
    int[] groupStart = new int[len];
    int[] groupLength = new int[len];
    int groups = 0;
    int runLength = 0;
    for (int i = 0; i < len; i++) {
      if (special[i]) {
        if (runLength > 0) {
          groupLength[groups++] = runLength;
          runLength = 0;
        }
        continue;
      }
      if (runLength > 0 && !(wholeWord && !wordStart[i])) {
        groupLength[groups++] = runLength;
        runLength = 0;
      }
      if (runLength == 0) {
        groupStart[groups] = i;
      }
      runLength++;
    }
    if (runLength > 0) {
      groupLength[groups++] = runLength;
    }
    int[] order = new int[groups];
    for (int g = 0; g < groups; g++) {
      order[g] = g;
    }
    shuffle(order, rng);

    int numToPredict = Math.min(maxPredictions, Math.max(1, (int) Math.round(len * maskedLmProb)));
    // (position << 32 | original id) per prediction: sorting these sorts by position (positions are distinct)
    // and keeps each label beside its position.
    long[] predictions = new long[numToPredict];
    int n = 0;
    for (int g : order) {
      if (n >= numToPredict) {
        break;
      }
      // With whole-word masking a word that would overshoot the budget is skipped, not split.
      if (n + groupLength[g] > numToPredict) {
        continue;
      }
      for (int index = groupStart[g]; index < groupStart[g] + groupLength[g]; index++) {
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
        predictions[n++] = (long) index << 32 | (original & 0xFFFF_FFFFL);
      }
    }
    Arrays.sort(predictions, 0, n);
    int[] p = new int[n];
    int[] l = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = (int) (predictions[i] >>> 32);
      l[i] = (int) predictions[i];
    }
    return new Predictions(p, l);
  }

  /** Fisher-Yates from the end, as {@code random.shuffle}: each group's place is drawn once. */
  static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
