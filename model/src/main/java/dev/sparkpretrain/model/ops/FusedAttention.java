package dev.sparkpretrain.model.ops;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Attention}'s FLOAT path on the CPU backend, one (batch, head) at a time: the scores' product, the biases, the
 * softmax and the dropout of one {@code [Tq, Tk]} block (64 KB at T = 128, it fits the L2 cache) and the block's
 * product with V run back to back, instead of four or five passes over the whole {@code [B, h, Tq, Tk]} scores through
 * memory. Only the probabilities P are kept for backward: the dropped probabilities D = P * mask are never stored,
 * but recomputed per block from the seed (the mask is a function of (seed, element index)). Backward, per block:
 * {@code G = dCtx V^T} into a scratch block, {@code dV = D^T dCtx}, the softmax backward of G, {@code dq = scale G k},
 * {@code dk = scale G^T q}.
 *
 * <p>Each product is the {@code cblas_sgemm} call {@link BatchedGemm} makes for that (batch, head), with the same
 * arguments, and the element-wise steps are {@link VectorKernels}' row kernels in the order the unfused path runs
 * them, so the results equal the unfused path's bit for bit. The (batch, head) pairs are split over threads as
 * {@link BatchedGemm} splits them, each part with scratch blocks of its own.
 *
 * <p>A causal block skips its masked upper triangle: its query rows go in tiles, and a tile's products cover only the
 * keys up to its last query (QK^T and {@code dCtx V^T} in tiles of 64 rows, 75% of a 128-row block; the others in
 * tiles of 32 rows, 62.5%). The row kernels see the same values; QK^T and {@code dCtx V^T} leave out masked outputs
 * only, and the other products leave out terms that are exact zeros (masked probabilities and their scores'
 * gradients), so with OpenBLAS summing each dot product in order the results stay those of whole blocks bit for bit
 * (FusedAttentionTest holds them to a float-rounding tolerance). The masked probabilities are still written as zeros:
 * backward and the unfused backward read all of P. Tile sizes by measurement: OpenBLAS's small-matrix kernel for
 * {@code A B^T} runs at about half the speed of its whole-block path, so those products take fewer, larger tiles
 * (docs/BENCHMARKS.md, "causal attention in row tiles").
 */
final class FusedAttention {
    /** Tests switch the fused path off to compare it with the unfused one. */
    static volatile boolean enabled = true;

    /**
     * Whether a causal block skips its masked upper triangle (tests switch it off to compare with whole blocks): its
     * query rows go in tiles of {@link #scoreTileRows} and {@link #tileRows}, and every product of a tile covers only
     * the keys up to the tile's last query.
     */
    static volatile boolean triangle = true;

    /** Query rows per tile of a causal block in the products with k or v transposed (QK^T and dCtx V^T). */
    static volatile int scoreTileRows = 64;

    /** Query (or key) rows per tile of a causal block in the other products. */
    static volatile int tileRows = 32;

    private FusedAttention() {}

    /**
     * Whether the fused path takes these operands: the Vector API kernels are on, the rank-4 ones are FLOAT with
     * row-major matrices BLAS can read in place, the biases (may be null) FLOAT, and the scores' bytes fit an int.
     */
    static boolean applies(INDArray[] products, INDArray... biases) {
        if (!enabled || !FloatKernels.VECTOR || !BatchedGemm.directFloat(products)) {
            return false;
        }
        for (INDArray b : biases) {
            if (b != null && b.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        INDArray q = products[0];
        return q.size(0) * q.size(1) * q.size(2) * products[1].size(2) <= Integer.MAX_VALUE / 4;
    }

    /**
     * Attention's forward for {@code q [B,h,Tq,d]}, {@code k, v [B,h,Tk,d]}, into {@code ctx [B,h,Tq,d]}; returns the
     * probabilities {@code [B,h,Tq,Tk]}. Dropout keeps an element when its hash is below {@code threshold} (no dropout
     * at {@link FloatKernels#KEEP_ALL}) and multiplies it by {@code keepScale}.
     */
    static INDArray forward(INDArray q, INDArray k, INDArray v, INDArray ctx, double scale, INDArray keyBias,
                            INDArray positionBias, boolean causal, int threshold, float keepScale, long seed) {
        Blocks n = Blocks.of(q, k);
        int tq = n.tq();
        int tk = n.tk();
        int d = n.d();
        int block = n.block();
        boolean drop = threshold < FloatKernels.KEEP_ALL;
        boolean tiled = n.tiled(causal);
        int scoreRows = tiled ? scoreTileRows : tq;
        int rows = tiled ? tileRows : tq;
        INDArray p = Nd4j.createUninitialized(DataType.FLOAT, new long[] {q.size(0), n.heads(), tq, tk}, 'c');
        INDArray scratch = drop ? Nd4j.createUninitialized(DataType.FLOAT, new long[] {n.parts(), block}, 'c') : null;
        ByteBuffer bp = VectorKernels.buffer(p);
        ByteBuffer bs = drop ? VectorKernels.buffer(scratch) : null;
        ByteBuffer kb = keyBias == null ? null : VectorKernels.buffer(FloatKernels.dense(keyBias));
        ByteBuffer pb = positionBias == null ? null : VectorKernels.buffer(FloatKernels.dense(positionBias));
        Pointer qs = q.data().addressPointer();
        Pointer ks = k.data().addressPointer();
        Pointer vs = v.data().addressPointer();
        Pointer cs = ctx.data().addressPointer();
        Pointer ps = p.data().addressPointer();
        Pointer ss = drop ? scratch.data().addressPointer() : null;
        BatchedGemm.forParts(n.count(), n.parts(), (part, from, to) -> {
            float[] lanes = VectorKernels.lanes();
            // pointers of its own per part: JavaCPP passes address + position, and each part moves its positions
            FloatPointer pq = new FloatPointer(qs);
            FloatPointer pk = new FloatPointer(ks);
            FloatPointer pv = new FloatPointer(vs);
            FloatPointer pc = new FloatPointer(cs);
            FloatPointer pp = new FloatPointer(ps);
            FloatPointer pd = drop ? new FloatPointer(ss) : pp;
            ByteBuffer dropped = drop ? VectorKernels.slice(bs, (long) part * block, block) : null;
            for (int x = from; x < to; x++) {
                long i = x / n.heads();
                long j = x % n.heads();
                long o = (long) x * block;
                long dOff = drop ? (long) part * block : o;
                ByteBuffer probs = VectorKernels.slice(bp, o, block);
                ByteBuffer keys = kb == null ? null : VectorKernels.slice(kb, i * tk, tk);
                ByteBuffer position = pb == null ? null : VectorKernels.slice(pb, j * block, block);
                for (int s0 = 0; s0 < tq; s0 += scoreRows) {
                    int s1 = Math.min(tq, s0 + scoreRows);
                    int sk = n.keys(s1, tiled);
                    sgemm(false, true, s1 - s0, sk, d, (float) scale, at(pq, q, i, j, s0), ld(q),
                            at(pk, k, i, j, 0), ld(k), pp.position(o + (long) s0 * tk), tk);
                    VectorKernels.probabilityRows(probs, s0, s1, tq, tk, sk, keys, position, causal, lanes);
                    for (int r0 = s0; r0 < s1; r0 += rows) {
                        int r1 = Math.min(s1, r0 + rows);
                        int nk = n.keys(r1, tiled);
                        if (drop) {
                            VectorKernels.dropRows(probs, dropped, r0, r1, tq, tk, nk, causal, (int) o, seed, threshold,
                                    keepScale);
                        }
                        sgemm(false, false, r1 - r0, d, nk, 1f, pd.position(dOff + (long) r0 * tk), tk,
                                at(pv, v, i, j, 0), ld(v), at(pc, ctx, i, j, r0), ld(ctx));
                    }
                }
            }
        });
        return p;
    }

    /**
     * Attention's backward from the forward's probabilities {@code p} and, when there was dropout, either the dropped
     * probabilities {@code dropped} or (when that is null) the mask's {@code threshold}, {@code keepScale} and
     * {@code seed}; with {@code wantScores} returns the scores' gradient {@code [B,h,Tq,Tk]}, else null.
     */
    static INDArray backward(INDArray dCtx, INDArray q, INDArray k, INDArray v, INDArray p, INDArray dropped,
                             int threshold, float keepScale, long seed, double scale, boolean causal, INDArray dq,
                             INDArray dk, INDArray dv, boolean wantScores) {
        Blocks n = Blocks.of(q, k);
        int tq = n.tq();
        int tk = n.tk();
        int d = n.d();
        int block = n.block();
        boolean regenerate = dropped == null && threshold < FloatKernels.KEEP_ALL;
        boolean tiled = n.tiled(causal);
        int scoreRows = tiled ? scoreTileRows : tq;
        int rows = tiled ? tileRows : tq;
        INDArray pIn = FloatKernels.dense(p);
        INDArray dIn = dropped == null ? pIn : FloatKernels.dense(dropped);
        INDArray dS = wantScores ? Nd4j.createUninitialized(DataType.FLOAT, p.shape(), 'c') : null;
        // per part: the scores' gradient (unless it is kept whole) and the dropped probabilities (when recomputed)
        INDArray scratch = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n.parts(), 2, block}, 'c');
        ByteBuffer bp = VectorKernels.buffer(pIn);
        ByteBuffer bd = VectorKernels.buffer(dIn);
        ByteBuffer bg = VectorKernels.buffer(wantScores ? dS : scratch);
        ByteBuffer bs = VectorKernels.buffer(scratch);
        Pointer dcs = dCtx.data().addressPointer();
        Pointer qs = q.data().addressPointer();
        Pointer ks = k.data().addressPointer();
        Pointer vs = v.data().addressPointer();
        Pointer dqs = dq.data().addressPointer();
        Pointer dks = dk.data().addressPointer();
        Pointer dvs = dv.data().addressPointer();
        Pointer gs = (wantScores ? dS : scratch).data().addressPointer();
        Pointer ds = dIn.data().addressPointer();
        Pointer ss = scratch.data().addressPointer();
        BatchedGemm.forParts(n.count(), n.parts(), (part, from, to) -> {
            FloatPointer pdc = new FloatPointer(dcs);
            FloatPointer pq = new FloatPointer(qs);
            FloatPointer pk = new FloatPointer(ks);
            FloatPointer pv = new FloatPointer(vs);
            FloatPointer pdq = new FloatPointer(dqs);
            FloatPointer pdk = new FloatPointer(dks);
            FloatPointer pdv = new FloatPointer(dvs);
            FloatPointer pg = new FloatPointer(gs);
            FloatPointer pd = new FloatPointer(regenerate ? ss : ds);
            for (int x = from; x < to; x++) {
                long i = x / n.heads();
                long j = x % n.heads();
                long o = (long) x * block;
                long go = wantScores ? o : (2L * part) * block;
                long dOff = regenerate ? (2L * part + 1) * block : o;
                ByteBuffer grad = VectorKernels.slice(bg, go, block);
                ByteBuffer probs = VectorKernels.slice(bp, o, block);
                ByteBuffer drops = VectorKernels.slice(regenerate ? bs : bd, dOff, block);
                // by row tiles: G = dCtx V^T, then by smaller ones its softmax backward and dq = scale G k
                for (int s0 = 0; s0 < tq; s0 += scoreRows) {
                    int s1 = Math.min(tq, s0 + scoreRows);
                    int sk = n.keys(s1, tiled);
                    sgemm(false, true, s1 - s0, sk, d, 1f, at(pdc, dCtx, i, j, s0), ld(dCtx), at(pv, v, i, j, 0),
                            ld(v), pg.position(go + (long) s0 * tk), tk);
                    // scores = scale * q k^T: dq = scale * G k, dk = scale * G^T q
                    for (int r0 = s0; r0 < s1; r0 += rows) {
                        int r1 = Math.min(s1, r0 + rows);
                        int nk = n.keys(r1, tiled);
                        if (regenerate) {
                            VectorKernels.dropRows(probs, drops, r0, r1, tq, tk, nk, causal, (int) o, seed, threshold,
                                    keepScale);
                        }
                        if (tiled) {
                            VectorKernels.causalBackwardRows(grad, probs, drops, r0, r1, tq, tk, nk);
                        } else {
                            VectorKernels.softmaxBackwardRows(grad, probs, drops, tk, tk, r0, r1);
                        }
                        if (wantScores && nk < tk) {
                            VectorKernels.zeroRows(grad, r0, r1, tk, nk);
                        }
                        sgemm(false, false, r1 - r0, d, nk, (float) scale, pg.position(go + (long) r0 * tk), tk,
                                at(pk, k, i, j, 0), ld(k), at(pdq, dq, i, j, r0), ld(dq));
                    }
                }
                // by key tiles: the keys a tile added, [done, nk), get gradient from that tile's queries and the later
                // ones, whose G and D columns up to nk are written (the rest of the block's rows see them masked)
                int done = 0;
                for (int r0 = 0; r0 < tq && done < tk; r0 += rows) {
                    int nk = n.keys(Math.min(tq, r0 + rows), tiled);
                    if (nk > done) {
                        long off = (long) r0 * tk + done;
                        sgemm(true, false, nk - done, d, tq - r0, 1f, pd.position(dOff + off), tk,
                                at(pdc, dCtx, i, j, r0), ld(dCtx), at(pdv, dv, i, j, done), ld(dv));
                        sgemm(true, false, nk - done, d, tq - r0, (float) scale, pg.position(go + off), tk,
                                at(pq, q, i, j, r0), ld(q), at(pdk, dk, i, j, done), ld(dk));
                        done = nk;
                    }
                }
            }
        });
        return dS;
    }

    /** The blocks of {@code q [B, h, Tq, d]} against {@code k [B, h, Tk, d]}: {@code count} (batch, head) pairs. */
    private record Blocks(int heads, int tq, int tk, int d, int count, int parts) {
        static Blocks of(INDArray q, INDArray k) {
            int count = Math.toIntExact(q.size(0) * q.size(1));
            return new Blocks((int) q.size(1), (int) q.size(2), (int) k.size(2), (int) q.size(3), count,
                    BatchedGemm.parts(count));
        }

        /** Whether a block is worked in row tiles: causal, each query with at least one key, tiles of fewer rows. */
        boolean tiled(boolean causal) {
            return causal && triangle && tq <= tk && Math.min(tileRows, scoreTileRows) < tq;
        }

        /**
         * The keys a tile of query rows ending at {@code r1} computes: in row tiles, those up to its last query's
         * position ({@code Tk - Tq} keys precede the first query's), else all.
         */
        int keys(int r1, boolean tiled) {
            return tiled ? Math.min(tk, r1 + tk - tq) : tk;
        }

        /** Elements of one {@code [Tq, Tk]} block. */
        int block() {
            return tq * tk;
        }
    }

    /** Pointer {@code ptr} moved to row {@code r} of matrix (i, j) of the rank-4 array {@code x}. */
    private static FloatPointer at(FloatPointer ptr, INDArray x, long i, long j, long r) {
        return ptr.position(i * x.stride(0) + j * x.stride(1) + r * x.stride(2));
    }

    /** The row stride of {@code x}'s matrices. */
    private static int ld(INDArray x) {
        return (int) x.stride(2);
    }

    /**
     * {@code c = alpha * op(a) op(b)} ({@code c [m, n]}, the inner dimension {@code k}), row-major with row strides
     * {@code lda, ldb, ldc}: {@link BatchedGemm}'s call.
     */
    private static void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, FloatPointer a, int lda,
                              FloatPointer b, int ldb, FloatPointer c, int ldc) {
        openblas.cblas_sgemm(openblas.CblasRowMajor, ta ? openblas.CblasTrans : openblas.CblasNoTrans,
                tb ? openblas.CblasTrans : openblas.CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, 0f, c, ldc);
    }
}
