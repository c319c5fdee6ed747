package dev.sparkpretrain.model.bert;

import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.ops.Activation;

import java.util.Random;

/** Tiny configurations and random but well-formed batches for BERT tests. */
public final class BertFixtures {
    static final int CLS = 2;
    static final int SEP = 3;

    private BertFixtures() {}

    /** vocab 40, hidden 16, 2 layers, 2 heads, FFN 32, 16 positions, no dropout. */
    static TransformerConfig tiny() {
        return new TransformerConfig(TransformerConfig.Family.BERT, 40, 16, 2, 2, 32, 16, 2, 0.0, 0.0, 1e-12, 0.02, 8,
                0, 0, 0, Activation.GELU, true);
    }

    /**
     * {@code b} sequences of length {@code t} with real lengths drawn in [t/2, t], [CLS] first; {@code p} prediction
     * slots of which {@code p - 1} are real (distinct positions after [CLS]) and the last is padding.
     */
    static BertBatch randomBatch(Random rng, int vocab, int b, int t, int p) {
        return randomBatch(rng, vocab, b, t, p, false);
    }

    /**
     * As {@link #randomBatch(Random, int, int, int, int)}; with {@code varyPredictions} each sequence has 1 to
     * {@code p} real predictions (drawn after its positions), so that a step's per-prediction weighting matters.
     */
    public static BertBatch randomBatch(Random rng, int vocab, int b, int t, int p, boolean varyPredictions) {
        int[][] ids = new int[b][t];
        int[][] seg = new int[b][t];
        int[][] mask = new int[b][t];
        int[][] pos = new int[b][p];
        int[][] lm = new int[b][p];
        float[][] w = new float[b][p];
        int[] nsp = new int[b];
        for (int i = 0; i < b; i++) {
            int len = t / 2 + rng.nextInt(t - t / 2 + 1);
            int split = 1 + rng.nextInt(len - 1);
            for (int j = 0; j < len; j++) {
                ids[i][j] = j == 0 ? CLS : 5 + rng.nextInt(vocab - 5);
                seg[i][j] = j >= split ? 1 : 0;
                mask[i][j] = 1;
            }
            java.util.List<Integer> cand = new java.util.ArrayList<>();
            for (int j = 1; j < len; j++) cand.add(j);
            java.util.Collections.shuffle(cand, rng);
            int real = varyPredictions ? 1 + rng.nextInt(p) : p - 1;
            for (int k = 0; k < real && k < cand.size(); k++) {
                pos[i][k] = cand.get(k);
                lm[i][k] = ids[i][cand.get(k)];
                ids[i][cand.get(k)] = 4;  // [MASK]
                w[i][k] = 1f;
            }
            nsp[i] = rng.nextInt(2);
        }
        return new BertBatch(ids, seg, mask, pos, lm, w, nsp);
    }

    /** The same batch padded to length {@code t} with {@code padId} (still masked out). */
    static BertBatch padTo(BertBatch in, int t, int padId) {
        int b = in.size();
        int[][] ids = new int[b][t];
        int[][] seg = new int[b][t];
        int[][] mask = new int[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                boolean real = j < in.sequenceLength() && in.inputMask()[i][j] == 1;
                ids[i][j] = real ? in.inputIds()[i][j] : padId;
                seg[i][j] = real ? in.segmentIds()[i][j] : 0;
                mask[i][j] = real ? 1 : 0;
            }
        }
        return new BertBatch(ids, seg, mask, in.maskedLmPositions(), in.maskedLmIds(), in.maskedLmWeights(),
                in.nextSentenceLabels());
    }
}
