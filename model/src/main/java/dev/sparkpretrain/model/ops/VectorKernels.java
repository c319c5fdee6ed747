package dev.sparkpretrain.model.ops;

import static dev.sparkpretrain.model.ops.FloatKernels.dense;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The kernels of {@link FloatKernels} written with the Vector API ({@code jdk.incubator.vector}, Java 17) straight on
 * ND4J's direct buffers: no heap copies in or out (those cost ~1 ns per element each way, as much as the arithmetic),
 * explicit 512-bit (AVX-512) or 256-bit lanes instead of what C2's auto-vectorizer accepts (also for {@code exp},
 * whose scalar look-up kept the heap tanh GELU slow). Scratch timings (one thread, outputs in a workspace): layer norm
 * {@code [2048, 128]} 0.34-0.47 ms against 0.9-1.1 ms for the heap-copy kernel, exact GELU {@code [2048, 512]}
 * 1.3-2.0 ms against 2.8-3.5 ms.
 *
 * <p>Only loaded when the JVM was started with {@code --add-modules jdk.incubator.vector} (see
 * {@link FloatKernels#VECTOR}); without it the heap-copy kernels run. Each lane computes what the heap kernels compute
 * element by element, but with fused multiply-adds and lane-wise partial sums, so results differ from theirs by float
 * rounding (a few ulps); the masks of dropout are the same bit for bit. Lengths that are not a multiple of the lane
 * count finish with scalar tails.
 */
final class VectorKernels {
    private VectorKernels() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static final float SQRT1_2 = (float) Math.sqrt(0.5);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_K = 0.044715f;
    private static final float EXP_CLAMP = 21.5f;

    // exp(a) = 2^k exp(r), k = round(a log2 e), r = a - k ln2 (ln 2 split as cephes' expf does: k LN2_HI is exact),
    // exp(r) for |r| <= ln2 / 2 by its Taylor polynomial of degree 7 (relative error 5e-9), 2^k from exponent bits.
    private static final float LOG2E = (float) (1 / Math.log(2));
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Below this, exp is 0 (it would need a subnormal 2^k); above the upper clamp, k would overflow. */
    private static final float EXP_MIN = -87.3f;
    private static final float EXP_MAX = 88.3f;
    private static final float[] EXP_TAYLOR = {1f, 1f, 1f / 2, 1f / 6, 1f / 24, 1f / 120, 1f / 720, 1f / 5040};

    /** Runs one small kernel so that a JVM whose Vector API is broken fails here, once, not in training. */
    static boolean probe() {
        INDArray x = Nd4j.createFromArray(new float[] {-1f, 0f, 0.5f, 2f});
        float y = buffer(gelu(x, null)[0]).getFloat(12);
        return F.length() == I.length() && Math.abs(y - 2f * 0.97724987f) < 1e-5f;
    }

    private static INDArray fresh(long... shape) {
        return Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
    }

    /** The native-order byte view of a dense array's buffer (byte offset 4 i for element i). */
    static ByteBuffer buffer(INDArray dense) {
        return dense.data().asNio().order(NATIVE);
    }

    private static FloatVector load(ByteBuffer b, int element) {
        return FloatVector.fromByteBuffer(F, b, element << 2, NATIVE);
    }

    private static void store(FloatVector v, ByteBuffer b, int element) {
        v.intoByteBuffer(b, element << 2, NATIVE);
    }

    // ---------------------------------------------------------------- determinism
    //
    // The JDK computes a lane-wise EXP and a reduceLanes(ADD) differently before and after C2 compiles the code (Java
    // fallback with Math.exp and a sequential sum; SVML and a tree of shuffles), so a value could depend on how warm
    // the JIT is, and two replicas of one step would differ in the last bit. Every operation used here is exactly
    // rounded IEEE arithmetic (add, mul, div, fma, min, max, integer ops, conversions of exact values) or these two
    // helpers, which are built from such operations alone.

    /** exp of each lane, 0 below {@link #EXP_MIN}: the same bits whether interpreted or compiled. */
    private static FloatVector exp(FloatVector a) {
        return exp(a, a.max(EXP_MIN).min(EXP_MAX));
    }

    /**
     * {@link #exp} of lanes that are at most 0 (or NaN), as softmax takes them ({@code s - max}): the same bits without
     * the upper clamp, a no-op there (a softmax pass over [512, 8000] took 9% less time without it).
     */
    private static FloatVector expNonPositive(FloatVector a) {
        return exp(a, a.max(EXP_MIN));
    }

    /** {@link #exp} of {@code a}, given {@code c}, a clamped into [{@link #EXP_MIN}, {@link #EXP_MAX}]. */
    private static FloatVector exp(FloatVector a, FloatVector c) {
        // kr = 1.5 * 2^23 + k: its low bits are k (a float-to-int conversion ran ~8x slower in Java 17)
        FloatVector kr = c.mul(LOG2E).add(ROUND);
        FloatVector k = kr.sub(ROUND);
        FloatVector r = c.sub(k.mul(LN2_HI)).sub(k.mul(LN2_LO));
        IntVector bits = ((IntVector) kr.reinterpretAsInts()).add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23);
        return horner(r, EXP_TAYLOR).mul(bits.reinterpretAsFloats()).blend(0f, a.lt(EXP_MIN));
    }

    /** {@link #exp} of one value, for the scalar tails: the same operations. */
    private static float exp(float a) {
        float c = Math.min(Math.max(a, EXP_MIN), EXP_MAX);
        float k = (c * LOG2E + ROUND) - ROUND;
        float r = (c - k * LN2_HI) - k * LN2_LO;
        float p = EXP_TAYLOR[EXP_TAYLOR.length - 1];
        for (int i = EXP_TAYLOR.length - 2; i >= 0; i--) {
            p = Math.fma(p, r, EXP_TAYLOR[i]);
        }
        return a < EXP_MIN ? 0f : p * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /** The lanes' sum in lane order, through {@code lanes} (at least L long). */
    private static float sum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += lanes[i];
        }
        return s;
    }

    // ---------------------------------------------------------------- GELU

    /** Exact GELU of {@code u + bias} ({@code bias} over the last dimension, may be null): {y, dy/du}. */
    static INDArray[] gelu(INDArray u, INDArray bias) {
        return withDerivative(u, bias, VectorKernels::gelu);
    }

    /** GPT-2's tanh GELU of {@code u + bias}: {y, dy/du}, the formulas of {@link FloatKernels#geluTanh}. */
    static INDArray[] geluTanh(INDArray u, INDArray bias) {
        return withDerivative(u, bias, VectorKernels::geluTanh);
    }

    /** A kernel writing f(x + b) into y and f'(x + b) into d for rows [r0, r1) of width w. */
    private interface RowKernel {
        void apply(ByteBuffer bx, float[] b, int w, ByteBuffer by, ByteBuffer bd, int r0, int r1);
    }

    /**
     * {f(u + bias), f'(u + bias)} as new arrays shaped like {@code u}, by rows of its last dimension. Adding the bias
     * here saves the GEMM's bias pass over the {@code [N, F]} activations.
     */
    private static INDArray[] withDerivative(INDArray u, INDArray bias, RowKernel kernel) {
        INDArray x = dense(u);
        int w = Math.toIntExact(x.size(x.rank() - 1));
        int rows = Math.toIntExact(x.length() / w);
        float[] b = bias == null ? new float[w] : FloatKernels.read(bias);
        if (b.length != w) {
            throw new IllegalArgumentException("bias of " + b.length + " for rows of " + w);
        }
        INDArray y = fresh(x.shape());
        INDArray d = fresh(x.shape());
        ByteBuffer bx = buffer(x);
        ByteBuffer by = buffer(y);
        ByteBuffer bd = buffer(d);
        FloatKernels.forChunks(rows, w, (r0, r1) -> kernel.apply(bx, b, w, by, bd, r0, r1));
        return new INDArray[] {y, d};
    }

    private static void gelu(ByteBuffer bx, float[] b, int w, ByteBuffer by, ByteBuffer bd, int r0, int r1) {
        int vw = F.loopBound(w);
        for (int r = r0; r < r1; r++) {
            int o = r * w;
            for (int j = 0; j < vw; j += L) {
                FloatVector v = load(bx, o + j).add(FloatVector.fromArray(F, b, j));
                store(v.mul(0.5f).mul(erf(v.mul(SQRT1_2)).add(1f)), by, o + j);
                store(geluDerivative(v), bd, o + j);
            }
            for (int j = vw; j < w; j++) {
                float v = bx.getFloat((o + j) << 2) + b[j];
                by.putFloat((o + j) << 2, 0.5f * v * (1f + FloatKernels.erf(v * SQRT1_2)));
                bd.putFloat((o + j) << 2, FloatKernels.geluDerivative(v));
            }
        }
    }

    /** {@link FloatKernels#erf}'s rational, lane-wise. */
    private static FloatVector erf(FloatVector x) {
        FloatVector s = x.max(-FloatKernels.ERF_CLAMP).min(FloatKernels.ERF_CLAMP).mul(1f / FloatKernels.ERF_CLAMP);
        FloatVector t = s.mul(s);
        FloatVector p = horner(t, FloatKernels.ERF_P);
        FloatVector q = horner(t, FloatKernels.ERF_Q);
        return s.mul(p).div(q);
    }

    /** {@link FloatKernels#geluDerivative}'s rational, lane-wise. */
    private static FloatVector geluDerivative(FloatVector u) {
        FloatVector s = u.max(-FloatKernels.DGELU_CLAMP).min(FloatKernels.DGELU_CLAMP)
                .mul(1f / FloatKernels.DGELU_CLAMP);
        FloatVector t = s.mul(s);
        FloatVector p = horner(t, FloatKernels.DG_P);
        FloatVector q = horner(t, FloatKernels.DG_Q);
        return s.mul(p).div(q).add(0.5f);
    }

    /** {@code c[0] + c[1] t + ... + c[k] t^k}, highest coefficient first in the multiply-adds. */
    private static FloatVector horner(FloatVector t, float[] c) {
        FloatVector acc = FloatVector.broadcast(F, c[c.length - 1]);
        for (int k = c.length - 2; k >= 0; k--) {
            acc = acc.fma(t, FloatVector.broadcast(F, c[k]));
        }
        return acc;
    }

    private static void geluTanh(ByteBuffer bx, float[] b, int w, ByteBuffer by, ByteBuffer bd, int r0, int r1) {
        int vw = F.loopBound(w);
        for (int r = r0; r < r1; r++) {
            int o = r * w;
            geluTanhValues(bx, b, by, bd, o, vw);
            geluTanhDerivatives(bx, b, bd, o, vw);
            for (int j = vw; j < w; j++) {
                float v = bx.getFloat((o + j) << 2) + b[j];
                float a = 2f * SQRT_2_OVER_PI * v * (1f + GELU_K * v * v);
                float e = exp(-Math.min(Math.max(a, -EXP_CLAMP), EXP_CLAMP));
                float s = 1f / (1f + e);
                by.putFloat((o + j) << 2, v * s);
                bd.putFloat((o + j) << 2, s + v * e * s * s * (2f * SQRT_2_OVER_PI) * (1f + 3f * GELU_K * v * v));
            }
        }
    }

    // Two passes over a row (in the L1 cache between them): the first stores y and E = exp(-2z) (into d's place),
    // the second turns E into dy/du. In one loop C2 reached its node limit and called the second store, boxing.
    // a = 2z = 2 sqrt(2/pi) (u + 0.044715 u^3), E = exp(-a) with a clamped to +-21.5, s = 1 / (1 + E), y = u s,
    // dy/du = s + u E s^2 2 sqrt(2/pi) (1 + 3k u^2).

    private static void geluTanhValues(ByteBuffer bx, float[] b, ByteBuffer by, ByteBuffer bd, int o, int vw) {
        for (int j = 0; j < vw; j += L) {
            FloatVector v = load(bx, o + j).add(FloatVector.fromArray(F, b, j));
            FloatVector a = v.mul(v).mul(GELU_K).add(1f).mul(v).mul(2f * SQRT_2_OVER_PI);
            FloatVector e = exp(a.max(-EXP_CLAMP).min(EXP_CLAMP).neg());
            store(v.div(e.add(1f)), by, o + j);
            store(e, bd, o + j);
        }
    }

    private static void geluTanhDerivatives(ByteBuffer bx, float[] b, ByteBuffer bd, int o, int vw) {
        for (int j = 0; j < vw; j += L) {
            FloatVector v = load(bx, o + j).add(FloatVector.fromArray(F, b, j));
            FloatVector e = load(bd, o + j);
            FloatVector s = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector dz = v.mul(v).mul(3f * GELU_K).add(1f).mul(2f * SQRT_2_OVER_PI);
            store(v.mul(e).mul(s).mul(s).mul(dz).add(s), bd, o + j);
        }
    }

    // ---------------------------------------------------------------- norms

    /** Layer norm or RMS norm of the rows of {@code x [N, H]}: {y, xhat, invStd [N, 1]}; beta null for RMS. */
    static INDArray[] norm(INDArray xIn, INDArray gammaIn, INDArray betaIn, double eps, boolean centred) {
        INDArray x = dense(xIn);
        int rows = Math.toIntExact(x.size(0));
        int h = Math.toIntExact(x.size(1));
        float[] g = FloatKernels.read(gammaIn);
        float[] b = betaIn == null ? new float[h] : FloatKernels.read(betaIn);
        INDArray y = fresh(rows, h);
        INDArray xhat = fresh(rows, h);
        INDArray inv = fresh(rows, 1);
        ByteBuffer bx = buffer(x);
        ByteBuffer by = buffer(y);
        ByteBuffer bh = buffer(xhat);
        ByteBuffer bi = buffer(inv);
        FloatKernels.forChunks(rows, h, (r0, r1) -> normRows(bx, g, b, eps, centred, h, by, bh, bi, r0, r1));
        return new INDArray[] {y, xhat, inv};
    }

    private static void normRows(ByteBuffer bx, float[] g, float[] b, double eps, boolean centred, int h,
                                 ByteBuffer by, ByteBuffer bh, ByteBuffer bi, int r0, int r1) {
        float[] lanes = new float[L];
        int vh = F.loopBound(h);
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float mean = 0f;
            if (centred) {
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < vh; j += L) {
                    acc = acc.add(load(bx, o + j));
                }
                float sum = sum(acc, lanes);
                for (int j = vh; j < h; j++) {
                    sum += bx.getFloat((o + j) << 2);
                }
                mean = sum / h;
            }
            FloatVector acc = FloatVector.zero(F);
            for (int j = 0; j < vh; j += L) {
                FloatVector c = load(bx, o + j).sub(mean);
                acc = c.fma(c, acc);
            }
            float sq = sum(acc, lanes);
            for (int j = vh; j < h; j++) {
                float c = bx.getFloat((o + j) << 2) - mean;
                sq += c * c;
            }
            float is = (float) (1.0 / Math.sqrt((double) sq / h + eps));
            bi.putFloat(r << 2, is);
            for (int j = 0; j < vh; j += L) {
                FloatVector xh = load(bx, o + j).sub(mean).mul(is);
                store(xh, bh, o + j);
                store(xh.fma(FloatVector.fromArray(F, g, j), FloatVector.fromArray(F, b, j)), by, o + j);
            }
            for (int j = vh; j < h; j++) {
                float xh = (bx.getFloat((o + j) << 2) - mean) * is;
                bh.putFloat((o + j) << 2, xh);
                by.putFloat((o + j) << 2, xh * g[j] + b[j]);
            }
        }
    }

    /**
     * Backward of {@link #norm}: returns {@code dx} (plus {@code residual} when not null, the residual branch's
     * gradient of a pre-norm block) and writes {@code dGamma}, {@code dBeta} (centred only). Column sums are taken
     * per fixed chunk of rows and added in chunk order: the same for any thread count.
     */
    static INDArray normBackward(INDArray dyIn, INDArray xhatIn, INDArray invStd, INDArray gamma, INDArray dGamma,
                                 INDArray dBeta, boolean centred, INDArray residual) {
        return normBackward(dyIn, xhatIn, invStd, gamma, dGamma, dBeta, centred, residual, null, null)[0];
    }

    /**
     * {@link #normBackward(INDArray, INDArray, INDArray, INDArray, INDArray, INDArray, boolean, INDArray)} of a
     * post-norm sublayer {@code y = norm(x + mask * (out + bias))}, also going back through the residual branch's
     * dropout: returns {@code {dx, dOut = dx * mask}} ({@code dOut} is {@code dx} itself when {@code mask} is null)
     * and writes {@code dBias = colsum(dOut)} when {@code dBias} is not null, in the same chunked pass (the chunk's
     * rows are still in the cache) with the same fixed-chunk order of sums as dGamma and dBeta.
     */
    static INDArray[] normBackward(INDArray dyIn, INDArray xhatIn, INDArray invStd, INDArray gamma, INDArray dGamma,
                                   INDArray dBeta, boolean centred, INDArray residual, INDArray mask,
                                   INDArray dBias) {
        INDArray dy = dense(dyIn);
        INDArray xhat = dense(xhatIn);
        INDArray inv = dense(invStd);
        INDArray res = residual == null ? null : dense(residual);
        INDArray m = mask == null ? null : dense(mask);
        int rows = Math.toIntExact(dy.size(0));
        int h = Math.toIntExact(dy.size(1));
        float[] g = FloatKernels.read(gamma);
        INDArray dx = fresh(rows, h);
        INDArray dOut = m == null ? dx : fresh(rows, h);
        ByteBuffer bd = buffer(dy);
        ByteBuffer bh = buffer(xhat);
        ByteBuffer bi = buffer(inv);
        ByteBuffer br = res == null ? null : buffer(res);
        ByteBuffer bo = buffer(dx);
        ByteBuffer bm = m == null ? null : buffer(m);
        ByteBuffer bf = m == null ? null : buffer(dOut);
        boolean second = m != null || dBias != null;
        // blocks of ~8 KB: the product pass reads dx back from the L1 cache
        int block = Math.max(1, 2048 / h);
        FloatKernels.columnSumChunks(rows, h, new INDArray[] {dGamma, dBeta, dBias}, (sums, r0, r1) -> {
            for (int b0 = r0; b0 < r1; b0 += block) {
                int b1 = Math.min(r1, b0 + block);
                normBackwardRows(bd, bh, bi, g, centred, h, br, bo, sums[0], sums[1], b0, b1);
                if (second) {
                    productRows(bo, bm, bf, sums[2], h, b0, b1);
                }
            }
        });
        return new INDArray[] {dx, dOut};
    }

    private static void normBackwardRows(ByteBuffer bd, ByteBuffer bh, ByteBuffer bi, float[] g, boolean centred,
                                         int h, ByteBuffer br, ByteBuffer bo, float[] gs, float[] bs, int r0, int r1) {
        float[] lanes = new float[L];
        int vh = F.loopBound(h);
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            for (int j = 0; j < vh; j += L) {
                FloatVector d = load(bd, o + j);
                FloatVector xh = load(bh, o + j);
                FloatVector dxh = d.mul(FloatVector.fromArray(F, g, j));
                a1 = a1.add(dxh);
                a2 = dxh.fma(xh, a2);
                d.fma(xh, FloatVector.fromArray(F, gs, j)).intoArray(gs, j);
                d.add(FloatVector.fromArray(F, bs, j)).intoArray(bs, j);
            }
            float m1 = sum(a1, lanes);
            float m2 = sum(a2, lanes);
            for (int j = vh; j < h; j++) {
                float d = bd.getFloat((o + j) << 2);
                float xh = bh.getFloat((o + j) << 2);
                float dxh = d * g[j];
                m1 += dxh;
                m2 += dxh * xh;
                gs[j] += d * xh;
                bs[j] += d;
            }
            m1 = centred ? m1 / h : 0f;
            m2 /= h;
            float is = bi.getFloat(r << 2);
            for (int j = 0; j < vh; j += L) {
                FloatVector xh = load(bh, o + j);
                FloatVector v = load(bd, o + j).mul(FloatVector.fromArray(F, g, j)).sub(m1).sub(xh.mul(m2)).mul(is);
                if (br != null) {
                    v = v.add(load(br, o + j));
                }
                store(v, bo, o + j);
            }
            for (int j = vh; j < h; j++) {
                float v = (bd.getFloat((o + j) << 2) * g[j] - m1 - bh.getFloat((o + j) << 2) * m2) * is;
                if (br != null) {
                    v += br.getFloat((o + j) << 2);
                }
                bo.putFloat((o + j) << 2, v);
            }
        }
    }

    // ---------------------------------------------------------------- dropout

    /** 0, 1, ..., L - 1 as int lanes. */
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    /**
     * The keep decisions (1 or 0) of {@link FloatKernels#dropoutMask}'s hash for elements {@code base .. base + L - 1},
     * as floats times {@code scale}: murmur3's finaliser of (index, seed), kept when the top 24 bits are below the
     * threshold. The same integer operations as the heap kernel, so the same masks bit for bit.
     */
    private static FloatVector maskLanes(int base, int hi, int lo, int threshold, float scale) {
        IntVector h = IOTA.add(base).lanewise(VectorOperators.XOR, hi).mul(0x9E3779B1).add(lo);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EBCA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2AE35);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
        // keep (1 or 0) times scale, as bits: -1 & bits(scale) or 0 (no int-to-float conversion, slow in Java 17)
        IntVector keep = h.lanewise(VectorOperators.LSHR, 8).sub(threshold).lanewise(VectorOperators.ASHR, 31);
        return keep.and(Float.floatToRawIntBits(scale)).reinterpretAsFloats();
    }

    /** The scalar form of {@link #maskLanes} for one element. */
    private static float maskValue(int index, int hi, int lo, int threshold, float scale) {
        int h = (index ^ hi) * 0x9E3779B1 + lo;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return (((h >>> 8) - threshold) >>> 31) * scale;
    }

    /** The mask of {@link FloatKernels#dropoutMask}. */
    static INDArray dropoutMask(long[] shape, int threshold, float scale, long seed) {
        INDArray m = fresh(shape);
        int n = Math.toIntExact(m.length());
        ByteBuffer bm = buffer(m);
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        FloatKernels.forChunks(n, 1, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                store(maskLanes(i, hi, lo, threshold, scale), bm, i);
            }
            for (; i < to; i++) {
                bm.putFloat(i << 2, maskValue(i, hi, lo, threshold, scale));
            }
        });
        return m;
    }

    /**
     * {@code x * mask + residual} ({@code residual} may be null) for the mask of {@link FloatKernels#dropoutMask};
     * with {@code keepMask} also the mask: {sum, mask or null}.
     */
    static INDArray[] dropped(INDArray xIn, INDArray residualIn, int threshold, float scale, long seed,
                              boolean keepMask) {
        INDArray x = dense(xIn);
        INDArray r = residualIn == null ? null : dense(residualIn);
        int n = Math.toIntExact(x.length());
        INDArray out = fresh(x.shape());
        INDArray m = keepMask ? fresh(x.shape()) : null;
        ByteBuffer bx = buffer(x);
        ByteBuffer br = r == null ? null : buffer(r);
        ByteBuffer bo = buffer(out);
        ByteBuffer bm = m == null ? null : buffer(m);
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        FloatKernels.forChunks(n, 1, (from, to) -> {
            int i = from;
            for (int end = from + F.loopBound(to - from); i < end; i += L) {
                FloatVector mask = maskLanes(i, hi, lo, threshold, scale);
                FloatVector v = load(bx, i).mul(mask);
                store(br == null ? v : v.add(load(br, i)), bo, i);
                if (bm != null) {
                    store(mask, bm, i);
                }
            }
            for (; i < to; i++) {
                float mask = maskValue(i, hi, lo, threshold, scale);
                float v = bx.getFloat(i << 2) * mask;
                bo.putFloat(i << 2, br == null ? v : v + br.getFloat(i << 2));
                if (bm != null) {
                    bm.putFloat(i << 2, mask);
                }
            }
        });
        return new INDArray[] {out, m};
    }

    // ---------------------------------------------------------------- residual sublayers and bias gradients

    /**
     * The residual sum of a sublayer {@code s = x + mask * (out + bias)} ({@code bias} may be null; without
     * {@code drop} no mask) and, when {@code gamma} is not null, its norm: returns {@code {y, xhat, invStd, mask}}
     * ({@link #norm}'s three and the mask, null without {@code drop}) or, without a norm, {@code {s, null, null,
     * mask}}. One pass over the GEMM's output where the bias add, {@link #dropped} and {@link #norm} took three; the
     * arithmetic is theirs, operation for operation ({@code out + bias}, times the mask, plus x, then the norm of the
     * sum), so the results are the same bit for bit. Per chunk of rows the sum is written into xhat's place and
     * normalised there while in the cache.
     */
    static INDArray[] residual(INDArray outIn, INDArray bias, INDArray xIn, boolean drop, int threshold, float scale,
                               long seed, INDArray gamma, INDArray beta, double eps, boolean centred) {
        INDArray out = dense(outIn);
        INDArray x = dense(xIn);
        int rows = Math.toIntExact(out.size(0));
        int h = Math.toIntExact(out.size(1));
        float[] bb = bias == null ? null : FloatKernels.read(bias);
        boolean normed = gamma != null;
        float[] g = normed ? FloatKernels.read(gamma) : null;
        float[] b = beta == null ? new float[h] : FloatKernels.read(beta);
        INDArray sum = fresh(rows, h);
        INDArray y = normed ? fresh(rows, h) : sum;
        INDArray inv = normed ? fresh(rows, 1) : null;
        INDArray m = drop ? fresh(rows, h) : null;
        ByteBuffer bo = buffer(out);
        ByteBuffer bx = buffer(x);
        ByteBuffer bs = buffer(sum);
        ByteBuffer by = buffer(y);
        ByteBuffer bi = normed ? buffer(inv) : null;
        ByteBuffer bm = drop ? buffer(m) : null;
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        FloatKernels.forChunks(rows, h, (r0, r1) -> {
            residualRows(bo, bb, bx, bm, hi, lo, threshold, scale, h, bs, r0, r1);
            if (normed) {
                normRows(bs, g, b, eps, centred, h, by, bs, bi, r0, r1);
            }
        });
        return normed ? new INDArray[] {y, sum, inv, m} : new INDArray[] {sum, null, null, m};
    }

    /** Rows [r0, r1) of {@code s = x + mask * (out + bias)} into bs (bias, mask may be null). */
    private static void residualRows(ByteBuffer bo, float[] bias, ByteBuffer bx, ByteBuffer bm, int hi, int lo,
                                     int threshold, float scale, int h, ByteBuffer bs, int r0, int r1) {
        int vh = F.loopBound(h);
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            for (int j = 0; j < vh; j += L) {
                FloatVector v = load(bo, o + j);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(F, bias, j));
                }
                if (bm != null) {
                    FloatVector mask = maskLanes(o + j, hi, lo, threshold, scale);
                    store(mask, bm, o + j);
                    v = v.mul(mask);
                }
                store(v.add(load(bx, o + j)), bs, o + j);
            }
            for (int j = vh; j < h; j++) {
                float v = bo.getFloat((o + j) << 2);
                if (bias != null) {
                    v += bias[j];
                }
                if (bm != null) {
                    float mask = maskValue(o + j, hi, lo, threshold, scale);
                    bm.putFloat((o + j) << 2, mask);
                    v *= mask;
                }
                bs.putFloat((o + j) << 2, v + bx.getFloat((o + j) << 2));
            }
        }
    }

    /**
     * {@code p = a * b} over rows of the last dimension ({@code b} may be null: {@code p = a}) written into
     * {@code out} when not null ({@code a} itself for in place, or a new dense array alike in shape), and
     * {@code colsum(p)} into {@code sum}: the output projection's bias gradient taken in the pass through a
     * pre-norm sublayer's residual dropout ({@link Residual#backward}). Alone, as a plain column sum, it is no faster
     * than OpenBLAS's ones-vector GEMM ({@link Dense#columnSums}; see BENCHMARKS). Sums in fixed chunks
     * ({@link FloatKernels#columnSumChunks}), per block of ~8 KB of rows. Returns what was written into
     * (a dense copy of {@code a} when {@code out} is {@code a} but {@code a} is not dense), or null.
     */
    static INDArray productColumnSums(INDArray a, INDArray b, INDArray out, INDArray sum) {
        INDArray ad = dense(a);
        INDArray bd = b == null ? null : dense(b);
        INDArray o = out == a ? ad : out == null ? null : dense(out);
        int w = Math.toIntExact(ad.size(ad.rank() - 1));
        int rows = Math.toIntExact(ad.length() / w);
        ByteBuffer ba = buffer(ad);
        ByteBuffer bb = bd == null ? null : buffer(bd);
        ByteBuffer bo = o == null ? null : buffer(o);
        // blocks of ~8 KB of rows: productRows goes down columns, which within a block stay in the L1 cache
        int block = Math.max(1, 2048 / w);
        FloatKernels.columnSumChunks(rows, w, new INDArray[] {sum}, (sums, r0, r1) -> {
            for (int b0 = r0; b0 < r1; b0 += block) {
                productRows(ba, bb, bo, sums[0], w, b0, Math.min(r1, b0 + block));
            }
        });
        if (o != null && o != ad && o != out) {
            out.assign(o);
        }
        return o;
    }

    /**
     * Rows [r0, r1) of {@code p = a * b} (bb may be null) into bo (may be null, or ba), colsum(p) added to sums. Column
     * by column of vectors, the sum in a register down the rows (in row order, as a row-by-row pass would add them):
     * a row-by-row pass loading and storing the sums for every vector ran at ~60% of the speed of OpenBLAS's ones-vector
     * GEMM. One small loop per case, no branches inside.
     */
    private static void productRows(ByteBuffer ba, ByteBuffer bb, ByteBuffer bo, float[] sums, int w, int r0,
                                    int r1) {
        int vw = F.loopBound(w);
        for (int j = 0; j < vw; j += L) {
            if (bb == null) {
                columnSum(ba, sums, w, j, r0, r1);
            } else if (bo == null) {
                productColumnSum(ba, bb, sums, w, j, r0, r1);
            } else {
                productColumn(ba, bb, bo, sums, w, j, r0, r1);
            }
        }
        for (int j = vw; j < w; j++) {
            float s = sums[j];
            for (int r = r0; r < r1; r++) {
                int i = (r * w + j) << 2;
                float v = ba.getFloat(i);
                if (bb != null) {
                    v *= bb.getFloat(i);
                }
                if (bo != null) {
                    bo.putFloat(i, v);
                }
                s += v;
            }
            sums[j] = s;
        }
    }

    private static void columnSum(ByteBuffer ba, float[] sums, int w, int j, int r0, int r1) {
        FloatVector acc = FloatVector.fromArray(F, sums, j);
        for (int r = r0; r < r1; r++) {
            acc = acc.add(load(ba, r * w + j));
        }
        acc.intoArray(sums, j);
    }

    private static void productColumnSum(ByteBuffer ba, ByteBuffer bb, float[] sums, int w, int j, int r0, int r1) {
        FloatVector acc = FloatVector.fromArray(F, sums, j);
        for (int r = r0; r < r1; r++) {
            acc = acc.add(load(ba, r * w + j).mul(load(bb, r * w + j)));
        }
        acc.intoArray(sums, j);
    }

    private static void productColumn(ByteBuffer ba, ByteBuffer bb, ByteBuffer bo, float[] sums, int w, int j, int r0,
                                      int r1) {
        FloatVector acc = FloatVector.fromArray(F, sums, j);
        for (int r = r0; r < r1; r++) {
            FloatVector v = load(ba, r * w + j).mul(load(bb, r * w + j));
            store(v, bo, r * w + j);
            acc = acc.add(v);
        }
        acc.intoArray(sums, j);
    }

    // ---------------------------------------------------------------- attention

    /**
     * Softmax over the last dimension of the scores {@code s [..., Tq, Tk]} (dense, overwritten with the
     * probabilities) and, when {@code threshold} is below 2^24, the dropped probabilities {@code P * mask} (mask of
     * {@link FloatKernels#dropoutMask} over the element indices of {@code s}) as a new array; else {@code s}. With
     * {@code causal}, query i attends to keys up to {@code i + Tk - Tq} only: the later ones get probability 0, as
     * {@link Attention#causalBias}'s -1e9 gives them, without the bias pass or their exps.
     */
    static INDArray softmaxDropout(INDArray s, boolean causal, int threshold, float scale, long seed) {
        int width = Math.toIntExact(s.size(s.rank() - 1));
        int queries = Math.toIntExact(s.size(s.rank() - 2));
        int rows = Math.toIntExact(s.length() / width);
        int shift = causal ? width - queries : -1;
        boolean drop = threshold < FloatKernels.KEEP_ALL;
        INDArray pd = drop ? fresh(s.shape()) : s;
        ByteBuffer bs = buffer(s);
        ByteBuffer bp = drop ? buffer(pd) : null;
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        // blocks of rows (~32 KB): softmax, then the dropout of the block while it is in the cache
        int block = Math.max(1, 8192 / width);
        FloatKernels.forChunks(rows, width, (r0, r1) -> {
            float[] lanes = new float[L];
            for (int b0 = r0; b0 < r1; b0 += block) {
                int b1 = Math.min(r1, b0 + block);
                for (int r = b0; r < b1; r++) {
                    if (shift < 0) {
                        softmaxRow(bs, r * width, width, lanes);
                    } else {
                        causalRow(bs, r * width, Math.min(width, r % queries + shift + 1), width, lanes);
                    }
                }
                if (bp != null) {
                    dropBlock(bs, bp, b0 * width, b1 * width, hi, lo, threshold, scale);
                }
            }
        });
        return pd;
    }

    // The row kernels below are a few small methods, each with one vector loop and only scalars in its signature:
    // one method for a whole row made C2 reach its node limit (NodeCountInliningCutoff, seen with -XX:+PrintInlining)
    // and call some vector helpers instead of inlining them, boxing every vector (1.5-2x slower). Whether the row
    // method inlines these passes or calls them does not matter: no vector crosses their boundaries.

    /** Softmax of one row of {@code w} scores at element {@code o}, in place. */
    private static void softmaxRow(ByteBuffer bs, int o, int w, float[] lanes) {
        int vw = F.loopBound(w);
        float max = rowMax(bs, o, vw, w);
        float sum = expRow(bs, o, vw, w, max, lanes);
        scaleRow(bs, o, vw, w, 1f / sum);
    }

    /**
     * One causal row at element {@code o}: softmax of its first {@code n} of {@code w} scores, 0 for the rest. When w
     * is a multiple of the lane count, the scores from n to the end of the vector holding the n-th are first set to
     * -inf (exp gives them 0), so the passes need no scalar tails.
     */
    private static void causalRow(ByteBuffer bs, int o, int n, int w, float[] lanes) {
        int vn = w % L == 0 ? (n + L - 1) / L * L : n;
        for (int j = n; j < vn; j++) {
            bs.putFloat((o + j) << 2, Float.NEGATIVE_INFINITY);
        }
        int vf = F.loopBound(vn);
        float max = rowMax(bs, o, vf, vn);
        float sum = expRow(bs, o, vf, vn, max, lanes);
        scaleRow(bs, o, vf, vn, 1f / sum);
        zeroRow(bs, o, vn, w);
    }

    /** The largest of the row's scores {@code [0, n)}, vectors up to {@code vn}. */
    private static float rowMax(ByteBuffer bs, int o, int vn, int n) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < vn; j += L) {
            mx = mx.max(load(bs, o + j));
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (int j = vn; j < n; j++) {
            max = Math.max(max, bs.getFloat((o + j) << 2));
        }
        return max;
    }

    /** Replaces the row's scores {@code [0, n)} by {@code exp(s - max)} and returns their sum. */
    private static float expRow(ByteBuffer bs, int o, int vn, int n, float max, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < vn; j += L) {
            FloatVector e = expNonPositive(load(bs, o + j).sub(max));
            store(e, bs, o + j);
            acc = acc.add(e);
        }
        float sum = sum(acc, lanes);
        for (int j = vn; j < n; j++) {
            float e = exp(bs.getFloat((o + j) << 2) - max);
            bs.putFloat((o + j) << 2, e);
            sum += e;
        }
        return sum;
    }

    /** Multiplies the row's values {@code [0, n)} by {@code inv}. */
    private static void scaleRow(ByteBuffer bs, int o, int vn, int n, float inv) {
        for (int j = 0; j < vn; j += L) {
            store(load(bs, o + j).mul(inv), bs, o + j);
        }
        for (int j = vn; j < n; j++) {
            bs.putFloat((o + j) << 2, bs.getFloat((o + j) << 2) * inv);
        }
    }

    /**
     * The probabilities of elements {@code [from, to)} times the dropout mask, into bp. A pass of its own: inlined
     * into the row passes, its store was past C2's node limit (called, boxing every vector).
     */
    private static void dropBlock(ByteBuffer bs, ByteBuffer bp, int from, int to, int hi, int lo, int threshold,
                                  float scale) {
        drop(bs, bp, from, to - from, from, hi, lo, threshold, scale);
    }

    /**
     * {@code bd[o + i] = bs[o + i] * mask(maskBase + i)} for {@code i < n}: the dropout product of n elements at
     * element o of both buffers, the mask taken at the elements' place maskBase.. in the whole array.
     */
    private static void drop(ByteBuffer bs, ByteBuffer bd, int o, int n, int maskBase, int hi, int lo, int threshold,
                             float scale) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += L) {
            store(load(bs, o + i).mul(maskLanes(maskBase + i, hi, lo, threshold, scale)), bd, o + i);
        }
        for (; i < n; i++) {
            bd.putFloat((o + i) << 2, bs.getFloat((o + i) << 2) * maskValue(maskBase + i, hi, lo, threshold, scale));
        }
    }

    /** Zeros the row's elements {@code [from, w)}. */
    private static void zeroRow(ByteBuffer b, int o, int from, int w) {
        int z = from;
        if (w % L == 0 && z % L == 0) {
            for (; z < w; z += L) {
                store(FloatVector.zero(F), b, o + z);
            }
        }
        for (; z < w; z++) {
            b.putFloat((o + z) << 2, 0f);
        }
    }

    /**
     * The scores' gradient of softmax with dropout, in place: {@code g <- D * g - P * rowsum(D * g)} over the last
     * dimension, D the dropped probabilities (may be P itself), all dense and alike in shape.
     */
    static void softmaxBackward(INDArray g, INDArray p, INDArray d) {
        int width = Math.toIntExact(g.size(g.rank() - 1));
        int rows = Math.toIntExact(g.length() / width);
        ByteBuffer bg = buffer(g);
        ByteBuffer bp = buffer(p);
        ByteBuffer bd = buffer(d);
        FloatKernels.forChunks(rows, width, (r0, r1) -> softmaxBackwardRows(bg, bp, bd, width, r0, r1));
    }

    private static void softmaxBackwardRows(ByteBuffer bg, ByteBuffer bp, ByteBuffer bd, int w, int r0, int r1) {
        softmaxBackwardRows(bg, bp, bd, w, w, r0, r1);
    }

    // ---------------------------------------------------------------- attention by (batch, head) blocks
    //
    // Helpers of FusedAttention's element-wise steps on one [Tq, Tk] block while it is in the cache (the row-tile
    // kernels at the end of this class).

    /** Scratch for the lane sums of the row kernels. */
    static float[] lanes() {
        return new float[L];
    }

    /** Elements {@code [from, from + n)} of a buffer from {@link #buffer}, as a native-order view starting at 0. */
    static ByteBuffer slice(ByteBuffer whole, long from, int n) {
        return whole.slice(Math.toIntExact(from << 2), n << 2).order(NATIVE);
    }

    /** Adds {@code w} values of {@code b} from element {@code bo} to the row at element {@code o} of {@code bs}. */
    private static void addRow(ByteBuffer bs, int o, ByteBuffer b, int bo, int w) {
        int vw = F.loopBound(w);
        for (int j = 0; j < vw; j += L) {
            store(load(bs, o + j).add(load(b, bo + j)), bs, o + j);
        }
        for (int j = vw; j < w; j++) {
            bs.putFloat((o + j) << 2, bs.getFloat((o + j) << 2) + b.getFloat((bo + j) << 2));
        }
    }

    // ---------------------------------------------------------------- causal blocks by row tiles (FusedAttention)
    //
    // FusedAttention's element-wise steps on the rows [r0, r1) of one [tq, tk] block (row stride tk) whose products
    // covered the keys [0, nk) only: in a causal block, the keys after a tile's last query are masked for all of its
    // rows, and their scores are never computed. The rows go through the row kernels above as softmaxDropout and
    // softmaxBackward run them, on the same values; the dropout mask is indexed by the element's place in the whole
    // [B, h, Tq, Tk] scores (maskBase + i), as theirs is. A whole block is the tile r0 = 0, r1 = tq, nk = tk, and gives
    // their values bit for bit. Causal rows cut at the vector holding their last key: where the widths are multiples
    // of the lane count (T = 128, tiles of 16 rows or more), the lanes' partial sums and so the values are the same
    // (up to the sign of zeros); other widths move some terms from the lanes into the scalar tail (float rounding).

    /**
     * Rows {@code [r0, r1)} of one block's probabilities in place: the scores plus the key bias ({@code tk} values, or
     * null) plus the position bias ({@code [tq, tk]}, or null), in that order as the broadcast adds before
     * {@link #softmaxDropout}, over the first {@code nk} columns, then each row's softmax (causal as there, by the
     * row's number in the block; a causal row's columns after its last key, up to tk, become 0). Not causal: nk = tk.
     */
    static void probabilityRows(ByteBuffer bs, int r0, int r1, int tq, int tk, int nk, ByteBuffer keyBias,
                                ByteBuffer positionBias, boolean causal, float[] lanes) {
        int shift = causal ? tk - tq : -1;
        for (int r = r0; r < r1; r++) {
            int o = r * tk;
            if (keyBias != null) {
                addRow(bs, o, keyBias, 0, nk);
            }
            if (positionBias != null) {
                addRow(bs, o, positionBias, o, nk);
            }
            if (shift < 0) {
                softmaxRow(bs, o, tk, lanes);
            } else {
                causalRow(bs, o, Math.min(tk, r + shift + 1), tk, lanes);
            }
        }
    }

    /**
     * {@code bd[i] = bp[i] * mask(maskBase + i)} for the first {@code nk} elements of the rows {@code [r0, r1)} (row
     * stride tk) of a {@code [tq, tk]} block at the start of both buffers: {@link #dropBlock}'s values for elements
     * {@code maskBase ..} of the scores. A causal row stops at the vector holding its last key and has zeros after
     * it (where its probabilities are 0): the same values.
     */
    static void dropRows(ByteBuffer bp, ByteBuffer bd, int r0, int r1, int tq, int tk, int nk, boolean causal,
                         int maskBase, long seed, int threshold, float scale) {
        int hi = (int) (seed >>> 32);
        int lo = (int) seed;
        if (!causal && nk == tk) {
            drop(bp, bd, r0 * tk, (r1 - r0) * tk, maskBase + r0 * tk, hi, lo, threshold, scale);
            return;
        }
        int shift = tk - tq;
        for (int r = r0; r < r1; r++) {
            int w = causal ? Math.min(nk, (Math.min(tk, r + shift + 1) + L - 1) / L * L) : nk;
            drop(bp, bd, r * tk, w, maskBase + r * tk, hi, lo, threshold, scale);
            zeroRow(bd, r * tk, w, nk);
        }
    }

    /** Zeros the columns {@code [nk, tk)} of the rows {@code [r0, r1)} (row stride tk). */
    static void zeroRows(ByteBuffer b, int r0, int r1, int tk, int nk) {
        for (int r = r0; r < r1; r++) {
            zeroRow(b, r * tk, nk, tk);
        }
    }

    /**
     * {@link #softmaxBackward}'s rows {@code [r0, r1)} of width {@code w} and row stride {@code stride} (g in place, p
     * and d alike), all at their buffers' start.
     */
    static void softmaxBackwardRows(ByteBuffer bg, ByteBuffer bp, ByteBuffer bd, int stride, int w, int r0,
                                    int r1) {
        float[] lanes = new float[L];
        for (int r = r0; r < r1; r++) {
            softmaxBackwardRow(bg, bp, bd, r * stride, w, lanes);
        }
    }

    /**
     * The causal rows {@code [r0, r1)} of a {@code [tq, tk]} block's scores' gradient (g in place, p and d alike, at
     * their buffers' start): {@link #softmaxBackwardRows} of each row's first keys, up to the vector holding its last
     * one (masked columns have P = D = 0, whose gradient is 0), then zeros up to {@code nk}. The values equal those of
     * the whole rows up to the sign of zeros.
     */
    static void causalBackwardRows(ByteBuffer bg, ByteBuffer bp, ByteBuffer bd, int r0, int r1, int tq, int tk,
                                   int nk) {
        float[] lanes = new float[L];
        int shift = tk - tq;
        for (int r = r0; r < r1; r++) {
            int n = Math.min(tk, r + shift + 1);
            int w = Math.min(nk, (n + L - 1) / L * L);
            softmaxBackwardRow(bg, bp, bd, r * tk, w, lanes);
            zeroRow(bg, r * tk, w, nk);
        }
    }

    /** {@code g <- d * g - p * sum(d * g)} over the {@code w} elements at element {@code o}. */
    private static void softmaxBackwardRow(ByteBuffer bg, ByteBuffer bp, ByteBuffer bd, int o, int w, float[] lanes) {
        int vw = F.loopBound(w);
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < vw; j += L) {
            FloatVector dg = load(bd, o + j).mul(load(bg, o + j));
            store(dg, bg, o + j);
            acc = acc.add(dg);
        }
        float dot = sum(acc, lanes);
        for (int j = vw; j < w; j++) {
            float dg = bd.getFloat((o + j) << 2) * bg.getFloat((o + j) << 2);
            bg.putFloat((o + j) << 2, dg);
            dot += dg;
        }
        for (int j = 0; j < vw; j += L) {
            store(load(bp, o + j).neg().fma(FloatVector.broadcast(F, dot), load(bg, o + j)), bg, o + j);
        }
        for (int j = vw; j < w; j++) {
            bg.putFloat((o + j) << 2, bg.getFloat((o + j) << 2) - bp.getFloat((o + j) << 2) * dot);
        }
    }

    // ---------------------------------------------------------------- LM head: softmax and argmax of logit rows
    //
    // Softmax.rowsWithArgMax's kernel for the language-model heads (LinearSoftmaxCrossEntropy's chunks of [r, V]
    // logits, SoftmaxCrossEntropy's [N, V]): ND4J's bias add, softmax and argMax took four passes over the array and
    // three JNI calls. Here each row (V floats: 32 KB at 8k words, 122 KB at 30k) goes through its passes while it is
    // in the L1/L2 cache: the max of x + bias (x + bias written into z), the first place of the max (a scan that stops
    // there: half a row on average), exp(z - max) in place and its sum (expRow), times 1 / sum (scaleRow). Rows are
    // split over threads whole: the values do not depend on the thread count. Tracking the argmax lane by lane in the
    // max pass (a compare and two blends per vector) made that pass 5-7x slower on Java 17 than max alone.

    /**
     * {@code z <- softmax(x + bias)} of each row of {@code x, z [n, C]} (dense, row-major, at their buffers' start;
     * {@code z} may be {@code x}; {@code bias} C values or null) and, into {@code argMax} when not null, the first
     * place of each row's largest {@code x + bias} (ND4J's argMax; 0 for a row without one, all NaN).
     */
    static void softmaxArgMax(INDArray x, INDArray bias, INDArray z, int[] argMax) {
        int rows = Math.toIntExact(x.size(0));
        int w = Math.toIntExact(x.size(1));
        // no bias but a separate output: adding zeros copies x (-0 becomes +0: the same probabilities)
        float[] b = bias != null ? FloatKernels.read(bias) : x != z ? new float[w] : null;
        if (b != null && b.length != w) {
            throw new IllegalArgumentException("bias of " + b.length + " for rows of " + w);
        }
        ByteBuffer bx = buffer(x);
        ByteBuffer bz = buffer(z);
        FloatKernels.forChunks(rows, w, (r0, r1) -> {
            float[] lanes = new float[L];
            int vw = F.loopBound(w);
            for (int r = r0; r < r1; r++) {
                int o = r * w;
                float max = b == null ? rowMax(bz, o, vw, w) : biasedRowMax(bx, b, bz, o, vw, w);
                if (argMax != null) {
                    argMax[r] = firstPlace(bz, o, vw, w, max);
                }
                float sum = expRow(bz, o, vw, w, max, lanes);
                scaleRow(bz, o, vw, w, 1f / sum);
            }
        });
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(z);
    }

    /** {@link #rowMax} of {@code bx + b}, the sums written into bz (the same row of another buffer, or bx itself). */
    private static float biasedRowMax(ByteBuffer bx, float[] b, ByteBuffer bz, int o, int vw, int w) {
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < vw; j += L) {
            FloatVector v = load(bx, o + j).add(FloatVector.fromArray(F, b, j));
            store(v, bz, o + j);
            mx = mx.max(v);
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (int j = vw; j < w; j++) {
            float v = bx.getFloat((o + j) << 2) + b[j];
            bz.putFloat((o + j) << 2, v);
            max = Math.max(max, v);
        }
        return max;
    }

    /** The first place of {@code value} in the row at element {@code o} of bz, 0 if none. */
    private static int firstPlace(ByteBuffer bz, int o, int vw, int w, float value) {
        for (int j = 0; j < vw; j += L) {
            VectorMask<Float> hit = load(bz, o + j).eq(value);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        for (int j = vw; j < w; j++) {
            if (bz.getFloat((o + j) << 2) == value) {
                return j;
            }
        }
        return 0;
    }
}
