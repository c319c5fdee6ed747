package dev.sparkpretrain.model.ops;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SinusoidalPositionsTest {
    /** PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...), written here as exp/log of the exponent. */
    static double expected(int pos, int column, int d) {
        int twoI = column - column % 2;
        double angle = pos * Math.exp(-Math.log(10000.0) * twoI / d);
        return column % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
    }

    @Test
    void matchesTheFormulaEverywhere() {
        int positions = 512;
        int d = 768;
        INDArray pe = SinusoidalPositions.table(positions, d, DataType.DOUBLE);
        assertArrayEquals(new long[] {positions, d}, pe.shape());
        double[][] m = pe.toDoubleMatrix();
        for (int pos = 0; pos < positions; pos++) {
            for (int j = 0; j < d; j++) {
                assertEquals(expected(pos, j, d), m[pos][j], 1e-12, "pos " + pos + ", column " + j);
            }
        }
    }

    @Test
    void smallCaseByHand() {
        // d = 4: the two frequencies are 1 and 1/10000^(2/4) = 1/100.
        INDArray pe = SinusoidalPositions.table(3, 4, DataType.DOUBLE);
        assertArrayEquals(new double[] {0, 1, 0, 1}, pe.getRow(0).toDoubleVector(), 0);
        assertArrayEquals(new double[] {Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)},
                pe.getRow(1).toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)},
                pe.getRow(2).toDoubleVector(), 1e-15);
        assertEquals(DataType.FLOAT, SinusoidalPositions.table(3, 4, DataType.FLOAT).dataType());
    }

    @Test
    void oddWidthIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SinusoidalPositions.table(3, 5, DataType.FLOAT));
    }
}
