package dev.sparkpretrain.model.ops;

import java.util.stream.IntStream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code c = alpha * op(a) op(b)} for every (batch, head) of rank-4 arrays {@code [B, h, rows, cols]} whose matrices
 * are row-major with any row stride: views such as the heads of a {@code [B*T, 3*h*d]} QKV projection, read and
 * written in place, so attention needs no head split or merge copies.
 *
 * <p>On ND4J's CPU backend, for FLOAT and DOUBLE, it calls OpenBLAS's {@code cblas_sgemm}/{@code cblas_dgemm} once per
 * (batch, head), straight on the arrays' memory. libnd4j sends a rank-4 {@code matmul} to the same routine one matrix
 * at a time (its oneDNN helper takes rank 2 only), so the results are the same bit for bit, but it first copies
 * strided operands and adds its own overhead: one {@code [32,4,128,32] x [32,4,128,32]^T} product, one thread,
 * OpenBLAS's SKYLAKEX kernels, 5.6 ms through {@code Nd4j.matmul}, 3.6 ms this way. Elsewhere (CUDA) and for other
 * types: ND4J's {@code matmul} and a copy into {@code c}.
 *
 * <p>Example: {@code BatchedGemm.product(q, false, k, true, 0.125, scores)} for {@code q, k [B,h,T,d]} and
 * {@code scores [B,h,T,T]}.
 */
public final class BatchedGemm {
    /** Tests switch the direct path off to compare it with ND4J's. */
    static volatile boolean direct = FloatKernels.CPU_BACKEND;

    private BatchedGemm() {}

    /** Products number [from, to) of the (batch, head) pairs in row-major order. */
    @FunctionalInterface
    private interface Range {
        void run(int from, int to);
    }

    /**
     * Writes {@code alpha * op(a) op(b)} into {@code c} ({@code [B, h, M, N]}), {@code op} transposing the last two
     * dimensions when its flag is set. {@code a}, {@code b} and {@code c} must not overlap.
     */
    public static void product(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha,
                               INDArray c) {
        if (a.rank() != 4 || b.rank() != 4 || c.rank() != 4) {
            throw new IllegalArgumentException("rank-4 operands expected, got " + a.rank() + ", " + b.rank() + ", "
                    + c.rank());
        }
        long m = c.size(2);
        long n = c.size(3);
        long k = transposeA ? a.size(2) : a.size(3);
        if ((transposeA ? a.size(3) : a.size(2)) != m || (transposeB ? b.size(2) : b.size(3)) != n
                || (transposeB ? b.size(3) : b.size(2)) != k) {
            throw new IllegalArgumentException("shapes do not match: " + a.shapeInfoToString() + " "
                    + b.shapeInfoToString() + " " + c.shapeInfoToString());
        }
        for (int dim = 0; dim < 2; dim++) {
            if (a.size(dim) != c.size(dim) || b.size(dim) != c.size(dim)) {
                throw new IllegalArgumentException("batch dimensions differ: " + a.shapeInfoToString() + " "
                        + b.shapeInfoToString() + " " + c.shapeInfoToString());
            }
        }
        if (direct && blasReady(a, b, c)) {
            loop(a, transposeA, b, transposeB, alpha, c, (int) m, (int) n, (int) k);
        } else {
            INDArray r = Nd4j.matmul(a, b, transposeA, transposeB, false);
            if (alpha != 1.0) {
                r.muli(alpha);
            }
            c.assign(r);
        }
    }

    /** Whether BLAS can take the operands as they are: one CPU type, row-major matrices, int-sized dimensions. */
    private static boolean blasReady(INDArray a, INDArray b, INDArray c) {
        DataType t = c.dataType();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || a.dataType() != t || b.dataType() != t) {
            return false;
        }
        return rowMajor(a, b, c);
    }

    /**
     * Whether {@link #product} would call FLOAT BLAS straight on these rank-4 operands: the direct path is on, all are
     * FLOAT with row-major matrices and int-sized dimensions.
     */
    static boolean directFloat(INDArray... operands) {
        if (!direct) {
            return false;
        }
        for (INDArray x : operands) {
            if (x.rank() != 4 || x.dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return rowMajor(operands);
    }

    private static boolean rowMajor(INDArray... operands) {
        for (INDArray x : operands) {
            if (x.isEmpty() || x.stride(3) != 1 || x.stride(2) < Math.max(1, x.size(3))
                    || x.stride(2) > Integer.MAX_VALUE || x.size(2) > Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    private static void loop(INDArray a, boolean ta, INDArray b, boolean tb, double alpha, INDArray c,
                             int m, int n, int k) {
        int order = openblas.CblasRowMajor;
        int opA = ta ? openblas.CblasTrans : openblas.CblasNoTrans;
        int opB = tb ? openblas.CblasTrans : openblas.CblasNoTrans;
        int lda = (int) a.stride(2);
        int ldb = (int) b.stride(2);
        int ldc = (int) c.stride(2);
        long heads = c.size(1);
        int count = Math.toIntExact(c.size(0) * heads);
        // addressPointer() is the array's first element (its offset into a shared buffer included)
        Pointer aStart = a.data().addressPointer();
        Pointer bStart = b.data().addressPointer();
        Pointer cStart = c.data().addressPointer();
        boolean single = c.dataType() == DataType.FLOAT;
        Range body = (from, to) -> {
            // pointers of its own per range: JavaCPP passes address + position, and each range moves its positions
            if (single) {
                FloatPointer pa = new FloatPointer(aStart);
                FloatPointer pb = new FloatPointer(bStart);
                FloatPointer pc = new FloatPointer(cStart);
                for (int x = from; x < to; x++) {
                    long i = x / heads;
                    long j = x % heads;
                    openblas.cblas_sgemm(order, opA, opB, m, n, k, (float) alpha,
                            pa.position(i * a.stride(0) + j * a.stride(1)), lda,
                            pb.position(i * b.stride(0) + j * b.stride(1)), ldb, 0f,
                            pc.position(i * c.stride(0) + j * c.stride(1)), ldc);
                }
            } else {
                DoublePointer pa = new DoublePointer(aStart);
                DoublePointer pb = new DoublePointer(bStart);
                DoublePointer pc = new DoublePointer(cStart);
                for (int x = from; x < to; x++) {
                    long i = x / heads;
                    long j = x % heads;
                    openblas.cblas_dgemm(order, opA, opB, m, n, k, alpha,
                            pa.position(i * a.stride(0) + j * a.stride(1)), lda,
                            pb.position(i * b.stride(0) + j * b.stride(1)), ldb, 0.0,
                            pc.position(i * c.stride(0) + j * c.stride(1)), ldc);
                }
            }
        };
        forParts(count, parts(count), (part, from, to) -> body.run(from, to));
    }

    /** Into how many parts {@link #forParts} splits {@code count} (batch, head) pairs: one per libnd4j thread. */
    static int parts(int count) {
        return Math.max(1, Math.min(count, Nd4j.getEnvironment().maxMasterThreads()));
    }

    /**
     * Runs {@code body} over {@code [0, count)} in {@code parts} contiguous ranges, as libnd4j splits its batched
     * products over its threads: on the caller and the common fork-join pool; each product is computed whole by one
     * call, so the results do not depend on the split.
     */
    static void forParts(int count, int parts, Part body) {
        if (parts > 1 && count > 1) {
            IntStream.range(0, parts).parallel().forEach(q -> body.run(q, (int) ((long) count * q / parts),
                    (int) ((long) count * (q + 1) / parts)));
        } else {
            body.run(0, 0, count);
        }
    }

    /** Part number {@code part} of a split: pairs [from, to). */
    @FunctionalInterface
    interface Part {
        void run(int part, int from, int to);
    }
}
