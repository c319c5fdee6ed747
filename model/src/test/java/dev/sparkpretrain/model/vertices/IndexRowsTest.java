package dev.sparkpretrain.model.vertices;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The FLOAT scatter-add (heap rows) against libnd4j's, which DOUBLE arrays still use, on repeated indices. */
class IndexRowsTest {
    @Test
    void floatScatterAddMatchesLibnd4jsBitForBit() {
        Nd4j.getRandom().setSeed(21);
        int rows = 50;
        int width = 24;
        int[] index = new int[700];
        java.util.Random rng = new java.util.Random(21);
        for (int i = 0; i < index.length; i++) {
            index[i] = rng.nextInt(rows);
        }
        INDArray updates = Nd4j.randn(DataType.FLOAT, index.length, width);
        INDArray start = Nd4j.randn(DataType.FLOAT, rows, width);

        INDArray viaJava = start.dup();
        IndexRows.scatterAdd(viaJava, index, updates);
        // the reference: the same accumulation in DOUBLE through libnd4j, and in float, row by row, in index order
        INDArray viaOp = start.castTo(DataType.DOUBLE);
        IndexRows.scatterAdd(viaOp, index, updates.castTo(DataType.DOUBLE));
        float[] expected = start.dup().data().asFloat();
        float[] u = updates.data().asFloat();
        for (int i = 0; i < index.length; i++) {
            for (int j = 0; j < width; j++) {
                expected[index[i] * width + j] += u[i * width + j];
            }
        }
        assertArrayEquals(expected, viaJava.data().asFloat());
        assertArrayEquals(viaOp.data().asDouble(), viaJava.castTo(DataType.DOUBLE).data().asDouble(), 1e-4);
    }

    @Test
    void floatScatterAddChecksIndices() {
        INDArray target = Nd4j.zeros(DataType.FLOAT, 3, 2);
        assertThrows(IllegalArgumentException.class,
                () -> IndexRows.scatterAdd(target, new int[] {3}, Nd4j.ones(DataType.FLOAT, 1, 2)));
    }
}
