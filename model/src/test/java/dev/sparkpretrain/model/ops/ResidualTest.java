package dev.sparkpretrain.model.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused kernels around a sublayer's GEMMs ({@link Residual}, {@link Dense}'s accumulated input gradient) against the unfused ND4J and kernel steps they replace, in FLOAT: element-wise
 * results bit for bit, column sums (a different order of additions) within float rounding of the unfused sums and
 * of a DOUBLE reference, and all of them the same with one and two libnd4j threads.
 */
class ResidualTest {
    /** Widths that are and are not multiples of the 8 or 16 lanes; row counts split over chunks or not. */
    private static final long[][] SHAPES = {{64, 128}, {37, 45}, {1001, 256}, {3, 7}};

    private static float[] bits(INDArray a) {
        return FloatKernels.read(a);
    }

    private static void assertSame(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(bits(expected), bits(actual), what);
    }

    /** max |a - b| / max(1, max |b|): column sums of N values have rounding errors relative to their inputs. */
    private static double relativeDiff(INDArray a, INDArray b) {
        INDArray bd = b.castTo(DataType.DOUBLE);
        double scale = Math.max(1, bd.amaxNumber().doubleValue());
        return a.castTo(DataType.DOUBLE).sub(bd).amaxNumber().doubleValue() / scale;
    }

    private static INDArray columnSumsInDouble(INDArray m) {
        return m.castTo(DataType.DOUBLE).sum(0);
    }

    @Test
    void forwardIsTheBiasDropoutResidualAndNormStepsBitForBit() {
        for (long[] shape : SHAPES) {
            int h = (int) shape[1];
            for (Norm norm : new Norm[] {Norm.LAYER, Norm.RMS, null}) {
                for (double p : new double[] {0.1, 0.0}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        String at = java.util.Arrays.toString(shape) + " " + norm + " p=" + p + " bias=" + withBias;
                        Nd4j.getRandom().setSeed(41);
                        INDArray out = Nd4j.randn(DataType.FLOAT, shape);
                        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
                        INDArray bias = withBias ? Nd4j.randn(DataType.FLOAT, h) : null;
                        INDArray gamma = Nd4j.rand(DataType.FLOAT, h).addi(0.5);
                        INDArray beta = Nd4j.randn(DataType.FLOAT, h);
                        Residual.PostNorm post = norm == null ? null
                                : new Residual.PostNorm(norm, gamma, norm.hasBias() ? beta : null, 1e-5, null, null);

                        // the unfused steps: bias add, Dropout.residual, Norm.forward
                        Nd4j.getRandom().setSeed(5);
                        INDArray o = out.dup();
                        if (bias != null) {
                            o.addiRowVector(bias);
                        }
                        INDArray[] dropped = Dropout.residual(o, x.dup(), p, true);
                        Norm.State[] st = new Norm.State[1];
                        INDArray expected = norm == null ? dropped[0]
                                : norm.forward(dropped[0], gamma, norm.hasBias() ? beta : null, 1e-5, st);

                        Nd4j.getRandom().setSeed(5);
                        Residual.State[] fs = new Residual.State[1];
                        INDArray y = Residual.forward(out.dup(), bias, x, p, true, post, fs);
                        assertSame(expected, y, "y " + at);
                        if (p > 0) {
                            assertSame(dropped[1], fs[0].mask(), "mask " + at);
                        } else {
                            assertNull(fs[0].mask(), at);
                        }
                        if (norm != null) {
                            assertSame(st[0].xhat(), fs[0].norm().xhat(), "xhat " + at);
                            assertSame(st[0].invStd(), fs[0].norm().invStd(), "invStd " + at);
                        }
                        // one seed drawn either way: the generator is where the unfused steps left it
                        Nd4j.getRandom().setSeed(5);
                        Dropout.residual(out.dup(), x.dup(), p, true);
                        long next = Nd4j.getRandom().nextLong();
                        Nd4j.getRandom().setSeed(5);
                        Residual.forward(out.dup(), bias, x, p, true, post, new Residual.State[1]);
                        assertEquals(next, Nd4j.getRandom().nextLong(), "random draws " + at);
                    }
                }
            }
        }
    }

    @Test
    void backwardIsTheNormBackwardMaskProductAndColumnSums() {
        for (long[] shape : SHAPES) {
            int h = (int) shape[1];
            for (Norm norm : new Norm[] {Norm.LAYER, Norm.RMS, null}) {
                for (double p : new double[] {0.1, 0.0}) {
                    String at = java.util.Arrays.toString(shape) + " " + norm + " p=" + p;
                    Nd4j.getRandom().setSeed(43);
                    INDArray out = Nd4j.randn(DataType.FLOAT, shape);
                    INDArray x = Nd4j.randn(DataType.FLOAT, shape);
                    INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
                    INDArray gamma = Nd4j.rand(DataType.FLOAT, h).addi(0.5);
                    INDArray beta = Nd4j.randn(DataType.FLOAT, h);
                    INDArray dG = Nd4j.zeros(DataType.FLOAT, h);
                    INDArray dB = Nd4j.zeros(DataType.FLOAT, h);
                    INDArray dBias = Nd4j.zeros(DataType.FLOAT, h);
                    Residual.PostNorm post = norm == null ? null : new Residual.PostNorm(norm, gamma,
                            norm.hasBias() ? beta : null, 1e-5, dG, norm.hasBias() ? dB : null);
                    Residual.State[] fs = new Residual.State[1];
                    Residual.forward(out, null, x, p, true, post, fs);

                    // the unfused steps: Norm.backward, times the mask, a ones-vector GEMM for the column sums
                    INDArray eG = Nd4j.zeros(DataType.FLOAT, h);
                    INDArray eB = Nd4j.zeros(DataType.FLOAT, h);
                    INDArray eSum = norm == null ? dy
                            : norm.backward(dy, fs[0].norm(), gamma, eG, norm.hasBias() ? eB : null);
                    INDArray eOut = fs[0].mask() == null ? eSum : eSum.mul(fs[0].mask());
                    INDArray eBias = Dense.columnSums(eOut);

                    INDArray dyCopy = dy.dup();
                    INDArray[] d = Residual.backward(dy, fs[0], post, dBias);
                    assertSame(dyCopy, dy, "dy untouched " + at);
                    assertSame(eSum, d[0], "dSum " + at);
                    assertSame(eOut, d[1], "dOut " + at);
                    if (norm != null) {
                        assertSame(eG, dG, "dGamma " + at);
                        assertSame(eB, dB, "dBeta " + at);
                    }
                    assertTrue(relativeDiff(dBias, eBias) < 1e-5, "dBias vs ones GEMM " + at + " "
                            + relativeDiff(dBias, eBias));
                    assertTrue(relativeDiff(dBias, columnSumsInDouble(eOut)) < 1e-5, "dBias vs double " + at);
                }
            }
        }
    }

    @Test
    void denseAccumulatedInputGradientAndBiasSumsMatchTheSeparateSteps() {
        // inner dimensions of the tiny and mini models' projections (one GEMM block: bit for bit) and wider ones
        for (int k : new int[] {7, 128, 256, 512, 1024}) {
            String at = "K=" + k;
            Nd4j.getRandom().setSeed(53);
            INDArray x = Nd4j.randn(DataType.FLOAT, 300, k);
            INDArray w = Nd4j.randn(DataType.FLOAT, k, 45).muli(0.1);
            INDArray dy = Nd4j.randn(DataType.FLOAT, 300, 45);
            INDArray residual = Nd4j.randn(DataType.FLOAT, 300, k);
            INDArray eW = Nd4j.zeros(DataType.FLOAT, k, 45);
            INDArray eB = Nd4j.zeros(DataType.FLOAT, 45);
            INDArray eDx = Dense.backward(x, dy, w, eW, eB, true).addi(residual);
            INDArray dW = Nd4j.zeros(DataType.FLOAT, k, 45);
            INDArray dB = Nd4j.zeros(DataType.FLOAT, 45);
            INDArray dx = Dense.backwardAdding(x, dy, w, dW, dB, residual.dup());
            assertSame(eW, dW, "dW " + at);
            assertSame(eB, dB, "db " + at);
            if (k <= 256) {
                assertSame(eDx, dx, "dx + residual " + at);
            }
            assertTrue(relativeDiff(dx, eDx) < 1e-6, "dx + residual " + at + " " + relativeDiff(dx, eDx));
            assertTrue(relativeDiff(dB, columnSumsInDouble(dy)) < 1e-5, "db vs double " + at);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getRandom().setSeed(59);
        // large enough to be split into chunks (> 2^16 elements), rows not a multiple of the chunk
        INDArray out = Nd4j.randn(DataType.FLOAT, 1001, 256);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1001, 256);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 1001, 256);
        INDArray bias = Nd4j.randn(DataType.FLOAT, 256);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 256).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 256);
        float[][][] results = new float[2][][];
        try {
            for (int t = 1; t <= 2; t++) {
                Nd4j.getEnvironment().setMaxMasterThreads(t);
                INDArray dG = Nd4j.zeros(DataType.FLOAT, 256);
                INDArray dB = Nd4j.zeros(DataType.FLOAT, 256);
                INDArray dBias = Nd4j.zeros(DataType.FLOAT, 256);
                Residual.PostNorm post = new Residual.PostNorm(Norm.LAYER, gamma, beta, 1e-12, dG, dB);
                Residual.State[] st = new Residual.State[1];
                Nd4j.getRandom().setSeed(61);
                INDArray y = Residual.forward(out.dup(), bias, x, 0.1, true, post, st);
                INDArray[] d = Residual.backward(dy, st[0], post, dBias);
                results[t - 1] = new float[][] {bits(y), bits(st[0].mask()), bits(st[0].norm().xhat()),
                        bits(d[0]), bits(d[1]), bits(dG), bits(dB), bits(dBias)};
            }
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
        for (int i = 0; i < results[0].length; i++) {
            assertArrayEquals(results[0][i], results[1][i], "output " + i);
        }
    }
}
