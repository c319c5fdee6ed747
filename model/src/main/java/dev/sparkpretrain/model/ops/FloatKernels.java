package dev.sparkpretrain.model.ops;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fused element-wise kernels for FLOAT activations, in plain Java over heap {@code float[]} copies of the ND4J
 * buffers. Each libnd4j op is one JNI call (10-150 µs) and one full pass over memory, and libnd4j's transcendental
 * transforms (erf, exp, sigmoid) are scalar (4-5 ns per element): exact GELU forward + backward was ~12 passes, a
 * layer norm 6-8. Here the copy in (a bulk {@link FloatBuffer} get), a few small loops that C2 vectorizes (a rational
 * erf costs ~1 ns per element) and the copies out replace them. The copies are not free (~1 ns per element each on
 * this machine, as much as a cheap libnd4j pass), so only kernels that replace several passes are worth it.
 *
 * <p>erf and the exact GELU's derivative are clamped odd rationals {@code x P(x^2) / Q(x^2)} (x scaled into [-1, 1])
 * fitted by weighted least squares against mpmath (minimax-like Lawson iterations): their own error is below 1e-9
 * absolute; evaluated in float (Horner) it is at most ~3.3e-7 absolute, a few float ulps, measured in
 * {@code FloatKernelsTest} (libnd4j's float erf: 4e-8). The tanh GELU uses a vectorizable {@link #expNeg}. Results
 * are within float rounding of the ND4J formulations, not bit-identical. C2 (Java 17) vectorizes only small loop
 * bodies that store to one array and do not use the loop index as a value; hence the many short loops.
 *
 * <p>Work is split over rows in fixed chunks, run in parallel on the common fork-join pool only when libnd4j itself
 * uses more than one thread and the array is large; each element's value does not depend on the split.
 */
public final class FloatKernels {
    private FloatKernels() {}

    /** Below this many elements a kernel runs on the calling thread (a fork-join hand-off costs ~10-50 µs). */
    private static final int PARALLEL_MIN = 1 << 16;
    /** Elements per parallel chunk (whole rows are kept together). */
    static final int CHUNK = 1 << 15;

    // erf(x) = s P(s^2) / Q(s^2), s = clamp(x, -4, 4) / 4 (erf(4) = 1 - 1.5e-8); fitted error 1.3e-10.
    static final float ERF_CLAMP = 4f;
    private static final float ERF_P0 = 4.5135166633574775f, ERF_P1 = 13.919830234491917f,
            ERF_P2 = 62.42731400749351f, ERF_P3 = 95.14271719081081f, ERF_P4 = 150.6528373621428f,
            ERF_P5 = 118.7765429574399f, ERF_P6 = 58.110454972071416f, ERF_P7 = 3.16578720130075f;
    private static final float ERF_Q1 = 8.417365124834832f, ERF_Q2 = 33.12382837706185f,
            ERF_Q3 = 79.77837284524843f, ERF_Q4 = 128.39586835840598f, ERF_Q5 = 139.3848115265599f,
            ERF_Q6 = 95.89468623961297f, ERF_Q7 = 20.71407592911763f;
    /** The coefficients above in ascending powers, for {@link VectorKernels}. */
    static final float[] ERF_P = {ERF_P0, ERF_P1, ERF_P2, ERF_P3, ERF_P4, ERF_P5, ERF_P6, ERF_P7};
    static final float[] ERF_Q = {1f, ERF_Q1, ERF_Q2, ERF_Q3, ERF_Q4, ERF_Q5, ERF_Q6, ERF_Q7};

    // d/du (u Phi(u)) - 1/2 = erf(u/sqrt2)/2 + u phi(u) = s P(s^2) / Q(s^2), s = clamp(u, -6, 6) / 6; error 2.3e-10
    // (at |u| = 6 the true value differs from 1/2 by 3.6e-8).
    static final float DGELU_CLAMP = 6f;
    private static final float DG_P0 = 4.7873073657314915f, DG_P1 = -7.741245457156905f,
            DG_P2 = 114.70807371427831f, DG_P3 = -15.02718493654389f, DG_P4 = 407.94164112429775f,
            DG_P5 = 109.39974377228484f, DG_P6 = 384.89825904891626f, DG_P7 = 41.972881457732996f;
    private static final float DG_Q1 = 10.382964715310171f, DG_Q2 = 51.356435641179075f,
            DG_Q3 = 159.34369236860374f, DG_Q4 = 342.4504464672373f, DG_Q5 = 528.052932991035f,
            DG_Q6 = 568.1816865772813f, DG_Q7 = 421.1106463761526f;
    static final float[] DG_P = {DG_P0, DG_P1, DG_P2, DG_P3, DG_P4, DG_P5, DG_P6, DG_P7};
    static final float[] DG_Q = {1f, DG_Q1, DG_Q2, DG_Q3, DG_Q4, DG_Q5, DG_Q6, DG_Q7};

    // exp(-r) for |r| <= ln2 / 2: Taylor polynomial of degree 7 (relative error 5e-9); ln 2 split as cephes' expf
    // does (C1 has 9 significant bits, so k C1 is exact) to keep r = a - k ln2 accurate.
    private static final float E2 = 1f / 2, E3 = 1f / 6, E4 = 1f / 24, E5 = 1f / 120, E6 = 1f / 720, E7 = 1f / 5040;
    private static final float LN2_C1 = 0.693359375f;
    private static final float LN2_C2 = -2.12194440e-4f;
    private static final float LOG2E = (float) (1 / Math.log(2));
    /** Adding and subtracting 1.5 * 2^23 rounds a float in (-2^22, 2^22) to an integer (round to nearest). */
    private static final float ROUND = 12582912f;
    private static final float EXP_NEG_CLAMP = 21.5f;

    private static final float SQRT1_2 = (float) Math.sqrt(0.5);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_K = 0.044715f;

    /**
     * Whether the {@link VectorKernels} run (on ND4J's buffers, without heap copies): the JVM was started with
     * {@code --add-modules jdk.incubator.vector} and without {@code -Dsparkpretrain.vectorKernels=false}. Otherwise
     * the heap-copy kernels of this class run; so they do, after one line on stderr, when the module is there but the
     * kernels fail to load or to compute a probe value.
     */
    public static final boolean VECTOR = vectorKernels();

    private static boolean vectorKernels() {
        if (!Boolean.parseBoolean(System.getProperty("sparkpretrain.vectorKernels", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            if (VectorKernels.probe()) {
                return true;
            }
            System.err.println("spark-pretrain: the Vector API kernels computed a wrong probe value; using the "
                    + "heap-copy kernels");
        } catch (RuntimeException | LinkageError e) {
            System.err.println("spark-pretrain: the Vector API kernels did not load (" + e + "); using the heap-copy "
                    + "kernels");
        }
        return false;
    }

    /** Whether every array is FLOAT, so that these kernels apply (DOUBLE, used by gradient checks, is not). */
    public static boolean applies(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    /** Whether ND4J's backend is the CPU one (the kernels here and direct BLAS calls read its host buffers). */
    static final boolean CPU_BACKEND =
            "org.nd4j.linalg.cpu.nativecpu.CpuBackend".equals(Nd4j.getBackend().getClass().getName());

    /** Whether {@code x} is dense, row-major and starts its buffer: element i at buffer element i. */
    static boolean startsBuffer(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) && x.offset() == 0;
    }

    /** The array itself when it {@link #startsBuffer starts its buffer} densely, else such a copy. */
    static INDArray dense(INDArray x) {
        return startsBuffer(x) ? x : x.dup('c');
    }

    /** A heap copy of {@code x}'s elements in row-major order. */
    public static float[] read(INDArray x) {
        return read(x, new float[Math.toIntExact(x.length())]);
    }

    /** Copies {@code x}'s elements in row-major order into the start of {@code out}, and returns {@code out}. */
    private static float[] read(INDArray x, float[] out) {
        INDArray c = dense(x);
        FloatBuffer b = c.data().asNioFloat();
        b.get(0, out, 0, Math.toIntExact(c.length()));
        return out;
    }

    /** A new row-major FLOAT array of {@code shape} holding the first elements of {@code values}. */
    public static INDArray write(float[] values, long... shape) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        out.data().asNioFloat().put(0, values, 0, Math.toIntExact(out.length()));
        return out;
    }

    /** Large arrays a kernel may take per call; none outlives the call (results are copied into ND4J arrays). */
    private static final int SLOTS = 4;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[SLOTS][]);

    /**
     * This thread's reusable heap array number {@code slot}, at least {@code n} long, contents undefined. Reusing
     * them saves a zeroed allocation per array and call (1-3 ms for 8 MB here, where fresh pages are expensive) and
     * keeps them in the cache; the price is up to {@link #SLOTS} arrays of the largest activation size per thread
     * (bert-base at 8 x 512 tokens: FFN activations of 48 MiB each).
     */
    private static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot] == null || s[slot].length < n) {
            s[slot] = null;
            s[slot] = new float[n];
        }
        return s[slot];
    }

    /** erf(x), float precision (see the class comment); public for tests. */
    public static float erf(float x) {
        float s = Math.min(Math.max(x, -ERF_CLAMP), ERF_CLAMP) * (1f / ERF_CLAMP);
        float t = s * s;
        float p = ((((((ERF_P7 * t + ERF_P6) * t + ERF_P5) * t + ERF_P4) * t + ERF_P3) * t + ERF_P2) * t + ERF_P1)
                * t + ERF_P0;
        float q = ((((((ERF_Q7 * t + ERF_Q6) * t + ERF_Q5) * t + ERF_Q4) * t + ERF_Q3) * t + ERF_Q2) * t + ERF_Q1)
                * t + 1f;
        return s * p / q;
    }

    /** The derivative of exact GELU, {@code Phi(u) + u phi(u)}; public for tests. */
    public static float geluDerivative(float u) {
        float s = Math.min(Math.max(u, -DGELU_CLAMP), DGELU_CLAMP) * (1f / DGELU_CLAMP);
        float t = s * s;
        float p = ((((((DG_P7 * t + DG_P6) * t + DG_P5) * t + DG_P4) * t + DG_P3) * t + DG_P2) * t + DG_P1) * t
                + DG_P0;
        float q = ((((((DG_Q7 * t + DG_Q6) * t + DG_Q5) * t + DG_Q4) * t + DG_Q3) * t + DG_Q2) * t + DG_Q1) * t
                + 1f;
        return 0.5f + s * p / q;
    }

    /** {@code 2^-k} for k = -31..31, at index k + 31. */
    private static final float[] POW2_NEG = new float[63];

    static {
        for (int k = -31; k <= 31; k++) {
            POW2_NEG[k + 31] = (float) Math.pow(2, -k);
        }
    }

    /**
     * {@code exp(-a)} for a clamped to [-21.5, 21.5] (exp(21.5) = 2.2e9), as {@code 2^-k exp(-r)}:
     * {@code k = round(a / ln2)} (the 1.5 * 2^23 trick), {@code r = a - k ln2} (ln 2 split in two, as cephes' expf
     * does), {@code exp(-r)} a polynomial, {@code 2^-k} from a table. Relative error a few float ulps; public for
     * tests. {@link Math#exp} is scalar and took ~20 ns per element here; the kernels compute the vectorizable
     * {@link #expNegReduced} and {@link #expNegExponent} in passes of their own (C2 vectorizes only small loop
     * bodies) and the table look-up in a scalar pass.
     */
    public static float expNeg(float a) {
        return expNegReduced(a) * POW2_NEG[(int) expNegExponent(a) + 31];
    }

    /** {@code k = round(a / ln2)} for a clamped to [-21.5, 21.5], as a float. */
    private static float expNegExponent(float a) {
        return (Math.min(Math.max(a, -EXP_NEG_CLAMP), EXP_NEG_CLAMP) * LOG2E + ROUND) - ROUND;
    }

    /** {@code exp(-r)}, {@code r = a - k ln2} for a clamped to [-21.5, 21.5]. */
    private static float expNegReduced(float a) {
        float c = Math.min(Math.max(a, -EXP_NEG_CLAMP), EXP_NEG_CLAMP);
        float k = (c * LOG2E + ROUND) - ROUND;
        float r = -((c - k * LN2_C1) - k * LN2_C2);
        return ((((((E7 * r + E6) * r + E5) * r + E4) * r + E3) * r + E2) * r + 1f) * r + 1f;
    }

    /** Exact GELU of {@code u}: returns {y = u Phi(u), dy/du}, both new arrays shaped like {@code u}. */
    public static INDArray[] gelu(INDArray u) {
        return VECTOR ? VectorKernels.gelu(u, null) : geluOnHeap(u);
    }

    /** {@link #gelu} by the heap-copy kernel, whatever {@link #VECTOR} says (for tests). */
    static INDArray[] geluOnHeap(INDArray u) {
        return withDerivative(u, FloatKernels::gelu);
    }

    /** A kernel writing f(x) into y and f'(x) into d for elements [from, to). */
    private interface PointwiseKernel {
        void apply(float[] x, float[] y, float[] d, int from, int to);
    }

    /** {f(u), f'(u)} as new arrays shaped like {@code u}, the elements split over {@link #forChunks}. */
    private static INDArray[] withDerivative(INDArray u, PointwiseKernel kernel) {
        int n = Math.toIntExact(u.length());
        float[] x = read(u, scratch(0, n));
        float[] y = scratch(1, n);
        float[] d = scratch(2, n);
        forChunks(n, 1, (from, to) -> kernel.apply(x, y, d, from, to));
        return new INDArray[] {write(y, u.shape()), write(d, u.shape())};
    }

    // The loops are static methods of their own (not lambda bodies): C2 then compiles and vectorizes them (a loop
    // inside the lambda ran ~20x slower, measured),
    // and each loop stores to one array only (C2 did not vectorize a loop storing to two).
    private static void gelu(float[] x, float[] y, float[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1f + erf(v * SQRT1_2));
        }
        for (int i = from; i < to; i++) {
            d[i] = geluDerivative(x[i]);
        }
    }

    /**
     * GPT-2's tanh GELU {@code 0.5 u (1 + tanh(z))}, {@code z = sqrt(2/pi) (u + 0.044715 u^3)}: returns
     * {y, dy/du} with {@code y = u s}, {@code dy/du = s + u s (1 - s) 2 z'}, {@code s = (1 + tanh z) / 2 =
     * sigmoid(2z)}.
     */
    public static INDArray[] geluTanh(INDArray u) {
        return VECTOR ? VectorKernels.geluTanh(u, null) : geluTanhOnHeap(u);
    }

    static INDArray[] geluTanhOnHeap(INDArray u) {
        return withDerivative(u, FloatKernels::geluTanh);
    }

    /** Elements per block of the multi-pass kernels: the block's temporaries stay in the L1/L2 cache. */
    private static final int BLOCK = 2048;

    // With E = exp(-2z) (2z clamped to +-21.5): s = sigmoid(2z) = 1 / (1 + E) and s (1 - s) = E s^2 keep their
    // relative precision in both tails (1 - s computed from a float s would not: its error is multiplied by u z',
    // ~100 at u = 8). Each pass is a small loop of its own, which C2 vectorizes (one loop doing it all ran scalar).
    private static void geluTanh(float[] x, float[] y, float[] d, int from, int to) {
        float[] a = new float[BLOCK];
        float[] e = new float[BLOCK];
        float[] k = new float[BLOCK];
        for (int b0 = from; b0 < to; b0 += BLOCK) {
            int n = Math.min(BLOCK, to - b0);
            geluTanhArgument(x, b0, a, n);
            expNegReduced(a, e, n);
            expNegExponent(a, k, n);
            expNegScale(k, e, n);
            geluTanhValue(x, b0, e, y, n);
            geluTanhDerivative(x, b0, e, d, n);
        }
    }

    /** {@code a = 2z = 2 sqrt(2/pi) (u + 0.044715 u^3)}. */
    private static void geluTanhArgument(float[] x, int off, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            a[i] = 2f * SQRT_2_OVER_PI * v * (1f + GELU_K * v * v);
        }
    }

    private static void expNegReduced(float[] a, float[] e, int n) {
        for (int i = 0; i < n; i++) {
            e[i] = expNegReduced(a[i]);
        }
    }

    private static void expNegExponent(float[] a, float[] k, int n) {
        for (int i = 0; i < n; i++) {
            k[i] = expNegExponent(a[i]);
        }
    }

    private static void expNegScale(float[] k, float[] e, int n) {
        for (int i = 0; i < n; i++) {
            e[i] *= POW2_NEG[(int) k[i] + 31];
        }
    }

    private static void geluTanhValue(float[] x, int off, float[] e, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            y[off + i] = x[off + i] / (1f + e[i]);
        }
    }

    private static void geluTanhDerivative(float[] x, int off, float[] e, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            float s = 1f / (1f + e[i]);
            d[off + i] = s + v * e[i] * s * s * (2f * SQRT_2_OVER_PI) * (1f + 3f * GELU_K * v * v);
        }
    }

    /**
     * Layer norm ({@code centred}) or RMS norm of each row of {@code x [N, H]}: returns {y, xhat, invStd [N, 1]}
     * with {@code xhat = (x - mean) invStd}, {@code invStd = 1 / sqrt(var + eps)}, {@code y = xhat gamma + beta}
     * ({@code beta} null for RMS).
     */
    public static INDArray[] norm(INDArray x, INDArray gamma, INDArray beta, double eps, boolean centred) {
        return VECTOR ? VectorKernels.norm(x, gamma, beta, eps, centred) : normOnHeap(x, gamma, beta, eps, centred);
    }

    static INDArray[] normOnHeap(INDArray x, INDArray gamma, INDArray beta, double eps, boolean centred) {
        int rows = Math.toIntExact(x.size(0));
        int h = Math.toIntExact(x.size(1));
        float[] in = read(x, scratch(0, rows * h));
        float[] g = read(gamma);
        float[] b = beta == null ? new float[h] : read(beta);
        float[] y = scratch(1, rows * h);
        float[] xhat = scratch(2, rows * h);
        float[] inv = new float[rows];
        forChunks(rows, h, (r0, r1) -> normRows(in, g, b, eps, centred, h, y, xhat, inv, r0, r1));
        return new INDArray[] {write(y, rows, h), write(xhat, rows, h), write(inv, rows, 1)};
    }

    private static void normRows(float[] in, float[] g, float[] b, double eps, boolean centred, int h, float[] y,
                                 float[] xhat, float[] inv, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float mean = 0f;
            if (centred) {
                float sum = 0f;
                for (int j = 0; j < h; j++) {
                    sum += in[o + j];
                }
                mean = sum / h;
            }
            float sq = 0f;
            for (int j = 0; j < h; j++) {
                float c = in[o + j] - mean;
                sq += c * c;
            }
            float is = (float) (1.0 / Math.sqrt((double) sq / h + eps));
            inv[r] = is;
            for (int j = 0; j < h; j++) {
                xhat[o + j] = (in[o + j] - mean) * is;
            }
            for (int j = 0; j < h; j++) {
                y[o + j] = xhat[o + j] * g[j] + b[j];
            }
        }
    }

    /**
     * Backward of {@link #norm}: returns {@code dx} and writes {@code dGamma = colsum(dy xhat)} and (centred)
     * {@code dBeta = colsum(dy)}. Column sums are accumulated per fixed chunk of rows and added in chunk order, so
     * the result does not depend on the thread count. With {@code residual} not null, returns {@code dx + residual}
     * (a pre-norm block's two gradient paths) in the same pass.
     */
    public static INDArray normBackward(INDArray dy, INDArray xhat, INDArray invStd, INDArray gamma,
                                        INDArray dGamma, INDArray dBeta, boolean centred, INDArray residual) {
        if (VECTOR) {
            return VectorKernels.normBackward(dy, xhat, invStd, gamma, dGamma, dBeta, centred, residual);
        }
        INDArray dx = normBackwardOnHeap(dy, xhat, invStd, gamma, dGamma, dBeta, centred);
        return residual == null ? dx : dx.addi(residual);
    }

    static INDArray normBackwardOnHeap(INDArray dy, INDArray xhat, INDArray invStd, INDArray gamma,
                                       INDArray dGamma, INDArray dBeta, boolean centred) {
        int rows = Math.toIntExact(dy.size(0));
        int h = Math.toIntExact(dy.size(1));
        float[] d = read(dy, scratch(0, rows * h));
        float[] xh = read(xhat, scratch(1, rows * h));
        float[] inv = read(invStd);
        float[] g = read(gamma);
        float[] dx = scratch(2, rows * h);
        columnSumChunks(rows, h, new INDArray[] {dGamma, dBeta},
                (sums, r0, r1) -> normBackwardRows(d, xh, inv, g, centred, h, dx, sums[0], sums[1], r0, r1));
        return write(dx, rows, h);
    }

    /** Rows [r0, r1) of a kernel adding per-column contributions into {@code sums[k]} (h values each). */
    interface ColumnSumRows {
        void apply(float[][] sums, int r0, int r1);
    }

    /**
     * Runs {@code kernel} over fixed chunks of {@code rows} rows of width {@code h} (in parallel when large), then
     * writes each of the chunks' column sums, added in chunk order, into {@code targets[k]} (a null target's sums
     * are dropped): the same totals whatever the thread split. The norms' dGamma and dBeta and the fused bias
     * gradients ({@link VectorKernels#productColumnSums}) are reduced this way.
     */
    static void columnSumChunks(int rows, int h, INDArray[] targets, ColumnSumRows kernel) {
        int rowsPerChunk = Math.max(1, CHUNK / h);
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        float[][][] sums = new float[chunks][targets.length][h];
        IntStream range = IntStream.range(0, chunks);
        (parallel((long) rows * h) ? range.parallel() : range).forEach(c -> kernel.apply(sums[c],
                c * rowsPerChunk, Math.min(rows, (c + 1) * rowsPerChunk)));
        for (int k = 0; k < targets.length; k++) {
            if (targets[k] == null) {
                continue;
            }
            float[] total = new float[h];
            for (int c = 0; c < chunks; c++) {
                for (int j = 0; j < h; j++) {
                    total[j] += sums[c][k][j];
                }
            }
            targets[k].assign(write(total, targets[k].shape()));
        }
    }

    private static void normBackwardRows(float[] d, float[] xh, float[] inv, float[] g, boolean centred, int h,
                                         float[] dx, float[] gs, float[] bs, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            int o = r * h;
            float m1 = 0f;
            float m2 = 0f;
            for (int j = 0; j < h; j++) {
                float dxh = d[o + j] * g[j];
                m1 += dxh;
                m2 += dxh * xh[o + j];
            }
            for (int j = 0; j < h; j++) {
                gs[j] += d[o + j] * xh[o + j];
            }
            for (int j = 0; j < h; j++) {
                bs[j] += d[o + j];
            }
            m1 = centred ? m1 / h : 0f;
            m2 /= h;
            float is = inv[r];
            for (int j = 0; j < h; j++) {
                dx[o + j] = (d[o + j] * g[j] - m1 - xh[o + j] * m2) * is;
            }
        }
    }

    /**
     * A dropout mask shaped {@code shape}: each element {@code 1/(1-p)} with probability {@code 1-p}, else 0, from a
     * counter-based hash of (seed, element index), so the mask does not depend on how the work is split.
     */
    public static INDArray dropoutMask(long[] shape, double p, long seed) {
        return VECTOR ? VectorKernels.dropoutMask(shape, keepThreshold(p), (float) (1 / (1 - p)), seed)
                : dropoutMaskOnHeap(shape, p, seed);
    }

    static INDArray dropoutMaskOnHeap(long[] shape, double p, long seed) {
        int n = Math.toIntExact(shapeLength(shape));
        float[] m = scratch(0, n);
        int threshold = keepThreshold(p);
        float scale = (float) (1 / (1 - p));
        forChunks(n, 1, (from, to) -> dropoutMask(m, from, to, seed, threshold, scale));
        return write(m, shape);
    }

    /**
     * A new array {@code x * mask} for the mask {@link #dropoutMask} gives for the same seed, without the mask: for
     * callers whose backward does not need it (attention's probabilities).
     */
    public static INDArray dropped(INDArray x, double p, long seed) {
        return VECTOR ? VectorKernels.dropped(x, null, keepThreshold(p), (float) (1 / (1 - p)), seed, false)[0]
                : droppedOnHeap(x, p, seed);
    }

    static INDArray droppedOnHeap(INDArray x, double p, long seed) {
        int n = Math.toIntExact(x.length());
        float[] in = read(x, scratch(0, n));
        float[] out = scratch(1, n);
        int threshold = keepThreshold(p);
        float scale = (float) (1 / (1 - p));
        forChunks(n, 1, (from, to) -> dropped(in, out, from, to, seed, threshold, scale));
        return write(out, x.shape());
    }

    /** {x * mask + residual, mask} for a fresh mask as in {@link #dropoutMask}; x and residual alike in shape. */
    public static INDArray[] dropoutResidual(INDArray x, INDArray residual, double p, long seed) {
        return VECTOR ? VectorKernels.dropped(x, residual, keepThreshold(p), (float) (1 / (1 - p)), seed, true)
                : dropoutResidualOnHeap(x, residual, p, seed);
    }

    static INDArray[] dropoutResidualOnHeap(INDArray x, INDArray residual, double p, long seed) {
        int n = Math.toIntExact(x.length());
        float[] in = read(x, scratch(0, n));
        float[] r = read(residual, scratch(1, n));
        float[] m = scratch(2, n);
        float[] out = scratch(3, n);
        int threshold = keepThreshold(p);
        float scale = (float) (1 / (1 - p));
        forChunks(n, 1, (from, to) -> {
            dropoutMask(m, from, to, seed, threshold, scale);
            multiplyAdd(in, m, r, out, from, to);
        });
        return new INDArray[] {write(out, x.shape()), write(m, x.shape())};
    }

    private static long shapeLength(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** A keep threshold that keeps every element (the hash's 24 bits are below it): no dropout. */
    static final int KEEP_ALL = 1 << 24;

    /** Keep an element when the top 24 bits of its hash are below this: (1 - p) 2^24. */
    static int keepThreshold(double p) {
        return (int) Math.round((1 - p) * KEEP_ALL);
    }

    /** Elements per pass of the keep decisions: their ints stay in the L1 cache between the two passes. */
    private static final int KEEP_BLOCK = 2048;
    /** 0, 1, ..., KEEP_BLOCK - 1: C2 in Java 17 vectorizes a loop reading indices from an array, not one using i. */
    private static final int[] IOTA = IntStream.range(0, KEEP_BLOCK).toArray();
    private static final ThreadLocal<int[]> KEEP = ThreadLocal.withInitial(() -> new int[KEEP_BLOCK]);

    // The mask over [from, to) in blocks: keep decisions (ints, vectorized), then 0 or scale (floats, vectorized).
    // One loop doing both ran scalar, ~5 ns per element (int-to-float conversion after a loop-index hash).
    private static void dropoutMask(float[] m, int from, int to, long seed, int threshold, float scale) {
        int[] keep = KEEP.get();
        for (int b = from; b < to; b += KEEP_BLOCK) {
            int n = Math.min(KEEP_BLOCK, to - b);
            keepDecisions(keep, b, n, seed, threshold);
            maskValues(keep, m, b, n, scale);
        }
    }

    /** {@code x * mask} over [from, to) for the mask of {@link #dropoutMask} with the same seed. */
    private static void dropped(float[] x, float[] out, int from, int to, long seed, int threshold, float scale) {
        int[] keep = KEEP.get();
        for (int b = from; b < to; b += KEEP_BLOCK) {
            int n = Math.min(KEEP_BLOCK, to - b);
            keepDecisions(keep, b, n, seed, threshold);
            maskedValues(keep, x, out, b, n, scale);
        }
    }

    // murmur3's 32-bit finaliser of (index, seed) and a branch-free keep decision: the sign bit of
    // (hash >>> 8) - threshold, i.e. 1 when the top 24 bits are below the threshold.
    private static void keepDecisions(int[] keep, int base, int n, long seed, int threshold) {
        int lo = (int) seed;
        int hi = (int) (seed >>> 32);
        for (int j = 0; j < n; j++) {
            int h = ((IOTA[j] + base) ^ hi) * 0x9E3779B1 + lo;
            h ^= h >>> 16;
            h *= 0x85EBCA6B;
            h ^= h >>> 13;
            h *= 0xC2B2AE35;
            h ^= h >>> 16;
            keep[j] = ((h >>> 8) - threshold) >>> 31;
        }
    }

    private static void maskValues(int[] keep, float[] m, int base, int n, float scale) {
        for (int j = 0; j < n; j++) {
            m[base + j] = keep[j] * scale;
        }
    }

    private static void maskedValues(int[] keep, float[] x, float[] out, int base, int n, float scale) {
        for (int j = 0; j < n; j++) {
            out[base + j] = x[base + j] * (keep[j] * scale);
        }
    }

    private static void multiplyAdd(float[] x, float[] m, float[] r, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = x[i] * m[i] + r[i];
        }
    }

    /** A body over the index range {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    static boolean parallel(long elements) {
        return elements >= PARALLEL_MIN && Nd4j.getEnvironment().maxMasterThreads() > 1;
    }

    /** Runs {@code body} over {@code [0, n)} in chunks of about {@link #CHUNK} elements ({@code width} per index). */
    static void forChunks(int n, int width, Range body) {
        int per = Math.max(1, CHUNK / width);
        if (!parallel((long) n * width) || n <= per) {
            body.run(0, n);
            return;
        }
        int chunks = (n + per - 1) / per;
        IntStream.range(0, chunks).parallel().forEach(c -> body.run(c * per, Math.min(n, (c + 1) * per)));
    }
}
