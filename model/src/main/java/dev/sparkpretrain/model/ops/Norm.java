package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Normalisation over the last dimension of a {@code [N, H]} matrix: layer norm (BERT, GPT-2) or T5's RMS norm (no
 * centring, no bias). Forward keeps what backward needs in a {@link State}. FLOAT arrays go through the one-pass
 * kernels of {@link FloatKernels}; DOUBLE (gradient checks) through the ND4J ops below.
 */
public enum Norm {
    LAYER(true),
    RMS(false);

    private final boolean centred;

    Norm(boolean centred) {
        this.centred = centred;
    }

    /** Whether the norm has a bias (beta) parameter besides its gain. */
    public boolean hasBias() {
        return centred;
    }

    /** {@code xhat} (normalised input) and {@code invStd} ({@code [N, 1]}) from the forward pass. */
    public record State(INDArray xhat, INDArray invStd) {}

    /** Normalises {@code x [N, H]}; {@code beta} is ignored (may be null) for RMS. Returns y and fills {@code state}. */
    public INDArray forward(INDArray x, INDArray gamma, INDArray beta, double eps, State[] state) {
        if (FloatKernels.applies(x, gamma)) {
            INDArray[] r = FloatKernels.norm(x, gamma, centred ? beta : null, eps, centred);
            state[0] = new State(r[1], r[2]);
            return r[0];
        }
        INDArray xc = centred ? x.subColumnVector(x.mean(true, 1)) : x.dup();
        INDArray var = xc.mul(xc).mean(true, 1);
        INDArray invStd = Transforms.pow(var.addi(eps), -0.5, false);
        INDArray xhat = xc.muliColumnVector(invStd);
        INDArray y = xhat.mulRowVector(gamma);
        if (centred) {
            y.addiRowVector(beta);
        }
        state[0] = new State(xhat, invStd);
        return y;
    }

    /**
     * Gradient with respect to the input; writes the parameter gradients into {@code dGamma} and (layer norm only)
     * {@code dBeta}. {@code dy} is left untouched.
     */
    public INDArray backward(INDArray dy, State s, INDArray gamma, INDArray dGamma, INDArray dBeta) {
        return backward(dy, s, gamma, dGamma, dBeta, null);
    }

    /**
     * {@link #backward} plus {@code residual} (may be null; shaped like {@code dy}): the input gradient of a pre-norm
     * sublayer {@code x + f(norm(x))}, in one pass for FLOAT arrays.
     */
    public INDArray backward(INDArray dy, State s, INDArray gamma, INDArray dGamma, INDArray dBeta,
                             INDArray residual) {
        if (FloatKernels.applies(dy, s.xhat(), gamma)) {
            return FloatKernels.normBackward(dy, s.xhat(), s.invStd(), gamma, dGamma, centred ? dBeta : null,
                    centred, residual);
        }
        Dense.columnSums(dy.mul(s.xhat()), dGamma);
        if (centred) {
            Dense.columnSums(dy, dBeta);
        }
        INDArray dxhat = dy.mulRowVector(gamma);
        INDArray m2 = dxhat.mul(s.xhat()).mean(true, 1);
        INDArray dx = s.xhat().mulColumnVector(m2).rsubi(dxhat);
        if (centred) {
            dx.subiColumnVector(dxhat.mean(true, 1));
        }
        dx.muliColumnVector(s.invStd());
        return residual == null ? dx : dx.addi(residual);
    }
}
