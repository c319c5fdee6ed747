package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The affine map {@code y = x W + b} on row-major {@code [N, in]} matrices and its backward pass, with gradients
 * written by GEMM straight into the caller's gradient views (no temporaries, no explicit transposes).
 */
public final class Dense {
    private Dense() {}

    /**
     * {@code x W + b}; {@code b} may be null. (The bias as the GEMM's C, rows of {@code b} with beta 1, was tried: the
     * fill and OpenBLAS reading C cost more than libnd4j's broadcast add after a beta-0 GEMM, see BENCHMARKS.)
     */
    public static INDArray forward(INDArray x, INDArray w, INDArray b) {
        INDArray y = Nd4j.gemm(x, w, false, false);
        if (b != null) {
            y.addiRowVector(b);
        }
        return y;
    }

    /**
     * Writes {@code dW = x^T dy} and {@code db = sum_rows(dy)} ({@code db} may be null) and returns
     * {@code dx = dy W^T}, or null when {@code wantInputGradient} is false.
     */
    public static INDArray backward(INDArray x, INDArray dy, INDArray w, INDArray dW, INDArray db,
                                    boolean wantInputGradient) {
        weightGradients(x, dy, dW, db);
        return wantInputGradient ? Nd4j.gemm(dy, w, false, true) : null;
    }

    /**
     * {@link #backward} adding the input gradient to {@code dxSum} ({@code [N, in]}, dense, row-major; overwritten):
     * returns {@code dxSum += dy W^T}, the GEMM's beta 1 doing the add of a residual connection's two gradient paths
     * (bit for bit the separate add's value while the GEMM takes the inner dimension in one block).
     */
    public static INDArray backwardAdding(INDArray x, INDArray dy, INDArray w, INDArray dW, INDArray db,
                                          INDArray dxSum) {
        weightGradients(x, dy, dW, db);
        return Nd4j.gemm(dy, w, dxSum, false, true, 1.0, 1.0);
    }

    /** {@code dW = x^T dy} and {@code db = sum_rows(dy)} ({@code db} may be null). */
    private static void weightGradients(INDArray x, INDArray dy, INDArray dW, INDArray db) {
        Nd4j.gemm(x, dy, dW, true, false, 1.0, 0.0);
        if (db != null) {
            columnSums(dy, db);
        }
    }

    /**
     * Writes the column sums of {@code m [N, C]} into {@code out} (C values, any shape), as the product
     * {@code ones[1, N] m}: ND4J's {@code sum(0)} on a row-major matrix reduces along strides and took as long as a
     * GEMM of the same matrix.
     */
    public static INDArray columnSums(INDArray m, INDArray out) {
        INDArray rows = Layout.contiguous(m);
        INDArray ones = Nd4j.ones(rows.dataType(), 1, rows.size(0));
        INDArray target = out.reshape('c', 1, rows.size(1));
        Nd4j.gemm(ones, rows, target, false, false, 1.0, 0.0);
        if (target != out && !target.isView()) {
            out.assign(target);
        }
        return out;
    }

    /** The column sums of {@code m [N, C]} as a new {@code [C]} vector. */
    public static INDArray columnSums(INDArray m) {
        return columnSums(m, Nd4j.createUninitialized(m.dataType(), m.size(1)));
    }
}
