package dev.sparkpretrain.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Softmax#rows} (through a rank-4 view) against libnd4j's rank-2 softmax, the formulation it replaced. */
class SoftmaxTest {
    private static INDArray reference(INDArray x) {
        INDArray z = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        Nd4j.exec(new SoftMax(x.dup('c'), z, -1));
        return z;
    }

    @Test
    void equalsTheRankTwoSoftmaxBitForBit() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(7);
            // wide rows with large logits, like a language model's output layer
            INDArray x = Nd4j.randn(type, 37, 1003).muli(20);
            INDArray z = Softmax.rows(x, Nd4j.createUninitialized(type, x.shape(), 'c'));
            assertEquals(reference(x), z, type.toString());
            assertEquals(1.0, z.sum(1).minNumber().doubleValue(), 1e-5);
            assertEquals(1.0, z.sum(1).maxNumber().doubleValue(), 1e-5);
        }
    }

    @Test
    void worksInPlaceAndOnARowRangeOfALargerArray() {
        Nd4j.getRandom().setSeed(11);
        INDArray big = Nd4j.randn(DataType.FLOAT, 10, 64).muli(5);
        INDArray rows = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 8),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertTrue(rows.offset() > 0);
        INDArray expected = reference(rows);
        INDArray untouched = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        Softmax.rows(rows, rows);
        assertEquals(expected, rows);
        assertEquals(untouched, big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.all()));
    }
}
