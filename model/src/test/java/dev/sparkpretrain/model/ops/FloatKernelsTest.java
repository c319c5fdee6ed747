package dev.sparkpretrain.model.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused FLOAT kernels against double references (the transcendental approximations), against the ND4J
 * formulations run in DOUBLE (the layers' results, within float rounding), and against themselves with one and two
 * libnd4j threads (the split over threads must not change a bit).
 */
class FloatKernelsTest {
    private static final double SQRT1_2 = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** erf in double: its Maclaurin series below 3 (terms < 1e3, so ~1e-13 absolute), the continued fraction above. */
    static double erfReference(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), evaluated from the tail
            double f = a;
            for (int k = 60; k >= 1; k--) {
                f = a + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, x);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** max |a - b| / max(1, |b|) over the elements. */
    private static double maxScaledDiff(INDArray a, INDArray b) {
        INDArray bd = b.castTo(DataType.DOUBLE);
        INDArray scale = org.nd4j.linalg.ops.transforms.Transforms.abs(bd, true);
        org.nd4j.linalg.ops.transforms.Transforms.max(scale, 1.0, false);
        return a.castTo(DataType.DOUBLE).sub(bd).divi(scale).amaxNumber().doubleValue();
    }

    @Test
    void erfIsAccurateToFloatPrecision() {
        int n = 24_001;
        double[] xs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = -6 + 12.0 * i / (n - 1);
        }
        // the reference against libnd4j's double erf (std::erf)
        INDArray xd = Nd4j.createFromArray(xs);
        INDArray nd4jDouble = xd.dup();
        Nd4j.getExecutioner().exec(new Erf(nd4jDouble, nd4jDouble));
        INDArray nd4jFloat = xd.castTo(DataType.FLOAT);
        Nd4j.getExecutioner().exec(new Erf(nd4jFloat, nd4jFloat));
        double refVsLib = 0;
        double kernel = 0;
        double libFloat = 0;
        for (int i = 0; i < n; i++) {
            float xf = (float) xs[i];
            double ref = erfReference(xf);
            refVsLib = Math.max(refVsLib, Math.abs(erfReference(xs[i]) - nd4jDouble.getDouble(i)));
            kernel = Math.max(kernel, Math.abs(FloatKernels.erf(xf) - ref));
            libFloat = Math.max(libFloat, Math.abs(nd4jFloat.getDouble(i) - ref));
        }
        System.out.printf("erf max abs error: kernel %.3g, libnd4j float %.3g (reference vs libnd4j double %.3g)%n",
                kernel, libFloat, refVsLib);
        assertTrue(refVsLib < 1e-12, "reference " + refVsLib);
        assertTrue(kernel < 4e-7, "kernel erf error " + kernel);
        assertEquals(0f, FloatKernels.erf(0f));
        assertEquals(1f, FloatKernels.erf(30f), 1.2e-7f);
        assertEquals(-1f, FloatKernels.erf(Float.NEGATIVE_INFINITY), 1.2e-7f);
    }

    @Test
    void geluDerivativeAndExpAreAccurateToFloatPrecision() {
        double dg = 0;
        double ex = 0;
        for (int i = 0; i <= 40_000; i++) {
            float u = -20 + 40f * i / 40_000;
            double ref = 0.5 * (1 + erfReference(u * SQRT1_2)) + u * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
            dg = Math.max(dg, Math.abs(FloatKernels.geluDerivative(u) - ref));
            float a = 21.5f * i / 40_000;
            ex = Math.max(ex, Math.abs(FloatKernels.expNeg(a) / Math.exp(-a) - 1));
        }
        System.out.printf("max error: GELU derivative %.3g absolute, exp(-a) %.3g relative%n", dg, ex);
        assertTrue(dg < 4e-7, "GELU derivative error " + dg);
        assertTrue(ex < 4e-7, "exp relative error " + ex);
        assertEquals((float) Math.exp(-21.5), FloatKernels.expNeg(1000f), 1e-15f);
        assertEquals(1f, FloatKernels.expNeg(0f));
    }

    @Test
    void activationsMatchTheNd4jFormulationInDouble() {
        for (Activation a : new Activation[] {Activation.GELU, Activation.GELU_TANH}) {
            Nd4j.getRandom().setSeed(11);
            INDArray u = Nd4j.randn(DataType.DOUBLE, 64, 300).muli(3);
            Activation.Result ref = a.forward(u);
            INDArray uf = u.castTo(DataType.FLOAT);
            Activation.Result r = a.forward(uf);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, 64, 300);
            INDArray dRef = a.backward(u, ref, dy.dup());
            INDArray d = a.backward(uf, r, dy.castTo(DataType.FLOAT));
            assertEquals(DataType.FLOAT, r.y().dataType());
            assertTrue(maxScaledDiff(r.y(), ref.y()) < 1e-6, a + " y " + maxScaledDiff(r.y(), ref.y()));
            assertTrue(maxScaledDiff(d, dRef) < 1e-6, a + " dx " + maxScaledDiff(d, dRef));
            assertEquals(u.castTo(DataType.FLOAT), uf, "input left unchanged");
        }
    }

    @Test
    void normsMatchTheNd4jFormulationInDouble() {
        for (Norm norm : Norm.values()) {
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 50, 96).muli(4).addi(1.5);
            INDArray gamma = Nd4j.rand(DataType.DOUBLE, 96).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.DOUBLE, 96);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, 50, 96);
            Norm.State[] sd = new Norm.State[1];
            INDArray yd = norm.forward(x, gamma, beta, 1e-5, sd);
            INDArray dGd = Nd4j.zeros(DataType.DOUBLE, 96);
            INDArray dBd = Nd4j.zeros(DataType.DOUBLE, 96);
            INDArray dxd = norm.backward(dy, sd[0], gamma, dGd, dBd);

            Norm.State[] sf = new Norm.State[1];
            INDArray yf = norm.forward(x.castTo(DataType.FLOAT), gamma.castTo(DataType.FLOAT),
                    beta.castTo(DataType.FLOAT), 1e-5, sf);
            INDArray dGf = Nd4j.zeros(DataType.FLOAT, 96);
            INDArray dBf = Nd4j.zeros(DataType.FLOAT, 96);
            INDArray dxf = norm.backward(dy.castTo(DataType.FLOAT), sf[0], gamma.castTo(DataType.FLOAT), dGf, dBf);
            assertTrue(maxScaledDiff(yf, yd) < 2e-6, norm + " y " + maxScaledDiff(yf, yd));
            assertTrue(maxScaledDiff(sf[0].invStd(), sd[0].invStd()) < 1e-6, norm + " invStd");
            assertTrue(maxScaledDiff(dxf, dxd) < 2e-6, norm + " dx " + maxScaledDiff(dxf, dxd));
            // column sums of 50 products: float rounding of the sum
            assertTrue(maxScaledDiff(dGf, dGd) < 1e-5, norm + " dGamma " + maxScaledDiff(dGf, dGd));
            if (norm.hasBias()) {
                assertTrue(maxScaledDiff(dBf, dBd) < 1e-5, norm + " dBeta " + maxScaledDiff(dBf, dBd));
            } else {
                assertEquals(0.0, dBf.amaxNumber().doubleValue(), "RMS norm has no bias gradient");
            }
        }
    }

    @Test
    void dropoutMasksHaveTheRightRateAndScaleAndFollowTheSeed() {
        double p = 0.1;
        INDArray m = FloatKernels.dropoutMask(new long[] {1000, 1000}, p, 42L);
        float[] v = FloatKernels.read(m);
        int zeros = 0;
        for (float f : v) {
            if (f == 0f) {
                zeros++;
            } else {
                assertEquals((float) (1 / (1 - p)), f);
            }
        }
        // binomial(1e6, 0.1): standard deviation 300
        assertEquals(100_000, zeros, 1_500, "dropped elements");
        assertEquals(m, FloatKernels.dropoutMask(new long[] {1000, 1000}, p, 42L), "same seed, same mask");
        INDArray other = FloatKernels.dropoutMask(new long[] {1000, 1000}, p, 43L);
        double agree = m.eq(other).castTo(DataType.DOUBLE).meanNumber().doubleValue();
        // independent masks agree where both keep or both drop: 0.9^2 + 0.1^2 = 0.82
        assertEquals(0.82, agree, 0.01, "masks of different seeds are independent");
        // neighbouring elements are not correlated
        double both = 0;
        for (int i = 0; i + 1 < v.length; i++) {
            both += (v[i] == 0f && v[i + 1] == 0f) ? 1 : 0;
        }
        assertEquals(0.01, both / (v.length - 1), 0.002, "adjacent drops");
    }

    @Test
    void dropoutResidualIsTheProductPlusTheResidual() {
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 300, 200);
        INDArray r = Nd4j.randn(DataType.FLOAT, 300, 200);
        INDArray[] out = FloatKernels.dropoutResidual(x, r, 0.25, 7L);
        assertEquals(FloatKernels.dropoutMask(x.shape(), 0.25, 7L), out[1]);
        assertEquals(x.mul(out[1]).addi(r), out[0]);
    }

    @Test
    void dropoutMaskIsTheHashOfSeedAndIndex() {
        // the blocked, vectorized kernel against the formula written out per element; a length that is not a
        // multiple of the kernel's block, and a seed with both halves set
        long seed = 0x1234_5678_9ABC_DEF0L;
        double p = 0.1;
        float[] m = FloatKernels.dropoutMask(new long[] {3, 5001}, p, seed).data().asFloat();
        int threshold = (int) Math.round((1 - p) * (1 << 24));
        float scale = (float) (1 / (1 - p));
        for (int i = 0; i < m.length; i++) {
            int h = (i ^ (int) (seed >>> 32)) * 0x9E3779B1 + (int) seed;
            h ^= h >>> 16;
            h *= 0x85EBCA6B;
            h ^= h >>> 13;
            h *= 0xC2B2AE35;
            h ^= h >>> 16;
            assertEquals((h >>> 8) < threshold ? scale : 0f, m[i], "element " + i);
        }
    }

    @Test
    void droppedIsTheProductWithTheSameSeedsMask() {
        Nd4j.getRandom().setSeed(10);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 70, 70);
        INDArray mask = FloatKernels.dropoutMask(x.shape(), 0.1, 5L);
        assertEquals(x.mul(mask), FloatKernels.dropped(x, 0.1, 5L));
        assertTrue(mask.eq(0).castTo(DataType.FLOAT).sumNumber().doubleValue() > 0);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getRandom().setSeed(3);
        // large enough to be split into chunks (> 2^16 elements), rows not a multiple of the chunk
        INDArray u = Nd4j.randn(DataType.FLOAT, 1001, 256);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 256).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 256);
        INDArray[][] out = new INDArray[2][];
        try {
            for (int t = 1; t <= 2; t++) {
                Nd4j.getEnvironment().setMaxMasterThreads(t);
                INDArray[] g = FloatKernels.geluTanh(u);
                INDArray[] e = FloatKernels.gelu(u);
                INDArray[] n = FloatKernels.norm(u, gamma, beta, 1e-12, true);
                INDArray dG = Nd4j.zeros(DataType.FLOAT, 256);
                INDArray dB = Nd4j.zeros(DataType.FLOAT, 256);
                INDArray dx = FloatKernels.normBackward(e[0], n[1], n[2], gamma, dG, dB, true, null);
                INDArray[] dr = FloatKernels.dropoutResidual(u, e[0], 0.1, 99L);
                out[t - 1] = new INDArray[] {g[0], g[1], e[0], e[1], n[0], n[1], n[2], dx, dG, dB, dr[0], dr[1]};
            }
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
        for (int i = 0; i < out[0].length; i++) {
            assertEquals(out[0][i], out[1][i], "output " + i);
        }
        assertTrue(maxAbsDiff(out[0][0], out[0][2]) > 0, "the two GELUs differ");
    }

    @Test
    void surefireRunsTheVectorKernels() {
        // the poms pass --add-modules=jdk.incubator.vector to test JVMs, so the tests above cover VectorKernels
        assertTrue(FloatKernels.VECTOR, "jdk.incubator.vector missing or its kernels failed to load");
    }

    /** Shapes whose rows are and are not multiples of the 8 or 16 lanes (scalar tails), split or not over chunks. */
    private static final long[][] SHAPES = {{64, 128}, {37, 45}, {1001, 256}, {3, 7}};

    @Test
    void vectorKernelsMatchTheHeapKernels() {
        for (long[] shape : SHAPES) {
            Nd4j.getRandom().setSeed(17);
            INDArray u = Nd4j.randn(DataType.FLOAT, shape).muli(3);
            INDArray r = Nd4j.randn(DataType.FLOAT, shape);
            int h = (int) shape[1];
            INDArray gamma = Nd4j.rand(DataType.FLOAT, h).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.FLOAT, h);
            String at = java.util.Arrays.toString(shape);
            INDArray[] e = VectorKernels.gelu(u, null);
            INDArray[] eh = FloatKernels.geluOnHeap(u);
            // both within ~1e-6 of the true values (1 + erf cancels in float for u < -4), not of each other
            assertTrue(maxScaledDiff(e[0], eh[0]) < 2.5e-6 && maxScaledDiff(e[1], eh[1]) < 1e-6, "GELU " + at);
            INDArray[] t = VectorKernels.geluTanh(u, null);
            INDArray[] th = FloatKernels.geluTanhOnHeap(u);
            assertTrue(maxScaledDiff(t[0], th[0]) < 1e-6, "tanh GELU " + at + " " + maxScaledDiff(t[0], th[0]));
            assertTrue(maxScaledDiff(t[1], th[1]) < 1e-6, "tanh GELU' " + at + " " + maxScaledDiff(t[1], th[1]));
            // the bias added inside the kernels: as adding it first, bit for bit (the same float sum per element)
            INDArray biased = u.addRowVector(beta);
            assertEquals(VectorKernels.gelu(biased, null)[0], VectorKernels.gelu(u, beta)[0], "GELU + bias " + at);
            assertEquals(VectorKernels.gelu(biased, null)[1], VectorKernels.gelu(u, beta)[1], "GELU' + bias " + at);
            assertEquals(VectorKernels.geluTanh(biased, null)[0], VectorKernels.geluTanh(u, beta)[0], "tanh + bias");
            assertEquals(VectorKernels.geluTanh(biased, null)[1], VectorKernels.geluTanh(u, beta)[1], "tanh' + bias");
            for (Activation act : new Activation[] {Activation.GELU, Activation.GELU_TANH}) {
                INDArray kept = u.dup();
                Activation.Result fused = act.forward(kept, beta);
                assertEquals(u, kept, act + ": the fused bias leaves u as it was");
                assertEquals(act.forward(u.addRowVector(beta)).y(), fused.y(), act + " forward(u, bias) " + at);
            }
            for (boolean centred : new boolean[] {true, false}) {
                INDArray b = centred ? beta : null;
                INDArray[] n = VectorKernels.norm(u, gamma, b, 1e-5, centred);
                INDArray[] nh = FloatKernels.normOnHeap(u, gamma, b, 1e-5, centred);
                for (int i = 0; i < 3; i++) {
                    assertTrue(maxScaledDiff(n[i], nh[i]) < 2e-6, "norm output " + i + " " + at);
                }
                INDArray dG = Nd4j.zeros(DataType.FLOAT, h);
                INDArray dB = Nd4j.zeros(DataType.FLOAT, h);
                INDArray dGh = Nd4j.zeros(DataType.FLOAT, h);
                INDArray dBh = Nd4j.zeros(DataType.FLOAT, h);
                INDArray dx = VectorKernels.normBackward(r, nh[1], nh[2], gamma, dG, centred ? dB : null, centred, u);
                INDArray dxh = FloatKernels.normBackwardOnHeap(r, nh[1], nh[2], gamma, dGh, centred ? dBh : null,
                        centred).addi(u);
                assertTrue(maxScaledDiff(dx, dxh) < 2e-6, "norm dx + residual " + at + " " + maxScaledDiff(dx, dxh));
                assertTrue(maxScaledDiff(dG, dGh) < 1e-5 && maxScaledDiff(dB, dBh) < 1e-5, "norm dGamma " + at);
            }
            // dropout: the same masks bit for bit, so the same products and sums
            assertEquals(FloatKernels.dropoutMaskOnHeap(shape, 0.1, 23L),
                    VectorKernels.dropoutMask(shape, FloatKernels.keepThreshold(0.1), (float) (1 / 0.9), 23L), at);
            assertEquals(FloatKernels.droppedOnHeap(u, 0.1, 23L), VectorKernels.dropped(u, null,
                    FloatKernels.keepThreshold(0.1), (float) (1 / 0.9), 23L, false)[0], at);
            INDArray[] dr = VectorKernels.dropped(u, r, FloatKernels.keepThreshold(0.25), (float) (1 / 0.75), -5L,
                    true);
            INDArray[] drh = FloatKernels.dropoutResidualOnHeap(u, r, 0.25, -5L);
            assertEquals(drh[0], dr[0], at);
            assertEquals(drh[1], dr[1], at);
        }
    }

    @Test
    void fusedAttentionSoftmaxMatchesTheNd4jOps() {
        for (long[] shape : new long[][] {{2, 3, 16, 16}, {2, 2, 5, 37}}) {
            Nd4j.getRandom().setSeed(29);
            INDArray s = Nd4j.randn(DataType.FLOAT, shape).muli(4);
            s.putScalar(new long[] {1, 1, 2, 3}, Attention.MASKED);
            INDArray p = s.dup();
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(p, p, -1));
            INDArray pd = FloatKernels.droppedOnHeap(p, 0.2, 77L);
            INDArray vp = s.dup();
            INDArray vpd = VectorKernels.softmaxDropout(vp, false, FloatKernels.keepThreshold(0.2), 1.25f, 77L);
            String at = java.util.Arrays.toString(shape);
            assertTrue(maxAbsDiff(vp, p) < 1e-6, "probabilities " + at + " " + maxAbsDiff(vp, p));
            assertTrue(maxAbsDiff(vpd, pd) < 2e-6, "dropped probabilities " + at);
            assertEquals(pd.eq(0), vpd.eq(0), "same dropped elements " + at);
            assertEquals(0f, vp.getFloat(1, 1, 2, 3), "a masked key gets no weight");
            INDArray undropped = s.dup();
            assertTrue(undropped == VectorKernels.softmaxDropout(undropped, false, 1 << 24, 1f, 0L),
                    "no dropout, no copy");

            // causal: as the -1e9 bias of Attention.causalBias before the softmax
            INDArray c = s.dup();
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(c,
                    Attention.causalBias(DataType.FLOAT, (int) shape[2], (int) shape[3]), c, 2, 3));
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(c, c, -1));
            INDArray cd = FloatKernels.droppedOnHeap(c, 0.2, 78L);
            INDArray vc = s.dup();
            INDArray vcd = VectorKernels.softmaxDropout(vc, true, FloatKernels.keepThreshold(0.2), 1.25f, 78L);
            assertTrue(maxAbsDiff(vc, c) < 1e-6, "causal probabilities " + at + " " + maxAbsDiff(vc, c));
            assertTrue(maxAbsDiff(vcd, cd) < 2e-6, "causal dropped probabilities " + at);
            assertEquals(c.eq(0), vc.eq(0), "the same keys get no weight " + at);

            // backward: g <- D g - P rowsum(D g)
            INDArray g = Nd4j.randn(DataType.FLOAT, shape);
            INDArray dg = g.mul(pd);
            INDArray ref = dg.sub(p.mul(dg.sum(true, 3)));
            INDArray vg = g.dup();
            VectorKernels.softmaxBackward(vg, p, pd);
            assertTrue(maxAbsDiff(vg, ref) < 2e-6, "softmax backward " + at + " " + maxAbsDiff(vg, ref));
        }
    }
}
