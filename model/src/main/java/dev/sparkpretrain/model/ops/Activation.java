package dev.sparkpretrain.model.ops;

import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise non-linearities of the feed-forward layers, each with its derivative. Every ND4J call is one pass over
 * the {@code [N, F]} activations (the largest tensors of a block), so the formulas are arranged for few passes and
 * forward keeps an auxiliary array ({@link Result#aux()}) that makes backward cheap: for the GELUs it is the
 * derivative itself, and FLOAT inputs go through the fused Java kernels of {@link FloatKernels} (one pass for y and
 * dy/du instead of ~12 libnd4j passes with a scalar erf and exp). ND4J's own {@code PreciseGELU}
 * is not used: it computes {@code (0.044715 x)^3} where GPT-2 has {@code 0.044715 x^3}.
 */
public enum Activation {
    /** Exact GELU, {@code x * Phi(x)} with the normal CDF (Hugging Face's "gelu"); aux = dy/du. */
    GELU {
        @Override
        public Result forward(INDArray u, INDArray bias) {
            Result fused = biasInKernel(u, bias, VectorKernels::gelu);
            return fused != null ? fused : super.forward(u, bias);
        }

        @Override
        public Result forward(INDArray u) {
            if (FloatKernels.applies(u)) {
                INDArray[] yd = FloatKernels.gelu(u);
                return new Result(yd[0], yd[1]);
            }
            INDArray cdf = u.mul(SQRT1_2);
            Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
            cdf.addi(1.0).muli(0.5);
            INDArray y = cdf.mul(u);
            // d/du u Phi(u) = Phi(u) + u phi(u)
            INDArray d = u.mul(u).muli(-0.5);
            Transforms.exp(d, false).muli(INV_SQRT_2PI).muli(u).addi(cdf);
            return new Result(y, d);
        }

        @Override
        public INDArray backward(INDArray u, Result r, INDArray dy) {
            return dy.muli(r.aux());
        }
    },
    /**
     * The tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))} of google-research/bert's and
     * GPT-2's {@code gelu}, computed as {@code x * sigmoid(2 z)} (the same function); aux = dy/du.
     */
    GELU_TANH {
        @Override
        public Result forward(INDArray u, INDArray bias) {
            Result fused = biasInKernel(u, bias, VectorKernels::geluTanh);
            return fused != null ? fused : super.forward(u, bias);
        }

        @Override
        public Result forward(INDArray u) {
            if (FloatKernels.applies(u)) {
                INDArray[] yd = FloatKernels.geluTanh(u);
                return new Result(yd[0], yd[1]);
            }
            INDArray s = u.mul(u).muli(2 * SQRT_2_OVER_PI * GELU_K).addi(2 * SQRT_2_OVER_PI).muli(u);
            Transforms.sigmoid(s, false);
            INDArray y = s.mul(u);
            // d/du u s(2z) = s + u s (1 - s) (2c + 6ck u^2)
            INDArray d = u.mul(u).muli(6 * SQRT_2_OVER_PI * GELU_K).addi(2 * SQRT_2_OVER_PI).muli(u);
            d.muli(s.rsub(1.0).muli(s)).addi(s);
            return new Result(y, d);
        }

        @Override
        public INDArray backward(INDArray u, Result r, INDArray dy) {
            return dy.muli(r.aux());
        }
    },
    /** ReLU, as T5 v1.0. */
    RELU {
        @Override
        public Result forward(INDArray u) {
            return new Result(Transforms.relu(u, true), null);
        }

        @Override
        public INDArray backward(INDArray u, Result r, INDArray dy) {
            return dy.muli(Transforms.step(u, true));
        }
    },
    /** tanh, as BERT's pooler. */
    TANH {
        @Override
        public Result forward(INDArray u) {
            return new Result(Transforms.tanh(u, true), null);
        }

        @Override
        public INDArray backward(INDArray u, Result r, INDArray dy) {
            INDArray y = r.y();
            return dy.muli(y.mul(y).rsubi(1.0));
        }
    },
    /** No non-linearity. */
    IDENTITY {
        @Override
        public Result forward(INDArray u) {
            return new Result(u, null);
        }

        @Override
        public INDArray backward(INDArray u, Result r, INDArray dy) {
            return dy;
        }
    };

    private static final double SQRT1_2 = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double GELU_K = 0.044715;

    /** The output {@code y} and what backward needs besides the input. */
    public record Result(INDArray y, INDArray aux) {}

    /** {@code y = f(u)}; {@code u} is left unchanged (but {@code y} may be {@code u} itself for IDENTITY). */
    public abstract Result forward(INDArray u);

    /**
     * {@code y = f(u + bias)} for {@code u [N, F]} and {@code bias [F]} (may be null): a layer's bias and
     * non-linearity. {@code u} may be overwritten with {@code u + bias}, and {@link #backward} must be given the
     * same {@code u} afterwards. The GELUs of FLOAT arrays add the bias inside their kernel (one pass over
     * {@code [N, F]} less) and leave {@code u} as it was; their backward needs only the derivative they keep.
     */
    public Result forward(INDArray u, INDArray bias) {
        return forward(bias == null ? u : u.addiRowVector(bias));
    }

    /**
     * {@code kernel(u, bias)}'s {y, dy/du} as a result when the Vector API kernels apply (a bias, FLOAT arrays), else
     * null: the caller then adds the bias and runs its own forward.
     */
    private static Result biasInKernel(INDArray u, INDArray bias, BiFunction<INDArray, INDArray, INDArray[]> kernel) {
        if (bias == null || !FloatKernels.VECTOR || !FloatKernels.applies(u, bias)) {
            return null;
        }
        INDArray[] yd = kernel.apply(u, bias);
        return new Result(yd[0], yd[1]);
    }

    /** Gradient with respect to {@code u} given the forward result; may overwrite and return {@code dy}. */
    public abstract INDArray backward(INDArray u, Result forward, INDArray dy);
}
