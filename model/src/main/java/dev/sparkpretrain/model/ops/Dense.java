package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The affine map {@code y = x W + b} on row-major {@code [N, in]} matrices and its backward pass, with gradients
 * written by GEMM straight into the caller's gradient views (no temporaries, no explicit transposes).
 */
public final class Dense {
    private Dense() {}

    /** {@code x W + b}; {@code b} may be null. */
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
        Nd4j.gemm(x, dy, dW, true, false, 1.0, 0.0);
        if (db != null) {
            db.assign(dy.sum(0));
        }
        return wantInputGradient ? Nd4j.gemm(dy, w, false, true) : null;
    }
}
