package dev.sparkpretrain.model.ops;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention's backward pass with dropout on the probabilities, which DL4J's gradient checks cannot cover (they need
 * a deterministic network): the mask drawn in the forward pass is recovered as D / P and held fixed, and every
 * gradient is compared with central differences of {@code sum(R * (softmax(s q k^T) * M) v)} in double precision.
 */
class AttentionTest {
    private static final double SCALE = 0.5;

    private static double loss(INDArray q, INDArray k, INDArray v, INDArray mask, INDArray r) {
        INDArray s = Nd4j.matmul(q, k, false, true, false).muli(SCALE);
        Nd4j.exec(new SoftMax(s, s, -1));
        return Nd4j.matmul(s.muli(mask), v).muli(r).sumNumber().doubleValue();
    }

    @Test
    void backwardWithoutTheMaskMatchesFiniteDifferences() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            Nd4j.getRandom().setSeed(11);
            long[] shape = {2, 2, 5, 3};
            INDArray q = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray k = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray v = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray r = Nd4j.randn(DataType.DOUBLE, shape);
            Attention.State[] st = new Attention.State[1];
            Attention.forward(q, k, v, Nd4j.create(DataType.DOUBLE, shape), SCALE, null, null, false, 0.5, true, st);
            INDArray mask = st[0].droppedProbs().div(st[0].probs());
            double dropped = mask.eq(0).castTo(DataType.DOUBLE).meanNumber().doubleValue();
            assertTrue(dropped > 0.2 && dropped < 0.8, "dropout rate " + dropped);

            INDArray dq = Nd4j.create(DataType.DOUBLE, shape);
            INDArray dk = Nd4j.create(DataType.DOUBLE, shape);
            INDArray dv = Nd4j.create(DataType.DOUBLE, shape);
            Attention.backward(r, st[0], dq, dk, dv, false);

            INDArray[] inputs = {q, k, v};
            INDArray[] grads = {dq, dk, dv};
            double eps = 1e-6;
            for (int which = 0; which < 3; which++) {
                INDArray x = inputs[which];
                for (long i = 0; i < x.length(); i++) {
                    double orig = x.getDouble(i);
                    x.putScalar(i, orig + eps);
                    double plus = loss(q, k, v, mask, r);
                    x.putScalar(i, orig - eps);
                    double minus = loss(q, k, v, mask, r);
                    x.putScalar(i, orig);
                    assertEquals((plus - minus) / (2 * eps), grads[which].getDouble(i), 1e-6,
                            "input " + which + ", element " + i);
                }
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void keyBiasMasksPaddedKeysAndIsNullWhenNothingIsPadded() {
        INDArray full = Nd4j.ones(DataType.FLOAT, 2, 3);
        assertNull(Attention.keyBias(full, 2, 3), "no padding, no bias");
        assertNull(Attention.keyBias(null, 2, 3));
        INDArray padded = Nd4j.createFromArray(new float[][] {{1, 1, 0}, {1, 1, 1}});
        INDArray bias = Attention.keyBias(padded, 2, 3);
        assertEquals(Attention.MASKED, bias.getDouble(0, 2), 1e-3 * -Attention.MASKED);
        assertEquals(0.0, bias.getDouble(0, 0));
        assertEquals(0.0, bias.getDouble(1, 2));
    }
}
