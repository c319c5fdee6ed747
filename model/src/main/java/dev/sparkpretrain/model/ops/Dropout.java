package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout with an explicit mask so that backward can reuse it. Draws from ND4J's (seeded) generator: for
 * FLOAT arrays one {@code nextLong()} per call seeds {@link FloatKernels}' counter-based masks (one fused pass
 * instead of libnd4j's Bernoulli draw, rescale and product; {@link #dropped} without a mask at all); DOUBLE arrays
 * use libnd4j's random ops.
 */
public final class Dropout {
    private Dropout() {}

    /** A mask of {@code 0} and {@code 1/(1-p)} shaped like {@code like}, or null when {@code p == 0}. */
    public static INDArray mask(INDArray like, double p) {
        if (p <= 0) {
            return null;
        }
        if (FloatKernels.applies(like)) {
            return FloatKernels.dropoutMask(like.shape(), p, Nd4j.getRandom().nextLong());
        }
        INDArray m = Nd4j.createUninitialized(like.dataType(), like.shape(), 'c');
        Nd4j.getExecutioner().exec(new BernoulliDistribution(m, 1.0 - p));
        return m.muli(1.0 / (1.0 - p));
    }

    /**
     * A new array {@code x * mask} for a fresh mask, or {@code x} itself when {@code p == 0}: one pass where
     * {@link #mask} and {@link #apply} take three, for callers whose backward needs no mask.
     */
    public static INDArray dropped(INDArray x, double p) {
        if (p <= 0) {
            return x;
        }
        if (FloatKernels.applies(x)) {
            return FloatKernels.dropped(x, p, Nd4j.getRandom().nextLong());
        }
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.getExecutioner().exec(new DropOutInverted(x, out, 1.0 - p));
        return out;
    }

    /**
     * The residual sum {@code x * mask + residual} for a fresh mask, and the mask (null when not training or
     * {@code p == 0}, and then the sum is {@code x += residual}): {@code {sum, mask}}. For FLOAT arrays one fused pass.
     */
    public static INDArray[] residual(INDArray x, INDArray residual, double p, boolean training) {
        if (!training || p <= 0) {
            return new INDArray[] {x.addi(residual), null};
        }
        if (FloatKernels.applies(x, residual)) {
            return FloatKernels.dropoutResidual(x, residual, p, Nd4j.getRandom().nextLong());
        }
        INDArray m = mask(x, p);
        return new INDArray[] {x.muli(m).addi(residual), m};
    }

    /** {@code x * mask} in place, or {@code x} when the mask is null. */
    public static INDArray apply(INDArray x, INDArray mask) {
        return mask == null ? x : x.muli(mask);
    }
}
