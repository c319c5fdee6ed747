package dev.sparkpretrain.model.ops;

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
 * One causal attention layer's forward and backward ({@link Attention}, fused FLOAT path) with whole blocks against
 * row tiles of several sizes ({@link FusedAttention#triangle}, {@link FusedAttention#scoreTileRows},
 * {@link FusedAttention#tileRows}), alternated call by call on one thread and timed in the thread's CPU time, each
 * call in a workspace as in training. Prints the minimum and median per variant.
 *
 * <pre>
 * OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=SKYLAKEX java --add-modules=jdk.incubator.vector -cp ... \
 *     dev.sparkpretrain.model.ops.CausalAttentionBenchmark batch heads T d [iterations=200] [dropout=0]
 * </pre>
 * Tiny GPT's replica shape is {@code 16 4 128 32}, mini's {@code 16 4 128 64}.
 */
public final class CausalAttentionBenchmark {
    private CausalAttentionBenchmark() {}

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyLearning(LearningPolicy.FIRST_LOOP).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.5).build();

    /** {score tile rows, tile rows}; {0, 0}: whole blocks. */
    private static final int[][] VARIANTS = {{0, 0}, {128, 32}, {128, 16}, {64, 32}, {64, 16}, {32, 32}, {64, 64}};

    public static void main(String[] args) {
        int b = Integer.parseInt(args[0]);
        int h = Integer.parseInt(args[1]);
        int t = Integer.parseInt(args[2]);
        int d = Integer.parseInt(args[3]);
        int iterations = args.length > 4 ? Integer.parseInt(args[4]) : 200;
        double dropout = args.length > 5 ? Double.parseDouble(args[5]) : 0.0;
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.getRandom().setSeed(1);
        INDArray q = Nd4j.randn(DataType.FLOAT, b, h, t, d);
        INDArray k = Nd4j.randn(DataType.FLOAT, b, h, t, d);
        INDArray v = Nd4j.randn(DataType.FLOAT, b, h, t, d);
        INDArray dCtx = Nd4j.randn(DataType.FLOAT, b, h, t, d);
        INDArray ctx = Nd4j.create(DataType.FLOAT, b, h, t, d);
        INDArray dq = Nd4j.create(DataType.FLOAT, b, h, t, d);
        INDArray dk = Nd4j.create(DataType.FLOAT, b, h, t, d);
        INDArray dv = Nd4j.create(DataType.FLOAT, b, h, t, d);
        long[][] ns = new long[VARIANTS.length][iterations];
        boolean triangle = FusedAttention.triangle;
        int scoreTileRows = FusedAttention.scoreTileRows;
        int tileRows = FusedAttention.tileRows;
        try {
            for (int it = -20; it < iterations; it++) {
                for (int i = 0; i < VARIANTS.length; i++) {
                    // a rotating order, so that no variant always follows the same one
                    int x = (i + Math.max(it, 0)) % VARIANTS.length;
                    FusedAttention.triangle = VARIANTS[x][0] > 0;
                    FusedAttention.scoreTileRows = VARIANTS[x][0] > 0 ? VARIANTS[x][0] : scoreTileRows;
                    FusedAttention.tileRows = VARIANTS[x][1] > 0 ? VARIANTS[x][1] : tileRows;
                    long t0 = CPU.getCurrentThreadCpuTime();
                    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "bench")) {
                        Attention.State[] st = new Attention.State[1];
                        Attention.forward(q, k, v, ctx, 1 / Math.sqrt(d), null, null, true, dropout, true, st);
                        Attention.backward(dCtx, st[0], dq, dk, dv, false);
                    }
                    if (it >= 0) {
                        ns[x][it] = CPU.getCurrentThreadCpuTime() - t0;
                    }
                }
            }
        } finally {
            FusedAttention.triangle = triangle;
            FusedAttention.scoreTileRows = scoreTileRows;
            FusedAttention.tileRows = tileRows;
        }
        for (int x = 0; x < VARIANTS.length; x++) {
            long[] sorted = ns[x].clone();
            Arrays.sort(sorted);
            String name = VARIANTS[x][0] == 0 ? "whole blocks" : "tiles " + VARIANTS[x][0] + "/" + VARIANTS[x][1];
            System.out.printf(Locale.ROOT, "[%d,%d,%d,%d] dropout %s %-13s min %.3f ms, median %.3f ms%n", b, h, t, d,
                    dropout, name, sorted[0] / 1e6, sorted[sorted.length / 2] / 1e6);
        }
    }
}
