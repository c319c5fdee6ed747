package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scaled dot-product attention over heads, {@code softmax(scale * Q K^T + bias) V}, on {@code [B, heads, T, d]}
 * arrays, with its backward pass. Biases: key padding ({@code [B, Tk]}, 0 or a large negative number), an optional
 * position bias ({@code [heads, Tq, Tk]}, T5) and, for decoders, the causal mask.
 *
 * <p>FLOAT on the CPU backend with the Vector API kernels goes through {@link FusedAttention}: one (batch, head) at a
 * time, the products and the element-wise steps of a block while it is in the cache, the dropped probabilities
 * recomputed in backward instead of stored; the same bits as the unfused path below (DOUBLE, HALF, other backends).
 */
public final class Attention {
    /** Added to the scores of keys that must not be attended to. */
    public static final double MASKED = -1e9;

    private Attention() {}

    /**
     * {@link #MASKED} in a type that can hold it: -1e9 overflows FP16 (largest finite 65504) to -inf, and the
     * unmasked keys' 0 · inf would then be NaN. -65504 still gives those keys exp(-65504 - max) = 0 weight.
     */
    static double masked(DataType type) {
        return type == DataType.HALF ? -65504.0 : MASKED;
    }

    /**
     * What backward needs: q, k, v (unscaled; views into the projections), the probabilities, the probabilities
     * after dropout (the same array when there is no dropout), the scores' scale and whether the attention was causal
     * (the fused path then skips the masked keys in backward too). No dropout mask: see
     * {@link #backward}. The fused FLOAT path ({@link FusedAttention}) keeps no dropped probabilities (null) but
     * recomputes them from the mask's keep threshold, scale and seed ({@link FloatKernels#dropoutMask}'s).
     */
    public record State(INDArray q, INDArray k, INDArray v, INDArray probs, INDArray droppedProbs, double scale,
                        boolean causal, int keepThreshold, float keepScale, long seed) {}

    /**
     * Additive key-padding bias {@code [B, T]} from a 1/0 mask, or null when there is no mask or it masks nothing
     * (full or packed sequences): adding zeros changes no score, and the broadcast add over {@code [B, h, T, T]} costs
     * ~2.7 ms per layer for tiny BERT (one thread) against ~0.1 ms for this check.
     */
    public static INDArray keyBias(INDArray mask, long batch, long keys) {
        if (mask == null || mask.minNumber().doubleValue() >= 1.0) {
            return null;
        }
        return mask.reshape(batch, keys).castTo(mask.dataType()).sub(1.0).muli(-masked(mask.dataType()));
    }

    /** Upper-triangular {@code [Tq, Tk]} bias forbidding keys after the query's own position. */
    public static INDArray causalBias(DataType type, int tq, int tk) {
        // Query i sits at key position i + (tk - tq) (the last tq of tk positions); later keys get MASKED.
        double[] b = new double[tq * tk];
        int shift = tk - tq;
        for (int i = 0; i < tq; i++) {
            for (int j = i + shift + 1; j < tk; j++) {
                b[i * tk + j] = masked(type);
            }
        }
        return Nd4j.create(b, new long[] {tq, tk}, type);
    }

    /**
     * Forward pass. {@code q [B,h,Tq,d]}, {@code k, v [B,h,Tk,d]} (views with any row stride, e.g. {@link #heads});
     * writes the context {@code [B,h,Tq,d]} into {@code ctx} (likewise a view), returns it and fills
     * {@code state[0]}. Any bias may be null; {@code causal} forbids keys after the query's position (as
     * {@link #causalBias} does). The scale multiplies the product (BLAS's alpha), not q.
     */
    public static INDArray forward(INDArray q, INDArray k, INDArray v, INDArray ctx, double scale, INDArray keyBias,
                                   INDArray positionBias, boolean causal, double dropout, boolean training,
                                   State[] state) {
        if (FusedAttention.applies(new INDArray[] {q, k, v, ctx}, keyBias, positionBias)
                && (keyBias == null || keyBias.length() == q.size(0) * k.size(2))
                && (positionBias == null || positionBias.length() == q.size(1) * q.size(2) * k.size(2))) {
            boolean drop = training && dropout > 0;
            int threshold = drop ? FloatKernels.keepThreshold(dropout) : FloatKernels.KEEP_ALL;
            float keepScale = drop ? (float) (1 / (1 - dropout)) : 1f;
            long seed = drop ? Nd4j.getRandom().nextLong() : 0L;
            INDArray p = FusedAttention.forward(q, k, v, ctx, scale, keyBias, positionBias, causal, threshold,
                    keepScale, seed);
            if (state != null) {
                state[0] = new State(q, k, v, p, drop ? null : p, scale, causal, threshold, keepScale, seed);
            }
            return ctx;
        }
        INDArray s = Nd4j.createUninitialized(q.dataType(), new long[] {q.size(0), q.size(1), q.size(2), k.size(2)},
                'c');
        BatchedGemm.product(q, false, k, true, scale, s);
        if (keyBias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(s, keyBias, s, 0, 3));
        }
        if (positionBias != null) {
            Nd4j.getExecutioner().exec(new BroadcastAddOp(s, positionBias, s, 1, 2, 3));
        }
        INDArray pd;
        if (FloatKernels.VECTOR && FloatKernels.applies(s)) {
            // causal mask, softmax and dropout in one pass over the scores (the largest element-wise tensors)
            boolean drop = training && dropout > 0;
            pd = VectorKernels.softmaxDropout(s, causal,
                    drop ? FloatKernels.keepThreshold(dropout) : FloatKernels.KEEP_ALL,
                    drop ? (float) (1 / (1 - dropout)) : 1f, drop ? Nd4j.getRandom().nextLong() : 0L);
        } else {
            if (causal) {
                INDArray causalBias = causalBias(s.dataType(), (int) s.size(2), (int) s.size(3));
                Nd4j.getExecutioner().exec(new BroadcastAddOp(s, causalBias, s, 2, 3));
            }
            Nd4j.exec(new SoftMax(s, s, -1));
            pd = training ? Dropout.dropped(s, dropout) : s;
        }
        BatchedGemm.product(pd, false, v, false, 1.0, ctx);
        if (state != null) {
            state[0] = new State(q, k, v, s, pd, scale, causal, FloatKernels.KEEP_ALL, 1f, 0L);
        }
        return ctx;
    }

    /**
     * Backward pass: reads {@code dCtx} (shaped like the context, may be a view), writes {@code dq, dk, dv} (shaped
     * like q, k, v; may be views) and returns the gradient of the position bias summed over the batch
     * ({@code [h, Tq, Tk]}) when {@code wantPositionBias}, else null. May overwrite the state's probabilities.
     *
     * <p>With D = P * M the dropped probabilities (M the dropout mask) and G the gradient of D, the scores' gradient
     * {@code P * (M * G - rowsum(P * M * G))} equals {@code D * G - P * rowsum(D * G)}: the mask is not needed.
     */
    public static INDArray backward(INDArray dCtx, State st, INDArray dq, INDArray dk, INDArray dv,
                                    boolean wantPositionBias) {
        INDArray p = st.probs();
        INDArray dS;
        if (FusedAttention.applies(new INDArray[] {st.q(), st.k(), st.v(), dCtx, dq, dk, dv}, p)) {
            dS = FusedAttention.backward(dCtx, st.q(), st.k(), st.v(), p, st.droppedProbs(), st.keepThreshold(),
                    st.keepScale(), st.seed(), st.scale(), st.causal(), dq, dk, dv, wantPositionBias);
            return wantPositionBias ? positionBiasGradient(dS) : null;
        }
        // the fused forward kept no dropped probabilities; its operands are FLOAT, so the Vector API is on
        INDArray dropped = st.droppedProbs() != null ? st.droppedProbs()
                : VectorKernels.dropped(p, null, st.keepThreshold(), st.keepScale(), st.seed(), false)[0];
        dS = Nd4j.createUninitialized(p.dataType(), p.shape(), 'c');
        BatchedGemm.product(dCtx, false, st.v(), true, 1.0, dS);
        BatchedGemm.product(dropped, true, dCtx, false, 1.0, dv);
        if (FloatKernels.VECTOR && FloatKernels.applies(dS, p)) {
            VectorKernels.softmaxBackward(dS, p, dropped);
        } else {
            dS.muli(dropped);
            INDArray rowDot = dS.sum(3);
            // P * rowDot, rowDot [B,h,Tq] broadcast over keys; the probabilities are not needed afterwards.
            Nd4j.getExecutioner().exec(new BroadcastMulOp(p, rowDot, p, 0, 1, 2));
            dS.subi(p);
        }
        INDArray dBias = wantPositionBias ? positionBiasGradient(dS) : null;
        // scores = scale * q k^T: dq = scale * dS k, dk = scale * dS^T q
        BatchedGemm.product(dS, false, st.k(), false, st.scale(), dq);
        BatchedGemm.product(dS, true, st.q(), false, st.scale(), dk);
        return dBias;
    }

    /** The scores' gradient {@code [B, h, Tq, Tk]} summed over the batch. */
    private static INDArray positionBiasGradient(INDArray dS) {
        return Dense.columnSums(dS.reshape('c', dS.size(0), dS.length() / dS.size(0)))
                .reshape('c', dS.size(1), dS.size(2), dS.size(3));
    }

    /**
     * The heads of a row-major {@code [B*T, parts*h*d]} projection (e.g. parts = 3 for fused QKV) as a
     * {@code [parts, B, h, T, d]} view: no copy; {@link #part} picks one part. Writes through the view reach
     * {@code rows} only when it is dense and row-major (as every array this module creates for them is).
     */
    public static INDArray heads(INDArray rows, long batch, long time, long parts, long heads, long headSize) {
        return Layout.contiguous(rows).reshape('c', batch, time, parts, heads, headSize).permute(2, 0, 3, 1, 4);
    }

    /** Index {@code i} of the leading dimension of a c-ordered array, as a view. */
    public static INDArray part(INDArray x, int i) {
        INDArrayIndexHolder h = new INDArrayIndexHolder(x.rank());
        h.idx[0] = NDArrayIndex.point(i);
        return x.get(h.idx);
    }

    private static final class INDArrayIndexHolder {
        final org.nd4j.linalg.indexing.INDArrayIndex[] idx;

        INDArrayIndexHolder(int rank) {
            idx = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
            for (int i = 0; i < rank; i++) {
                idx[i] = NDArrayIndex.all();
            }
        }
    }
}
