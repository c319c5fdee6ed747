package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise non-linearities of the feed-forward layers, each with its derivative. Forward returns a new array and
 * leaves the pre-activation untouched (backward needs it).
 */
public enum Activation {
    /** Exact GELU, {@code x * Phi(x)} with the normal CDF, as BERT. */
    GELU {
        @Override
        public INDArray forward(INDArray u) {
            INDArray cdf = u.mul(SQRT1_2);
            Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
            cdf.addi(1.0).muli(0.5);
            return cdf.muli(u);
        }

        @Override
        public INDArray backward(INDArray u, INDArray y, INDArray dy) {
            // d/du u*Phi(u) = Phi(u) + u*phi(u);  Phi(u) = y/u is unstable at 0, so recompute it.
            INDArray cdf = u.mul(SQRT1_2);
            Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
            cdf.addi(1.0).muli(0.5);
            INDArray pdf = Transforms.exp(u.mul(u).muli(-0.5), false).muli(INV_SQRT_2PI).muli(u);
            return dy.muli(cdf.addi(pdf));
        }
    },
    /** GPT-2's tanh approximation, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    GELU_TANH {
        @Override
        public INDArray forward(INDArray u) {
            INDArray t = tanhInner(u);
            return t.addi(1.0).muli(0.5).muli(u);
        }

        @Override
        public INDArray backward(INDArray u, INDArray y, INDArray dy) {
            INDArray t = tanhInner(u);
            // 0.5 (1 + t) + 0.5 u (1 - t^2) c (1 + 3 k u^2)
            INDArray u2 = u.mul(u);
            INDArray inner = u2.muli(3 * GELU_K).addi(1.0).muli(SQRT_2_OVER_PI);
            INDArray sech2 = t.mul(t).rsubi(1.0);
            INDArray d = sech2.muli(inner).muli(u).muli(0.5).addi(t.addi(1.0).muli(0.5));
            return dy.muli(d);
        }
    },
    /** ReLU, as T5 v1.0. */
    RELU {
        @Override
        public INDArray forward(INDArray u) {
            return Transforms.relu(u, true);
        }

        @Override
        public INDArray backward(INDArray u, INDArray y, INDArray dy) {
            return dy.muli(u.gt(0.0).castTo(dy.dataType()));
        }
    },
    /** tanh, as BERT's pooler. */
    TANH {
        @Override
        public INDArray forward(INDArray u) {
            return Transforms.tanh(u, true);
        }

        @Override
        public INDArray backward(INDArray u, INDArray y, INDArray dy) {
            return dy.muli(y.mul(y).rsubi(1.0));
        }
    },
    /** No non-linearity. */
    IDENTITY {
        @Override
        public INDArray forward(INDArray u) {
            return u.dup();
        }

        @Override
        public INDArray backward(INDArray u, INDArray y, INDArray dy) {
            return dy;
        }
    };

    private static final double SQRT1_2 = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double GELU_K = 0.044715;

    private static INDArray tanhInner(INDArray u) {
        INDArray t = u.mul(u).muli(GELU_K).addi(1.0).muli(u).muli(SQRT_2_OVER_PI);
        return Transforms.tanh(t, false);
    }

    /** {@code y = f(u)} as a new array. */
    public abstract INDArray forward(INDArray u);

    /**
     * Gradient with respect to the pre-activation {@code u}, given the output {@code y = forward(u)} and the gradient
     * {@code dy}; may overwrite and return {@code dy}.
     */
    public abstract INDArray backward(INDArray u, INDArray y, INDArray dy);
}
