package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;

/** Inverted dropout with an explicit mask so that backward can reuse it. Draws from ND4J's (seeded) generator. */
public final class Dropout {
    private Dropout() {}

    /** A mask of {@code 0} and {@code 1/(1-p)} shaped like {@code like}, or null when {@code p == 0}. */
    public static INDArray mask(INDArray like, double p) {
        if (p <= 0) {
            return null;
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
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.getExecutioner().exec(new DropOutInverted(x, out, 1.0 - p));
        return out;
    }

    /** {@code x * mask} in place, or {@code x} when the mask is null. */
    public static INDArray apply(INDArray x, INDArray mask) {
        return mask == null ? x : x.muli(mask);
    }
}
