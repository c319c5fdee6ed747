package dev.sparkpretrain.model.bench;

import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Dropout;
import dev.sparkpretrain.model.ops.Norm;
import dev.sparkpretrain.model.ops.Residual;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The element-wise work around a block's output projections (BERT's post-norm, GPT's and T5's pre-norm), fused ({@link Residual} and
 * {@link Dense#backwardAdding}) against the unfused steps they replaced, alternated call by call in one JVM and timed
 * in CPU time of the calling thread: on a shared machine the A/B difference of a few percent of a training step is
 * below the noise of separate whole-model runs. Each call runs in a workspace, as the layers do in training (fresh
 * arrays outside one cost page faults that would swamp the passes). Shapes of one tiny-MLM replica (N = 16 x 128
 * rows, H 128) unless given.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules=jdk.incubator.vector -cp ... \
 *     dev.sparkpretrain.model.bench.SublayerPassesBenchmark [rows] [hidden] [iterations]
 * </pre>
 */
public final class SublayerPassesBenchmark {
    private SublayerPassesBenchmark() {}

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyLearning(LearningPolicy.FIRST_LOOP).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.5).build();

    /** Runs {@code v} in a workspace scope, as DL4J runs a layer's forward or backward in training. */
    private static void inWorkspace(Variant v) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "bench")) {
            v.run();
        }
    }

    /** One variant of a step; returns something to keep the work alive. */
    private interface Variant {
        Object run();
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int h = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Nd4j.getRandom().setSeed(1);
        INDArray ctx = Nd4j.randn(DataType.FLOAT, n, h);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, h);
        INDArray wo = Nd4j.randn(DataType.FLOAT, h, h).muli(0.05);
        INDArray bo = Nd4j.randn(DataType.FLOAT, h);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, h).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, h);
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, h);
        INDArray dWo = Nd4j.zeros(DataType.FLOAT, h, h);
        INDArray dBo = Nd4j.zeros(DataType.FLOAT, h);
        INDArray dG = Nd4j.zeros(DataType.FLOAT, h);
        INDArray dB = Nd4j.zeros(DataType.FLOAT, h);
        double p = 0.1;
        Residual.PostNorm post = new Residual.PostNorm(Norm.LAYER, gamma, beta, 1e-12, dG, dB);
        Residual.State[] state = new Residual.State[1];
        Residual.forward(Nd4j.gemm(ctx, wo, false, false), bo, x, p, true, post, state);
        Norm.State normState = state[0].norm();
        INDArray mask = state[0].mask();

        System.out.printf(Locale.ROOT, "rows %d, hidden %d, %d iterations each, CPU ms per call "
                + "(median, quartiles); load %s%n", n, h, iterations, loadAverage());
        compare("output projection + bias + dropout + residual + layer norm (forward)", iterations,
                () -> {
                    INDArray out = Nd4j.gemm(ctx, wo, false, false).addiRowVector(bo);
                    INDArray[] d = Dropout.residual(out, x, p, true);
                    return Norm.LAYER.forward(d[0], gamma, beta, 1e-12, new Norm.State[1]);
                },
                () -> Residual.forward(Nd4j.gemm(ctx, wo, false, false), bo, x, p, true, post,
                        new Residual.State[1]));
        compare("layer norm + dropout + output projection backward, dx + dSum", iterations,
                () -> {
                    INDArray dSum = Norm.LAYER.backward(dy, normState, gamma, dG, dB);
                    INDArray dOut = dSum.mul(mask);
                    INDArray dIn = Dense.backward(ctx, dOut, wo, dWo, null, true);
                    Dense.columnSums(dOut, dBo);
                    return dIn.addi(dSum);
                },
                () -> {
                    INDArray[] d = Residual.backward(dy, new Residual.State(mask, normState), post, dBo);
                    return Dense.backwardAdding(ctx, d[1], wo, dWo, null, d[0]);
                });
        compare("pre-norm: output projection + bias + dropout + residual (forward)", iterations,
                () -> {
                    INDArray out = Nd4j.gemm(ctx, wo, false, false).addiRowVector(bo);
                    return Dropout.residual(out, x, p, true)[0];
                },
                () -> Residual.forward(Nd4j.gemm(ctx, wo, false, false), bo, x, p, true, null,
                        new Residual.State[1]));
        compare("pre-norm: dropout + output projection backward with bo's sums", iterations,
                () -> {
                    INDArray dOut = dy.mul(mask);
                    Dense.columnSums(dOut, dBo);
                    return Dense.backward(ctx, dOut, wo, dWo, null, true);
                },
                () -> {
                    INDArray[] d = Residual.backward(dy, new Residual.State(mask, null), null, dBo);
                    return Dense.backward(ctx, d[1], wo, dWo, null, true);
                });
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Times the two variants alternately (after as many warm-up calls) and prints both and their ratio. */
    private static void compare(String name, int iterations, Variant before, Variant after) {
        long[][] t = new long[2][iterations];
        Variant[] v = {before, after};
        for (int i = 0; i < iterations; i++) {
            inWorkspace(v[i % 2]);
            inWorkspace(v[(i + 1) % 2]);
        }
        for (int i = 0; i < iterations; i++) {
            for (int k = 0; k < 2; k++) {
                int which = (i + k) % 2;
                long c0 = CPU.getCurrentThreadCpuTime();
                inWorkspace(v[which]);
                t[which][i] = CPU.getCurrentThreadCpuTime() - c0;
            }
        }
        double[] med = new double[2];
        StringBuilder line = new StringBuilder();
        for (int k = 0; k < 2; k++) {
            long[] s = t[k].clone();
            Arrays.sort(s);
            med[k] = s[iterations / 2] / 1e6;
            line.append(String.format(Locale.ROOT, "  %s %.3f (%.3f-%.3f)", k == 0 ? "unfused" : "fused", med[k],
                    s[iterations / 4] / 1e6, s[3 * iterations / 4] / 1e6));
        }
        System.out.printf(Locale.ROOT, "%s:%n%s  -> %.3f ms saved (%.0f%%)%n", name, line, med[0] - med[1],
                100 * (med[0] - med[1]) / med[0]);
    }
}
