package dev.sparkpretrain.objective;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * T5's span corruption, as seqio/t5 {@code span_corruption}: a noise mask of spans
 * ({@code random_spans_noise_mask}), each noise span replaced by one sentinel in the inputs
 * ({@code noise_span_to_unique_sentinel}) and the targets made of the sentinels followed by the spans they hide
 * ({@code nonnoise_span_to_unique_sentinel}); EOS appended to both. Sentinels count down from the last id of the
 * vocabulary: {@code <extra_id_0>} = vocabSize − 1, {@code <extra_id_1>} = vocabSize − 2, ...
 *
 * <p>Rounding is Python's {@code round} (half to even, {@link Math#rint}), as in the reference.
 */
public final class SpanCorruption {
  private SpanCorruption() {}

  /** Token and target lengths from {@code random_spans_helper}. */
  public record Lengths(int tokensLength, int targetsLength) {}

  /** One example: corrupted inputs and targets, EOS included. */
  public record Example(int[] inputs, int[] targets) {}

  /**
   * How many raw tokens to cut per example so that the corrupted inputs fill {@code inputsLength} exactly, and
   * how long the targets then are (t5.data.preprocessors.random_spans_helper; 512 → 568 tokens, 114 targets).
   */
  public static Lengths lengths(int inputsLength, double noiseDensity, double meanNoiseSpanLength) {
    int tokensLength = inputsLength - 1;
    while (lengthToTokens(tokensLength + 1, noiseDensity, meanNoiseSpanLength)[0] <= inputsLength) {
      tokensLength++;
    }
    int[] io = lengthToTokens(tokensLength, noiseDensity, meanNoiseSpanLength);
    int targetsLength = io[1];
    // The reference's "minor hack" so that targets are not longer than inputs at density 0.5.
    if (noiseDensity == 0.5 && targetsLength > io[0]) {
      tokensLength--;
      targetsLength--;
    }
    return new Lengths(tokensLength, targetsLength);
  }

  private static int[] lengthToTokens(int length, double noiseDensity, double meanNoiseSpanLength) {
    int numNoiseTokens = (int) Math.rint(length * noiseDensity);
    int numNonNoiseTokens = length - numNoiseTokens;
    int numNoiseSpans = (int) Math.rint(numNoiseTokens / meanNoiseSpanLength);
    // inputs: all non-noise tokens, one sentinel per span, EOS; targets: noise tokens, sentinels, EOS
    return new int[] {numNonNoiseTokens + numNoiseSpans + 1, numNoiseTokens + numNoiseSpans + 1};
  }

  /** {@code random_spans_noise_mask}: alternating non-noise / noise spans, starting with non-noise. */
  public static boolean[] noiseMask(int length, double noiseDensity, double meanNoiseSpanLength,
      SplittableRandom rng) {
    int origLength = length;
    length = Math.max(length, 2); // avoid degeneracy
    int numNoiseTokens = (int) Math.rint(length * noiseDensity);
    numNoiseTokens = Math.min(Math.max(numNoiseTokens, 1), length - 1);
    int numNoiseSpans = Math.max(1, (int) Math.rint(numNoiseTokens / meanNoiseSpanLength));
    int numNonNoiseTokens = length - numNoiseTokens;
    int[] noiseSpanLengths = randomSegmentation(numNoiseTokens, numNoiseSpans, rng);
    int[] nonNoiseSpanLengths = randomSegmentation(numNonNoiseTokens, numNoiseSpans, rng);
    boolean[] mask = new boolean[origLength];
    int pos = 0;
    for (int s = 0; s < numNoiseSpans; s++) {
      pos += nonNoiseSpanLengths[s];
      for (int k = 0; k < noiseSpanLengths[s]; k++, pos++) {
        if (pos < origLength) {
          mask[pos] = true;
        }
      }
    }
    return mask;
  }

  /**
   * Splits {@code numItems} into {@code numSegments} non-empty segments uniformly at random: a shuffled indicator
   * of which of the first numItems−1 items end a segment (the reference's {@code _random_segmentation}).
   */
  static int[] randomSegmentation(int numItems, int numSegments, SplittableRandom rng) {
    boolean[] first = new boolean[numItems];
    // positions 1..numItems-1 may start a segment; numSegments-1 of them do, chosen by a shuffle
    int[] idx = new int[numItems - 1];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    for (int i = idx.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    for (int i = 0; i < numSegments - 1; i++) {
      first[idx[i] + 1] = true;
    }
    int[] lengths = new int[numSegments];
    int seg = 0;
    for (int i = 0; i < numItems; i++) {
      if (first[i]) {
        seg++;
      }
      lengths[seg]++;
    }
    return lengths;
  }

  /** Corrupts one chunk of tokens (at most {@link Lengths#tokensLength()} long). */
  public static Example corrupt(int[] tokens, double noiseDensity, double meanNoiseSpanLength, int vocabSize,
      int eosId, SplittableRandom rng) {
    boolean[] noise = noiseMask(tokens.length, noiseDensity, meanNoiseSpanLength, rng);
    int[] inputs = spanToSentinel(tokens, noise, false, vocabSize, eosId);
    int[] targets = spanToSentinel(tokens, noise, true, vocabSize, eosId);
    return new Example(inputs, targets);
  }

  /**
   * Replaces each span of selected tokens (noise, or non-noise when {@code invert}) by one sentinel, counting
   * down from vocabSize − 1, drops the rest of the span, and appends EOS.
   */
  static int[] spanToSentinel(int[] tokens, boolean[] noise, boolean invert, int vocabSize, int eosId) {
    int[] out = new int[tokens.length + 1];
    int n = 0;
    int sentinel = vocabSize - 1;
    boolean prev = false;
    for (int i = 0; i < tokens.length; i++) {
      boolean selected = noise[i] != invert;
      if (selected && !prev) {
        out[n++] = sentinel--;
      } else if (!selected) {
        out[n++] = tokens[i];
      }
      prev = selected;
    }
    out[n++] = eosId;
    return Arrays.copyOf(out, n);
  }
}
