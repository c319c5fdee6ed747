package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The residual connection around a transformer sublayer's output projection: {@code s = x + dropout(out + b)} for a
 * pre-norm block (GPT-2, T5), {@code y = norm(x + dropout(out + b))} for a post-norm block (BERT), where
 * {@code out = u W} is the projection's GEMM and {@code b} its bias. With the Vector API kernels and FLOAT arrays,
 * forward is one pass over the GEMM's output (bias, dropout, residual sum and norm: three passes before), and
 * backward produces the norm's input gradient, the gradient of {@code out} (times the mask) and the bias gradient
 * (its column sums) in one pass (before: the norm backward, a mask product and a ones-vector GEMM). Otherwise (the
 * heap-copy kernels, DOUBLE for gradient checks) the same steps run one by one through {@link Dropout} and
 * {@link Norm}.
 *
 * <pre>
 * Residual.State[] st = new Residual.State[1];
 * INDArray y = Residual.forward(Dense.forward(ctx, wo, null), bo, x, 0.1, true, post, st);
 * INDArray[] d = Residual.backward(dy, st[0], post, dBo);   // {d(x + ...), d out}
 * </pre>
 */
public final class Residual {
    private Residual() {}

    /**
     * A post-norm block's norm after the residual sum: kind, gain, bias (null for RMS) and epsilon; the gradient
     * views of gain and bias are needed by backward only (null in forward).
     */
    public record PostNorm(Norm norm, INDArray gamma, INDArray beta, double eps, INDArray dGamma, INDArray dBeta) {}

    /** What backward needs: the dropout mask (null when none was drawn) and the norm's state (null for pre-norm). */
    public record State(INDArray mask, Norm.State norm) {}

    /**
     * {@code x + mask * (out + bias)}, normalised by {@code post} when it is not null; {@code bias} may be null.
     * Draws one seed from ND4J's generator when training with {@code p > 0}, as {@link Dropout#residual} does (same
     * masks). {@code out} may be overwritten.
     */
    public static INDArray forward(INDArray out, INDArray bias, INDArray x, double p, boolean training,
                                   PostNorm post, State[] state) {
        boolean drop = training && p > 0;
        if (FloatKernels.VECTOR && FloatKernels.applies(out, x)
                && (post == null || FloatKernels.applies(post.gamma()))) {
            long seed = drop ? Nd4j.getRandom().nextLong() : 0L;
            INDArray[] r = VectorKernels.residual(out, bias, x, drop, FloatKernels.keepThreshold(p),
                    (float) (1 / (1 - p)), seed, post == null ? null : post.gamma(),
                    post == null || !post.norm().hasBias() ? null : post.beta(), post == null ? 0 : post.eps(),
                    post != null && post.norm().hasBias());
            state[0] = new State(r[3], post == null ? null : new Norm.State(r[1], r[2]));
            return r[0];
        }
        if (bias != null) {
            out.addiRowVector(bias);
        }
        INDArray[] dropped = Dropout.residual(out, x, p, training);
        if (post == null) {
            state[0] = new State(dropped[1], null);
            return dropped[0];
        }
        Norm.State[] st = new Norm.State[1];
        INDArray y = post.norm().forward(dropped[0], post.gamma(), post.norm().hasBias() ? post.beta() : null,
                post.eps(), st);
        state[0] = new State(dropped[1], st[0]);
        return y;
    }

    /**
     * Given {@code dy} (the gradient of the norm's output, or of the sum for pre-norm), returns
     * {@code {dSum, dOut}}: the gradient of the residual sum (which flows to {@code x} unchanged) and of
     * {@code out} ({@code dSum * mask}; may be {@code dSum} itself, or {@code dy} for pre-norm without a mask), and
     * writes the bias gradient {@code colsum(dOut)} into {@code dBias} (may be null) and the norm's parameter
     * gradients into {@code post}'s views.
     */
    public static INDArray[] backward(INDArray dy, State s, PostNorm post, INDArray dBias) {
        if (FloatKernels.VECTOR && FloatKernels.applies(dy)) {
            if (post != null && FloatKernels.applies(s.norm().xhat(), post.gamma())) {
                boolean centred = post.norm().hasBias();
                return VectorKernels.normBackward(dy, s.norm().xhat(), s.norm().invStd(), post.gamma(),
                        post.dGamma(), centred ? post.dBeta() : null, centred, null, s.mask(), dBias);
            }
            if (post == null) {
                INDArray dOut = s.mask() == null ? dy : Nd4j.createUninitialized(dy.dataType(), dy.shape(), 'c');
                if (s.mask() != null || dBias != null) {
                    dOut = VectorKernels.productColumnSums(dy, s.mask(), s.mask() == null ? null : dOut, dBias);
                }
                return new INDArray[] {dy, s.mask() == null ? dy : dOut};
            }
        }
        INDArray dSum = post == null ? dy : post.norm().backward(dy, s.norm(), post.gamma(), post.dGamma(),
                post.norm().hasBias() ? post.dBeta() : null);
        INDArray dOut = s.mask() == null ? dSum : dSum.mul(s.mask());
        if (dBias != null) {
            Dense.columnSums(dOut, dBias);
        }
        return new INDArray[] {dSum, dOut};
    }
}
