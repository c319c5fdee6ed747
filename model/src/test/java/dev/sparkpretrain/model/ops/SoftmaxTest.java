package dev.sparkpretrain.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Softmax#rows} (through a rank-4 view) against libnd4j's rank-2 softmax, the formulation it replaced; the LM
 * heads' {@link Softmax#rowsWithArgMax} kernel against a double-precision reference and ND4J's ops.
 */
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

    // ---------------------------------------------------------------- rowsWithArgMax

    /** Row-major values of {@code rows x w} logits, N(0, 5^2) from {@code seed}, as a dense FLOAT array. */
    private static INDArray logits(long seed, int rows, int w) {
        java.util.Random rng = new java.util.Random(seed);
        float[] v = new float[rows * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (5 * rng.nextGaussian());
        }
        return Nd4j.create(v, new long[] {rows, w}, 'c');
    }

    /**
     * {@code softmax(x + bias)} of one row in double from the float sums {@code x + bias} and the float differences
     * {@code v - max}, as every float softmax rounds them (that rounding alone is up to 2^-24 |v - max| relative).
     */
    private static double[] reference(float[] row) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double[] p = new double[row.length];
        double sum = 0;
        for (int j = 0; j < row.length; j++) {
            p[j] = Math.exp(row[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < row.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** The first place of the largest value. */
    private static int firstMax(float[] row) {
        int at = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[at]) {
                at = j;
            }
        }
        return at;
    }

    /** Row {@code r} of {@code x + bias} (bias may be null), each sum rounded to float. */
    private static float[] biasedRow(INDArray x, float[] bias, int r) {
        float[] row = x.getRow(r).toFloatVector();
        for (int j = 0; bias != null && j < row.length; j++) {
            row[j] += bias[j];
        }
        return row;
    }

    /** The kernel or (ND4J's ops) the fallback, on a copy of x into a new output or in place. */
    private static INDArray[] run(boolean kernel, INDArray x, INDArray bias, boolean inPlace) {
        boolean saved = Softmax.kernel;
        Softmax.kernel = kernel;
        try {
            INDArray in = x.dup('c');
            INDArray z = inPlace ? in : Nd4j.createUninitialized(DataType.FLOAT, x.shape(), 'c');
            int[] argMax = Softmax.rowsWithArgMax(in, bias, z);
            if (!inPlace) {
                assertEquals(x, in, "input untouched");
            }
            return new INDArray[] {z, Nd4j.createFromArray(argMax)};
        } finally {
            Softmax.kernel = saved;
        }
    }

    @Test
    void theKernelRunsInTheseTests() {
        assertTrue(Softmax.kernel, "tests run with --add-modules jdk.incubator.vector on the CPU backend");
    }

    @Test
    void kernelIsWithinAFewUlpsOfADoubleReferenceAndItsArgMaxExact() {
        int[] widths = {1, 7, 15, 16, 17, 33, 100, 1003, 8000};
        for (int w : widths) {
            for (boolean withBias : new boolean[] {false, true}) {
                long seed = 31L * w + (withBias ? 1 : 0);
                INDArray x = logits(seed, 9, w);
                float[] b = withBias ? logits(seed + 7, 1, w).toFloatVector() : null;
                INDArray bias = withBias ? Nd4j.create(b, new long[] {1, w}, 'c') : null;
                for (boolean inPlace : new boolean[] {false, true}) {
                    String where = "seed " + seed + ", width " + w + ", bias " + withBias + ", in place " + inPlace;
                    INDArray[] k = run(true, x, bias, inPlace);
                    INDArray[] nd4j = run(false, x, bias, inPlace);
                    for (int r = 0; r < x.size(0); r++) {
                        float[] row = biasedRow(x, b, r);
                        double[] ref = reference(row);
                        float[] p = k[0].getRow(r).toFloatVector();
                        for (int j = 0; j < w; j++) {
                            // exp's polynomial 5e-9, 1 / sum and the lane sums: a few float ulps
                            assertEquals(ref[j], p[j], 1e-6 * ref[j] + 1e-30, where + ", row " + r + ", place " + j);
                        }
                        assertEquals(firstMax(row), k[1].getInt(r), where + ", row " + r);
                        assertEquals(firstMax(row), nd4j[1].getInt(r), where + ", ND4J's argMax, row " + r);
                    }
                    assertTrue(nd4j[0].equalsWithEps(k[0], 1e-6), where + ": ND4J's softmax");
                }
            }
        }
    }

    @Test
    void argMaxTakesTheFirstOfEqualLargestValues() {
        int w = 45;
        float[][] rows = new float[6][w];
        // ties in different lanes, in the same lane of later vectors, in the scalar tail, and a row of equal values
        int[][] tiedPlaces = {{3, 20}, {20, 3 + 16}, {36, 44}, {5, 40}, {44, 43}, {}};
        int[] expected = {3, 19, 36, 5, 43, 0};
        for (int r = 0; r < rows.length; r++) {
            for (int j = 0; j < w; j++) {
                rows[r][j] = r == rows.length - 1 ? 2.5f : (j * 7919 % 13) * 0.25f;
            }
            for (int j : tiedPlaces[r]) {
                rows[r][j] = 9f;
            }
        }
        INDArray x = Nd4j.create(rows).castTo(DataType.FLOAT);
        float[] zeros = new float[w];
        INDArray[] k = run(true, x, Nd4j.create(zeros, new long[] {1, w}, 'c'), false);
        INDArray[] kNoBias = run(true, x, null, true);
        INDArray[] nd4j = run(false, x, null, true);
        for (int r = 0; r < rows.length; r++) {
            assertEquals(expected[r], firstMax(rows[r]), "row " + r);
            assertEquals(expected[r], k[1].getInt(r), "bias, row " + r);
            assertEquals(expected[r], kNoBias[1].getInt(r), "no bias, row " + r);
            assertEquals(expected[r], nd4j[1].getInt(r), "ND4J, row " + r);
        }
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        INDArray x = logits(5, 67, 8003);
        INDArray bias = logits(6, 1, 8003);
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        try {
            Nd4j.getEnvironment().setMaxMasterThreads(1);
            INDArray[] one = run(true, x, bias, true);
            Nd4j.getEnvironment().setMaxMasterThreads(2);
            INDArray[] two = run(true, x, bias, true);
            assertEquals(one[0], two[0]);
            assertEquals(one[1], two[1]);
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
    }
}
