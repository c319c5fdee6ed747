package dev.sparkpretrain.model.bench;

import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertBatch;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.gpt.GptBatch;
import dev.sparkpretrain.model.gpt.GptModel;
import dev.sparkpretrain.model.t5.T5Batch;
import dev.sparkpretrain.model.t5.T5Model;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.train.OptimizerStep;
import dev.sparkpretrain.model.train.ReplicaPool;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput (forward + backward + Adam step, FP32) of the tiny and mini configurations of issue 5, in
 * tokens/s and model GFLOP/s counted as the PyTorch reference counts them, plus ND4J's FP32 matrix-product
 * rate measured in the same JVM.
 *
 * <pre>
 * mvn -q -o -pl model test-compile
 * java -cp "$(cat cp.txt):model/target/classes:model/target/test-classes" \
 *     dev.sparkpretrain.model.bench.ThroughputBenchmark [tiny|mini|base] [mlm|causal|t5] [steps] [batch] [warmup]
 * </pre>
 *
 * <p>{@code mlm} is BERT (masked LM on 15% of the positions + next sentence), {@code causal} GPT-2, {@code t5} T5 v1.0
 * span corruption: as many encoder and decoder layers as the configuration has layers, {@code seq} input tokens and
 * {@link #T5_TARGETS} target tokens (15% noise in spans of 3 gives ~26 targets and sentinels per 128 inputs), relative
 * position bias, ReLU, tied head. T5's tokens/s counts input and target tokens, and its FLOPs follow the issue's
 * count layer by layer ({@link #t5FlopsPerStep}).
 *
 * <p>Step modes (printed as {@code mode:}): by default {@code graph.fit} on the whole batch. {@code -Dbench.replicas=1}
 * runs the batch through {@link OptimizerStep} (one micro-batch, sequential, gradient norm clipped at 1.0 as the
 * trainer does); {@code -Dbench.replicas=N} (N > 1) splits it into N micro-batches of batch/N, normalized by the whole
 * step's totals as the trainer's objectives do, run concurrently on a {@link ReplicaPool} of N replicas.
 * {@code -Dbench.microBatches=K} changes the number of micro-batches (default: the replica count);
 * {@code -Dbench.nativeThreads=keep} leaves libnd4j/OpenBLAS threading as the JVM started (default with N > 1: one
 * native thread per replica, see {@link ReplicaPool.NativeThreads}). {@code -Dbench.dropout=P} sets the hidden,
 * embedding and attention dropout (default 0.1, as the models train), e.g. 0 to compare with a reference run without
 * dropout ({@code bin/bench-pytorch} takes the same property).
 */
public final class ThroughputBenchmark {
    private ThroughputBenchmark() {}

    record Shape(int layers, int hidden, int heads, int ff, int seq, int vocab, int batch) {}

    static Shape shape(String name, int batch) {
        return switch (name) {
            case "tiny" -> new Shape(2, 128, 4, 512, 128, 8000, batch);
            case "mini" -> new Shape(4, 256, 4, 1024, 128, 30522, batch);
            // BERT-base / GPT-2-small widths, for the memory figure (issue 5: bert-base at sequence 512, batch 8)
            case "base" -> new Shape(12, 768, 12, 3072, 512, 30522, batch);
            default -> throw new IllegalArgumentException("config must be tiny, mini or base, got " + name);
        };
    }

    public static void main(String[] args) {
        String config = args.length > 0 ? args[0] : "tiny";
        String objective = args.length > 1 ? args[1] : "mlm";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int warmupSteps = args.length > 4 ? Integer.parseInt(args[4]) : -1;
        Shape s = shape(config, batch);
        String master = System.getProperty("bench.masterThreads");
        if (master != null) {
            Nd4j.getEnvironment().setMaxMasterThreads(Integer.parseInt(master));
        }
        System.out.printf(Locale.ROOT, "libnd4j: maxThreads=%d maxMasterThreads=%d%n", Nd4j.getEnvironment().maxThreads(),
                Nd4j.getEnvironment().maxMasterThreads());
        System.out.printf(Locale.ROOT, "threads: OMP_NUM_THREADS=%s, cores=%d; OMP_WAIT_POLICY=%s, OPENBLAS_CORETYPE=%s%n",
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_WAIT_POLICY"), System.getenv("OPENBLAS_CORETYPE"));
        System.out.printf(Locale.ROOT, "ND4J FP32 matmul: 1024^2 %s, 2048^2 %s%n", matmulRate(1024),
                matmulRate(2048));
        Random rng = new Random(42);
        ComputationGraph graph;
        MultiDataSet data;
        List<MultiDataSet> micro = new ArrayList<>();
        int replicas = Integer.getInteger("bench.replicas", 0);
        int microBatches = Integer.getInteger("bench.microBatches", Math.max(1, replicas));
        if (s.batch % microBatches != 0) {
            throw new IllegalArgumentException("batch " + s.batch + " is not a multiple of " + microBatches
                    + " micro-batches");
        }
        int per = s.batch / microBatches;
        // hidden and attention dropout (0.1 as the models train); -Dbench.dropout=0 compares with a reference run
        // without dropout (bin/bench-pytorch has the same switch)
        double dropout = Double.parseDouble(System.getProperty("bench.dropout", "0.1"));
        double flops;
        if (objective.equals("mlm")) {
            TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, s.vocab, s.hidden, s.layers,
                    s.heads, s.ff, s.seq, 2, dropout, dropout, 1e-12, 0.02, s.hidden / s.heads, 0, 0, 0, Activation.GELU, true);
            graph = BertModel.build(c, OptimizerConfig.bertDefaults(10, 10_000), 1);
            int predictions = (int) Math.round(0.15 * s.seq);
            BertBatch b = mlmBatch(rng, s, predictions);
            data = BertModel.toMultiDataSet(b);
            // Every example has the same number of predictions, so the step's weight (examples / predictions of the
            // whole step, as BertTrainingObjective computes it) is 1/predictions for every micro-batch too.
            double weight = (double) s.batch / ((long) s.batch * predictions);
            for (int k = 0; k < microBatches; k++) {
                micro.add(BertModel.toMultiDataSet(rows(b, k * per, per), weight));
            }
            long rows = (long) s.batch * predictions;
            flops = flopsPerStep(s, rows, true);
        } else if (objective.equals("t5")) {
            TransformerConfig c = new TransformerConfig(TransformerConfig.Family.T5, s.vocab, s.hidden, s.layers,
                    s.heads, s.ff, s.seq, 0, dropout, dropout, 1e-6, 1.0, s.hidden / s.heads, s.layers, 32, 128,
                    Activation.RELU, true);
            graph = T5Model.build(c, OptimizerConfig.bertDefaults(10, 10_000), 1);
            T5Batch b = t5Batch(rng, s);
            data = T5Model.toMultiDataSet(b);
            // Every target is real: the step's weight (examples / real targets of the whole step, as
            // T5TrainingObjective computes it) is 1 / T5_TARGETS for every micro-batch too.
            for (int k = 0; k < microBatches; k++) {
                int from = k * per;
                micro.add(T5Model.toMultiDataSet(new T5Batch(Arrays.copyOfRange(b.inputIds(), from, from + per),
                        Arrays.copyOfRange(b.inputMask(), from, from + per),
                        Arrays.copyOfRange(b.targetIds(), from, from + per),
                        Arrays.copyOfRange(b.targetMask(), from, from + per)), 1.0 / T5_TARGETS));
            }
            flops = t5FlopsPerStep(s);
        } else if (objective.equals("causal")) {
            TransformerConfig c = new TransformerConfig(TransformerConfig.Family.GPT, s.vocab, s.hidden, s.layers,
                    s.heads, s.ff, s.seq, 0, dropout, dropout, 1e-5, 0.02, s.hidden / s.heads, 0, 0, 0, Activation.GELU_TANH,
                    true);
            graph = GptModel.build(c, OptimizerConfig.bertDefaults(10, 10_000), 1);
            int[][] w = new int[s.batch][s.seq + 1];
            for (int[] row : w) for (int j = 0; j < row.length; j++) row[j] = rng.nextInt(s.vocab);
            data = GptModel.toMultiDataSet(new GptBatch(w));
            // Equal windows: the per-example loss sums of the micro-batches add up to the batch's (GptTrainingObjective).
            for (int k = 0; k < microBatches; k++) {
                micro.add(GptModel.toMultiDataSet(new GptBatch(Arrays.copyOfRange(w, k * per, k * per + per))));
            }
            flops = flopsPerStep(s, (long) s.batch * s.seq, false);
        } else {
            throw new IllegalArgumentException("objective must be mlm, causal or t5, got " + objective);
        }
        System.out.printf(Locale.ROOT, "%s %s: %d parameters, batch %d x seq %d%s, dropout %s, %.2f GFLOP per step%n",
                config, objective, graph.numParams(), s.batch, s.seq,
                objective.equals("t5") ? " + " + T5_TARGETS + " targets" : "", dropout, flops / 1e9);
        OptimizerStep optimizer = new OptimizerStep(1.0);
        ReplicaPool pool = replicas > 1 ? ReplicaPool.of(graph, replicas,
                "keep".equals(System.getProperty("bench.nativeThreads")) ? ReplicaPool.NativeThreads.KEEP
                        : ReplicaPool.NativeThreads.ONE_PER_REPLICA) : null;
        Runnable step;
        if (replicas == 0) {
            System.out.println("mode: graph.fit, 1 batch of " + s.batch);
            step = () -> graph.fit(data);
        } else if (pool == null) {
            System.out.printf(Locale.ROOT, "mode: OptimizerStep, sequential, %d micro-batch(es) of %d%n", microBatches,
                    per);
            step = () -> optimizer.step(graph, micro, 0);
        } else {
            System.out.printf(Locale.ROOT, "mode: OptimizerStep over ReplicaPool of %d (native threads %s), "
                    + "%d micro-batches of %d; libnd4j now maxThreads=%d maxMasterThreads=%d%n", replicas,
                    pool.nativeThreads(), microBatches, per, Nd4j.getEnvironment().maxThreads(),
                    Nd4j.getEnvironment().maxMasterThreads());
            step = () -> optimizer.step(pool, micro, 0, 1.0);
        }
        int warmup = warmupSteps >= 0 ? warmupSteps : Math.max(3, steps / 5);
        for (int i = 0; i < warmup; i++) step.run();
        List<Double> times = new ArrayList<>();
        long cpu0 = processCpuNanos();
        long wall0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        if (pool != null) {
            pool.close();
        }
        double cpuPerStep = (processCpuNanos() - cpu0) / 1e9 / steps;
        double wallPerStep = (System.nanoTime() - wall0) / 1e9 / steps;
        Collections.sort(times);
        double median = times.get(times.size() / 2);
        double tokens = (double) s.batch * (s.seq + (objective.equals("t5") ? T5_TARGETS : 0));
        System.out.printf(Locale.ROOT, "step median %.1f ms (min %.1f, max %.1f): %.0f tokens/s, %.1f model GFLOP/s%n",
                median * 1e3, times.get(0) * 1e3, times.get(times.size() - 1) * 1e3, tokens / median,
                flops / median / 1e9);
        // On a shared machine wall time depends on the neighbours; CPU time per step much less so.
        System.out.printf(Locale.ROOT, "CPU %.2f s per step (%.2f cores busy): %.0f tokens per CPU-second, "
                        + "%.1f model GFLOP per CPU-second%n", cpuPerStep, cpuPerStep / wallPerStep,
                tokens / cpuPerStep, flops / cpuPerStep / 1e9);
        System.out.printf(Locale.ROOT, "JavaCPP physical memory %.0f MiB (peak RSS %.0f MiB)%n",
                org.bytedeco.javacpp.Pointer.physicalBytes() / 1048576.0, peakRssMiB());
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** VmHWM of this process from /proc (Linux), or -1. */
    static double peakRssMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The count: 6 L N_layer B T + 6 N_head rows + 12 L T H B T. */
    static double flopsPerStep(Shape s, long rows, boolean mlm) {
        double h = s.hidden;
        double f = s.ff;
        double v = s.vocab;
        double nLayer = 4 * h * h + 4 * h + 2 * h * f + f + h + 4 * h;
        double nHead = mlm ? h * h + 3 * h + v * h + v : v * h + v;
        double bt = (double) s.batch * s.seq;
        return 6 * s.layers * nLayer * bt + 6 * nHead * rows + 12.0 * s.layers * s.seq * h * bt;
    }

    /** T5's target length per example at every configuration. */
    static final int T5_TARGETS = 32;

    /**
     * The count for T5, per part: {@code 6 N B T} for the encoder layers over the inputs
     * ({@code N = 4H^2 + 2HF + 2H}: no biases, two RMS norms) and the decoder layers over the targets
     * ({@code 8H^2 + 2HF + 3H}: self- and cross-attention, three norms), {@code 6 V H} per target for the tied head, and
     * {@code 12 H} per (query, key) pair per layer for the attention products: encoder self {@code T_in^2}, decoder self
     * {@code T_out^2} and cross {@code T_out T_in} per example.
     */
    static double t5FlopsPerStep(Shape s) {
        double h = s.hidden;
        double f = s.ff;
        double b = s.batch;
        double in = s.seq;
        double out = T5_TARGETS;
        double encoder = 4 * h * h + 2 * h * f + 2 * h;
        double decoder = 8 * h * h + 2 * h * f + 3 * h;
        double pairs = in * in + out * out + out * in;
        return 6 * s.layers * (encoder * b * in + decoder * b * out) + 6 * s.vocab * h * b * out
                + 12.0 * s.layers * h * b * pairs;
    }

    /** Random inputs and targets over ids 5.. (no padding), T5_TARGETS targets per example. */
    static T5Batch t5Batch(Random rng, Shape s) {
        int[][] in = new int[s.batch][s.seq];
        int[][] inMask = new int[s.batch][s.seq];
        int[][] out = new int[s.batch][T5_TARGETS];
        int[][] outMask = new int[s.batch][T5_TARGETS];
        for (int i = 0; i < s.batch; i++) {
            for (int j = 0; j < s.seq; j++) {
                in[i][j] = 5 + rng.nextInt(s.vocab - 5);
                inMask[i][j] = 1;
            }
            for (int j = 0; j < T5_TARGETS; j++) {
                out[i][j] = 5 + rng.nextInt(s.vocab - 5);
                outMask[i][j] = 1;
            }
        }
        return new T5Batch(in, inMask, out, outMask);
    }

    static BertBatch mlmBatch(Random rng, Shape s, int p) {
        int[][] ids = new int[s.batch][s.seq];
        int[][] seg = new int[s.batch][s.seq];
        int[][] mask = new int[s.batch][s.seq];
        int[][] pos = new int[s.batch][p];
        int[][] lm = new int[s.batch][p];
        float[][] w = new float[s.batch][p];
        int[] nsp = new int[s.batch];
        for (int i = 0; i < s.batch; i++) {
            for (int j = 0; j < s.seq; j++) {
                ids[i][j] = 5 + rng.nextInt(s.vocab - 5);
                seg[i][j] = j >= s.seq / 2 ? 1 : 0;
                mask[i][j] = 1;
            }
            List<Integer> cand = new ArrayList<>();
            for (int j = 1; j < s.seq; j++) cand.add(j);
            Collections.shuffle(cand, rng);
            for (int k = 0; k < p; k++) {
                pos[i][k] = cand.get(k);
                lm[i][k] = ids[i][cand.get(k)];
                w[i][k] = 1f;
            }
            nsp[i] = rng.nextInt(2);
        }
        return new BertBatch(ids, seg, mask, pos, lm, w, nsp);
    }

    /** Rows [from, from + n) of {@code b}. */
    static BertBatch rows(BertBatch b, int from, int n) {
        int to = from + n;
        return new BertBatch(Arrays.copyOfRange(b.inputIds(), from, to), Arrays.copyOfRange(b.segmentIds(), from, to),
                Arrays.copyOfRange(b.inputMask(), from, to), Arrays.copyOfRange(b.maskedLmPositions(), from, to),
                Arrays.copyOfRange(b.maskedLmIds(), from, to), Arrays.copyOfRange(b.maskedLmWeights(), from, to),
                Arrays.copyOfRange(b.nextSentenceLabels(), from, to));
    }

    /** Median GFLOP/s of an n x n x n FP32 product (wall time), and GFLOP per CPU-second over all runs. */
    static String matmulRate(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        for (int i = 0; i < 2; i++) Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        double[] t = new double[7];
        long cpu0 = processCpuNanos();
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        Arrays.sort(t);
        double flop = 2.0 * n * n * n;
        return String.format(Locale.ROOT, "%.1f GFLOP/s (%.1f per CPU-second)", flop / t[t.length / 2] / 1e9,
                flop * t.length / cpu / 1e9);
    }
}
