package dev.sparkpretrain.model.ops;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FusedAttention} against the unfused path ({@link BatchedGemm} products over whole arrays, then the
 * element-wise kernels): the same outputs, probabilities and gradients bit for bit, for self-attention on the heads of
 * a fused QKV projection (views) and for cross-attention with other key and query lengths, with and without causal
 * masks, key padding, a position bias and dropout, on one thread and split over the libnd4j threads; and causal
 * blocks in row tiles that skip the masked keys against whole blocks.
 */
class FusedAttentionTest {
    private static final long SEED = 20261129L;

    /** The arrays of one forward and backward pass; {@code dKv} holds dk and dv, the two parts of one projection. */
    private record Run(INDArray ctx, INDArray probs, INDArray dq, INDArray dKv, INDArray dBias) {}

    private static Run run(boolean fused, boolean fusedBackward, INDArray q, INDArray k, INDArray v,
                           INDArray keyBias, INDArray positionBias, boolean causal, double dropout, INDArray dCtx) {
        return run(fused, fusedBackward, false, 0, 0, positionBias != null, q, k, v, keyBias, positionBias, causal,
                dropout, dCtx);
    }

    /**
     * One forward and backward pass; {@code triangle} with {@code scoreTileRows} and {@code tileRows} query rows per
     * tile skips the masked keys of causal blocks, else every product covers the whole block. {@code wantScores}:
     * backward returns the position bias gradient, summed from the scores' gradient.
     */
    private static Run run(boolean fused, boolean fusedBackward, boolean triangle, int scoreTileRows, int tileRows,
                           boolean wantScores, INDArray q, INDArray k, INDArray v, INDArray keyBias,
                           INDArray positionBias, boolean causal, double dropout, INDArray dCtx) {
        boolean before = FusedAttention.enabled;
        boolean triangleBefore = FusedAttention.triangle;
        int scoreTileBefore = FusedAttention.scoreTileRows;
        int tileBefore = FusedAttention.tileRows;
        try {
            FusedAttention.enabled = fused;
            FusedAttention.triangle = triangle;
            FusedAttention.scoreTileRows = triangle ? scoreTileRows : scoreTileBefore;
            FusedAttention.tileRows = triangle ? tileRows : tileBefore;
            INDArray ctxRows = Nd4j.createUninitialized(DataType.FLOAT, q.size(0) * q.size(2), q.size(1) * q.size(3));
            INDArray ctx = heads(ctxRows, q.size(0), q.size(2), 1, q.size(1), q.size(3))[0];
            Attention.State[] st = new Attention.State[1];
            Nd4j.getRandom().setSeed(SEED);
            Attention.forward(q, k, v, ctx, 0.25, keyBias, positionBias, causal, dropout, true, st);
            assertEquals(fused && dropout > 0, st[0].droppedProbs() == null, "the fused path keeps no dropped probs");
            INDArray probs = st[0].probs().dup();
            FusedAttention.enabled = fusedBackward;
            INDArray dq = Nd4j.createUninitialized(DataType.FLOAT, q.shape(), 'c');
            INDArray dKv = Nd4j.createUninitialized(DataType.FLOAT, k.size(0) * k.size(2), 2 * k.size(1) * k.size(3));
            INDArray[] kv = heads(dKv, k.size(0), k.size(2), 2, k.size(1), k.size(3));
            INDArray dBias = Attention.backward(dCtx, st[0], dq, kv[0], kv[1], wantScores);
            return new Run(ctxRows, probs, dq, dKv, dBias);
        } finally {
            FusedAttention.enabled = before;
            FusedAttention.triangle = triangleBefore;
            FusedAttention.scoreTileRows = scoreTileBefore;
            FusedAttention.tileRows = tileBefore;
        }
    }

    private static Run withThreads(int threads, java.util.function.Supplier<Run> body) {
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        try {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            return body.get();
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
    }

    /** The parts of a {@code [B*T, parts*h*d]} projection as {@code [B, h, T, d]} views. */
    private static INDArray[] heads(INDArray rows, long batch, long time, long parts, long heads, long d) {
        INDArray all = Attention.heads(rows, batch, time, parts, heads, d);
        INDArray[] out = new INDArray[(int) parts];
        for (int i = 0; i < parts; i++) {
            out[i] = Attention.part(all, i);
        }
        return out;
    }

    private static void assertBitEqual(INDArray expected, INDArray actual, String what) {
        if (expected == null) {
            assertNull(actual, what);
            return;
        }
        assertArrayEquals(FloatKernels.read(expected), FloatKernels.read(actual), what);
    }

    /** The largest difference from {@code expected} relative to expected's largest magnitude (0 for equal bits). */
    private static double relativeError(INDArray expected, INDArray actual) {
        float[] e = FloatKernels.read(expected);
        float[] a = FloatKernels.read(actual);
        assertEquals(e.length, a.length);
        double max = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
            assertTrue(Float.isFinite(a[i]), "finite");
            max = Math.max(max, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs((double) e[i] - a[i]));
        }
        return max == 0 ? diff : diff / max;
    }

    @Test
    void causalRowTilesEqualWholeBlocks() {
        assertTrue(FloatKernels.VECTOR, "the tests run with the Vector API");
        List<String> checked = new ArrayList<>();
        // {batch, heads, T, d, score tile rows, tile rows}: tiny GPT's head size and sequence; last tiles of 16
        // rows; 48- and 24-row tiles, whose key counts are off the lane count; rows off the lane count; tiles as
        // long as the block (whole)
        long[][] shapes = {{2, 4, 128, 32, 64, 32}, {2, 4, 128, 32, 32, 16}, {3, 2, 80, 8, 64, 32},
                {2, 2, 80, 8, 48, 24}, {2, 3, 50, 8, 32, 16}, {2, 2, 40, 8, 40, 40}};
        double worst = 0;
        for (long[] sh : shapes) {
            long b = sh[0];
            long h = sh[1];
            long t = sh[2];
            long d = sh[3];
            int scoreTile = (int) sh[4];
            int tile = (int) sh[5];
            Nd4j.getRandom().setSeed(11 + t + scoreTile + tile);
            INDArray[] qkv = heads(Nd4j.randn(DataType.FLOAT, b * t, 3 * h * d), b, t, 3, h, d);
            INDArray q = qkv[0];
            INDArray k = qkv[1];
            INDArray v = qkv[2];
            INDArray dCtx = heads(Nd4j.randn(DataType.FLOAT, b * t, h * d), b, t, 1, h, d)[0];
            INDArray mask = Nd4j.ones(DataType.FLOAT, b, t);
            mask.putScalar(0, t - 1, 0f);
            mask.putScalar(b - 1, t - 3, 0f);
            mask.putScalar(b - 1, 0, 0f);
            INDArray keyBias = Attention.keyBias(mask, b, t);
            INDArray positionBias = Nd4j.randn(DataType.FLOAT, h, t, t);
            for (int c = 0; c < 16; c++) {
                INDArray kb = (c & 1) != 0 ? keyBias : null;
                INDArray pb = (c & 2) != 0 ? positionBias : null;
                double dropout = (c & 4) != 0 ? 0.3 : 0.0;
                boolean wantScores = (c & 8) != 0;
                String at = java.util.Arrays.toString(sh) + " key bias " + (kb != null) + " position bias "
                        + (pb != null) + " dropout " + dropout + " scores' gradient " + wantScores;
                Run whole = withThreads(2, () -> run(true, true, false, 0, 0, wantScores, q, k, v, kb, pb, true,
                        dropout, dCtx));
                Run tiles = withThreads(2, () -> run(true, true, true, scoreTile, tile, wantScores, q, k, v, kb, pb,
                        true, dropout, dCtx));
                Run single = withThreads(1, () -> run(true, true, true, scoreTile, tile, wantScores, q, k, v, kb, pb,
                        true, dropout, dCtx));
                // a tiled forward whose backward takes the unfused path, which reads all of P
                Run mixed = withThreads(2, () -> run(true, false, true, scoreTile, tile, wantScores, q, k, v, kb, pb,
                        true, dropout, dCtx));
                // the same bits on one thread as on two
                assertBitEqual(tiles.ctx(), single.ctx(), "context, 1 thread " + at);
                assertBitEqual(tiles.probs(), single.probs(), "probabilities, 1 thread " + at);
                assertBitEqual(tiles.dq(), single.dq(), "dq, 1 thread " + at);
                assertBitEqual(tiles.dKv(), single.dKv(), "dk, dv, 1 thread " + at);
                assertBitEqual(tiles.dBias(), single.dBias(), "position bias gradient, 1 thread " + at);
                // the products' sums drop the masked zeros (OpenBLAS may sum a shorter product in another order,
                // and rows cut off the lane count move terms into scalar tails): float rounding apart, the same
                // values (bit for bit here at T = 128); the masked probabilities stay exact zeros
                for (Run r : new Run[] {tiles, mixed}) {
                    double[] errors = {relativeError(whole.ctx(), r.ctx()), relativeError(whole.probs(), r.probs()),
                            relativeError(whole.dq(), r.dq()), relativeError(whole.dKv(), r.dKv()),
                            wantScores ? relativeError(whole.dBias(), r.dBias()) : 0};
                    for (double e : errors) {
                        assertTrue(e < 2e-6, "relative error " + java.util.Arrays.toString(errors) + " at " + at);
                        worst = Math.max(worst, e);
                    }
                    if (!wantScores) {
                        assertNull(r.dBias(), at);
                    }
                    float[] p = FloatKernels.read(r.probs());
                    for (int i = 0; i < p.length; i++) {
                        if ((i % (t * t)) % t > (i % (t * t)) / t) {
                            assertEquals(0f, p[i], "masked probability " + i + " " + at);
                        }
                    }
                }
                checked.add(at);
            }
        }
        System.out.println("causal row tiles against whole blocks: largest relative difference " + worst);
        assertEquals(6 * 16, checked.size());
    }

    @Test
    void fusedPathEqualsTheUnfusedOneBitForBit() {
        assertTrue(FloatKernels.VECTOR, "the tests run with the Vector API");
        List<String> checked = new ArrayList<>();
        // {batch, heads, Tq, Tk, d, self (1) or cross (0)}: tiny BERT's head size; widths off the lane count
        long[][] shapes = {{3, 4, 32, 32, 8, 1}, {2, 2, 7, 37, 5, 0}, {2, 3, 19, 19, 4, 1}};
        for (long[] sh : shapes) {
            long b = sh[0];
            long h = sh[1];
            long tq = sh[2];
            long tk = sh[3];
            long d = sh[4];
            boolean self = sh[5] == 1;
            Nd4j.getRandom().setSeed(7 + tq);
            // self: q, k, v of one fused projection; cross: q of its own, k and v of the memory's projection
            INDArray[] qkv = self ? heads(Nd4j.randn(DataType.FLOAT, b * tq, 3 * h * d), b, tq, 3, h, d)
                    : new INDArray[] {heads(Nd4j.randn(DataType.FLOAT, b * tq, h * d), b, tq, 1, h, d)[0],
                            null, null};
            if (!self) {
                INDArray[] kv = heads(Nd4j.randn(DataType.FLOAT, b * tk, 2 * h * d), b, tk, 2, h, d);
                qkv[1] = kv[0];
                qkv[2] = kv[1];
            }
            INDArray q = qkv[0];
            INDArray k = qkv[1];
            INDArray v = qkv[2];
            INDArray dCtx = heads(Nd4j.randn(DataType.FLOAT, b * tq, h * d), b, tq, 1, h, d)[0];
            INDArray mask = Nd4j.ones(DataType.FLOAT, b, tk);
            mask.putScalar(0, tk - 1, 0f);
            mask.putScalar(b - 1, tk - 2, 0f);
            mask.putScalar(b - 1, tk - 1, 0f);
            INDArray keyBias = Attention.keyBias(mask, b, tk);
            INDArray positionBias = Nd4j.randn(DataType.FLOAT, h, tq, tk);
            for (int c = 0; c < 16; c++) {
                boolean causal = (c & 1) != 0 && self;
                INDArray kb = (c & 2) != 0 ? keyBias : null;
                INDArray pb = (c & 4) != 0 ? positionBias : null;
                double dropout = (c & 8) != 0 ? 0.3 : 0.0;
                String at = java.util.Arrays.toString(sh) + " causal " + causal + " key bias " + (kb != null)
                        + " position bias " + (pb != null) + " dropout " + dropout;
                Run ref = withThreads(2, () -> run(false, false, q, k, v, kb, pb, causal, dropout, dCtx));
                Run fused = withThreads(2, () -> run(true, true, q, k, v, kb, pb, causal, dropout, dCtx));
                // a fused forward whose backward takes the unfused path recomputes the dropped probabilities
                Run mixed = withThreads(2, () -> run(true, false, q, k, v, kb, pb, causal, dropout, dCtx));
                // one thread: one part, one scratch block, against the two parts of the other runs
                Run single = withThreads(1, () -> run(true, true, q, k, v, kb, pb, causal, dropout, dCtx));
                for (Run r : new Run[] {fused, mixed, single}) {
                    assertBitEqual(ref.ctx(), r.ctx(), "context " + at);
                    assertBitEqual(ref.probs(), r.probs(), "probabilities " + at);
                    assertBitEqual(ref.dq(), r.dq(), "dq " + at);
                    assertBitEqual(ref.dKv(), r.dKv(), "dk, dv " + at);
                    assertBitEqual(ref.dBias(), r.dBias(), "position bias gradient " + at);
                }
                checked.add(at);
            }
        }
        assertEquals(3 * 16, checked.size());
    }
}
