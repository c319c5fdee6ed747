package dev.sparkpretrain.model.bench;

import dev.sparkpretrain.model.ops.Softmax;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CPU time of one LM-head chunk's softmax and argmax, in place on {@code [ROWS, VOCAB]} logits: ND4J's ops (the bias
 * add with {@code bias}, {@link Softmax#rows}, {@code argMax(1)}) against {@link Softmax#rowsWithArgMax}'s kernel,
 * interleaved; prints the median and minimum thread CPU milliseconds.
 *
 * <p>Run: {@code OMP_NUM_THREADS=1 java --add-modules=jdk.incubator.vector -cp ...
 * dev.sparkpretrain.model.bench.SoftmaxArgMaxBenchmark VOCAB ROWS REPS [bias]}, e.g. {@code 8000 512 40}.
 */
public final class SoftmaxArgMaxBenchmark {
    private SoftmaxArgMaxBenchmark() {}

    public static void main(String[] args) {
        int vocab = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        boolean withBias = args.length > 3 && args[3].equals("bias");
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Nd4j.getRandom().setSeed(1);
        INDArray logits = Nd4j.randn(DataType.FLOAT, rows, vocab).muli(5);
        INDArray bias = withBias ? Nd4j.randn(DataType.FLOAT, 1, vocab) : null;
        INDArray z = Nd4j.createUninitialized(DataType.FLOAT, rows, vocab);
        long[][] ns = new long[2][reps];
        long checksum = 0;
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < 2; k++) {
                z.assign(logits);
                long t0 = mx.getCurrentThreadCpuTime();
                int[] argMax;
                if (k == 0) {
                    if (bias != null) {
                        Nd4j.getExecutioner().exec(new BroadcastAddOp(z, bias, z, 1));
                    }
                    Softmax.rows(z, z);
                    argMax = z.argMax(1).toIntVector();
                } else {
                    argMax = Softmax.rowsWithArgMax(z, bias, z);
                }
                ns[k][rep] = mx.getCurrentThreadCpuTime() - t0;
                checksum += argMax[rep % rows];
            }
        }
        String[] names = {"nd4j", "kernel"};
        for (int k = 0; k < 2; k++) {
            long[] t = Arrays.copyOfRange(ns[k], reps / 4, reps);
            Arrays.sort(t);
            System.out.printf(Locale.ROOT, "%-6s [%d, %d]%s: median %.2f ms, min %.2f ms (CPU, %d timed reps)%n",
                    names[k], rows, vocab, withBias ? " + bias" : "", t[t.length / 2] / 1e6, t[0] / 1e6, t.length);
        }
        System.out.println("checksum " + checksum);
    }
}
