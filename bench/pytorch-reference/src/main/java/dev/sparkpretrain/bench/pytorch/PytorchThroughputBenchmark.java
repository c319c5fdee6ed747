package dev.sparkpretrain.bench.pytorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The PyTorch reference of issue 5: the tiny/mini BERT-MLM and GPT-causal training steps of model/'s
 * ThroughputBenchmark (same shapes, batch construction and FLOP count, forward + backward + AdamW with global
 * gradient-norm clipping at 1.0, FP32) on libtorch 2.7.1 through DJL, printed in the same format.
 *
 * <pre>
 * bin/bench-pytorch [tiny|mini] [mlm|causal] [steps] [batch] [warmup]
 * </pre>
 *
 * <p>Threads: {@code -Dai.djl.pytorch.num_threads} (2) and {@code -Dai.djl.pytorch.num_interop_threads} (1), set by
 * the launcher. Each step runs in its own NDManager, closed at the end, so libtorch's CPU allocator gets every
 * intermediate back and memory stays flat. {@code -Dbench.dropout=RATE} (0.1) changes every dropout's rate; 0 leaves
 * them out, which bounds libtorch's serial CPU random-number generation (most of the forward pass at tiny).
 * {@code -Dbench.geluTanh=composed} builds GPT's tanh GELU from elementwise
 * ops instead of using libtorch's one-kernel exact GELU as a stand-in.
 */
public final class PytorchThroughputBenchmark {
    private PytorchThroughputBenchmark() {}

    // OptimizerConfig.bertDefaults(10, 10_000): peak 1e-4, betas 0.9/0.999, eps 1e-6, weight decay 0.01, linear
    // warm-up over 10 steps then linear decay to step 10,000.
    private static final double PEAK_LR = 1e-4;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPS = 1e-6;
    private static final double WEIGHT_DECAY = 0.01;
    private static final int WARMUP = 10;
    private static final int TOTAL = 10_000;
    private static final double CLIP_NORM = 1.0;

    record Shape7(TorchTransformer.Shape5 model, int batch) {}

    static Shape7 shape(String name, int batch) {
        return switch (name) {
            case "tiny" -> new Shape7(new TorchTransformer.Shape5(2, 128, 4, 512, 128, 8000), batch);
            case "mini" -> new Shape7(new TorchTransformer.Shape5(4, 256, 4, 1024, 128, 30522), batch);
            case "base" -> new Shape7(new TorchTransformer.Shape5(12, 768, 12, 3072, 512, 30522), batch);
            default -> throw new IllegalArgumentException("config must be tiny, mini or base, got " + name);
        };
    }

    public static void main(String[] args) {
        String config = args.length > 0 ? args[0] : "tiny";
        String objective = args.length > 1 ? args[1] : "mlm";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        int warmupSteps = args.length > 4 ? Integer.parseInt(args[4]) : -1;
        if (!objective.equals("mlm") && !objective.equals("causal")) {
            throw new IllegalArgumentException("objective must be mlm or causal, got " + objective);
        }
        Shape7 s = shape(config, batch);
        TorchTransformer.Shape5 m = s.model();
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed(42);
        System.out.printf(Locale.ROOT, "libtorch %s via DJL %s: intra-op threads %d, inter-op threads %d, cores=%d%n",
                engine.getVersion(), Engine.getDjlVersion(), JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(), Runtime.getRuntime().availableProcessors());
        try (NDManager base = NDManager.newBaseManager("PyTorch")) {
            System.out.printf(Locale.ROOT, "libtorch FP32 matmul: 1024^2 %s, 2048^2 %s%n", matmulRate(base, 1024),
                    matmulRate(base, 2048));
            Random rng = new Random(42);
            boolean mlm = objective.equals("mlm");
            float dropout = Float.parseFloat(System.getProperty("bench.dropout", "0.1"));
            TorchTransformer model = new TorchTransformer(base, mlm ? TorchTransformer.Family.BERT
                    : TorchTransformer.Family.GPT, m, dropout,
                    "composed".equals(System.getProperty("bench.geluTanh")));
            double flops;
            StepInput input;
            if (mlm) {
                int predictions = (int) Math.round(0.15 * m.seq());
                input = mlmBatch(rng, s, predictions);
                flops = flopsPerStep(s, (long) s.batch() * predictions, true);
            } else {
                input = causalBatch(rng, s);
                flops = flopsPerStep(s, (long) s.batch() * m.seq(), false);
            }
            System.out.printf(Locale.ROOT, "%s %s: %d parameters, batch %d x seq %d, %.2f GFLOP per step%n", config,
                    objective, model.numParams(), s.batch(), m.seq(), flops / 1e9);
            System.out.printf(Locale.ROOT, "mode: DJL GradientCollector + AdamW, clip 1.0, 1 batch of %d, dropout %s, "
                    + "GPT GELU %s%n", s.batch(), dropout, "composed".equals(System.getProperty("bench.geluTanh"))
                    ? "tanh (composed)" : "exact kernel");
            Trainer trainer = new Trainer(base, model, input);
            int warmup = warmupSteps >= 0 ? warmupSteps : Math.max(3, steps / 5);
            for (int i = 0; i < warmup; i++) trainer.step();
            List<Double> times = new ArrayList<>();
            long cpu0 = processCpuNanos();
            long wall0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                trainer.step();
                times.add((System.nanoTime() - t0) / 1e9);
            }
            double cpuPerStep = (processCpuNanos() - cpu0) / 1e9 / steps;
            double wallPerStep = (System.nanoTime() - wall0) / 1e9 / steps;
            Collections.sort(times);
            double median = times.get(times.size() / 2);
            double tokens = (double) s.batch() * m.seq();
            System.out.printf(Locale.ROOT, "loss: first step %.4f, last step %.4f (%d steps on one repeated batch)%n",
                    trainer.firstLoss, trainer.lastLoss, trainer.iteration);
            System.out.printf(Locale.ROOT, "phases over all %d steps: forward %.1f ms, backward %.1f ms, clip + "
                    + "AdamW %.1f ms per step%n", trainer.iteration, trainer.tForward / 1e6 / trainer.iteration,
                    trainer.tBackward / 1e6 / trainer.iteration, trainer.tUpdate / 1e6 / trainer.iteration);
            System.out.printf(Locale.ROOT, "step median %.1f ms (min %.1f, max %.1f): %.0f tokens/s, %.1f model "
                    + "GFLOP/s%n", median * 1e3, times.get(0) * 1e3, times.get(times.size() - 1) * 1e3,
                    tokens / median, flops / median / 1e9);
            System.out.printf(Locale.ROOT, "CPU %.2f s per step (%.2f cores busy): %.0f tokens per CPU-second, "
                            + "%.1f model GFLOP per CPU-second%n", cpuPerStep, cpuPerStep / wallPerStep,
                    tokens / cpuPerStep, flops / cpuPerStep / 1e9);
            // Parameters + 2 Adam moments per parameter + the causal mask: more would mean a step leaks arrays.
            System.out.printf(Locale.ROOT, "peak RSS %.0f MiB, RSS now %.0f MiB; %d arrays held outside the steps "
                    + "(%d parameters)%n", procStatusMiB("VmHWM:"), procStatusMiB("VmRSS:"),
                    base.getManagedArrays().size(), model.params().size());
        }
    }

    /** One repeated batch as host arrays; copied into each step's manager as a training loop copies its batch. */
    record StepInput(long[][] ids, long[][] types, float[][] inputMask, long[] flatPositions, long[] labels,
            long[] nsp, long[] targets) {}

    /** Forward, backward, global-norm clip, AdamW; AdamW state lives in the base manager. */
    static final class Trainer {
        private final NDManager base;
        private final TorchTransformer model;
        private final StepInput in;
        private final List<NDArray> mean = new ArrayList<>();
        private final List<NDArray> var = new ArrayList<>();
        int iteration;
        long tForward;
        long tBackward;
        long tUpdate;
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;

        Trainer(NDManager base, TorchTransformer model, StepInput in) {
            this.base = base;
            this.model = model;
            this.in = in;
            for (TorchTransformer.Param p : model.params()) {
                mean.add(base.zeros(p.value().getShape(), DataType.FLOAT32));
                var.add(base.zeros(p.value().getShape(), DataType.FLOAT32));
            }
        }

        void step() {
            try (NDManager step = base.newSubManager()) {
                long t0 = System.nanoTime();
                NDArray loss;
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    if (in.targets() == null) {
                        loss = model.bertLoss(step.create(in.ids()), step.create(in.types()),
                                step.create(in.inputMask()), step.create(in.flatPositions()),
                                step.create(in.labels()).reshape(-1, 1), step.create(in.nsp()).reshape(-1, 1));
                    } else {
                        loss = model.gptLoss(step.create(in.ids()), step.create(in.targets()).reshape(-1, 1));
                    }
                    loss.getFloat();
                    tForward += System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    collector.backward(loss);
                    tBackward += System.nanoTime() - t0;
                }
                double value = loss.getFloat();
                t0 = System.nanoTime();
                if (iteration == 0) firstLoss = value;
                lastLoss = value;
                update(step);
                tUpdate += System.nanoTime() - t0;
            }
            iteration++;
        }

        /** clip_grad_norm_(1.0) then torch.optim.AdamW's update, then zero the gradients. */
        private void update(NDManager step) {
            List<TorchTransformer.Param> params = model.params();
            NDArray[] grads = new NDArray[params.size()];
            NDArray sumSq = null;
            for (int i = 0; i < grads.length; i++) {
                grads[i] = params.get(i).value().getGradient();
                grads[i].attach(step);
                NDArray sq = grads[i].square().sum();
                sumSq = sumSq == null ? sq : sumSq.add(sq);
            }
            double norm = Math.sqrt(sumSq.getFloat());
            double clip = Math.min(1.0, CLIP_NORM / (norm + 1e-6));
            int t = iteration + 1;
            double lr = learningRate(iteration);
            double bc1 = 1 - Math.pow(BETA1, t);
            double bc2 = 1 - Math.pow(BETA2, t);
            for (int i = 0; i < grads.length; i++) {
                TorchTransformer.Param p = params.get(i);
                NDArray g = clip < 1.0 ? grads[i].mul((float) clip) : grads[i];
                NDArray w = p.value();
                if (p.decay()) {
                    w.muli((float) (1 - lr * WEIGHT_DECAY));
                }
                mean.get(i).muli((float) BETA1).addi(g.mul((float) (1 - BETA1)));
                var.get(i).muli((float) BETA2).addi(g.square().muli((float) (1 - BETA2)));
                // Ops on the state (base manager) would leave their results there: move them to the step's.
                NDArray denom = var.get(i).sqrt();
                denom.attach(step);
                denom.divi((float) Math.sqrt(bc2)).addi((float) ADAM_EPS);
                NDArray update = mean.get(i).div(denom);
                update.attach(step);
                w.subi(update.muli((float) (lr / bc1)));
                JniUtils.zeroGrad((PtNDArray) w);
            }
        }
    }

    /** WarmupDecaySchedule(1e-4, 10, 10000, LINEAR) as our trainer uses it. */
    static double learningRate(int iteration) {
        if (iteration < WARMUP) return PEAK_LR * iteration / WARMUP;
        double progress = Math.min(1.0, (double) (iteration - WARMUP) / (TOTAL - WARMUP));
        return PEAK_LR * (1.0 - progress);
    }

    /** As ThroughputBenchmark.mlmBatch: random ids, both segments, no padding, p masked positions per row. */
    static StepInput mlmBatch(Random rng, Shape7 s, int p) {
        int b = s.batch();
        int t = s.model().seq();
        int v = s.model().vocab();
        long[][] ids = new long[b][t];
        long[][] seg = new long[b][t];
        float[][] mask = new float[b][t];
        long[] flat = new long[b * p];
        long[] labels = new long[b * p];
        long[] nsp = new long[b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i][j] = 5 + rng.nextInt(v - 5);
                seg[i][j] = j >= t / 2 ? 1 : 0;
                mask[i][j] = 1;
            }
            List<Integer> cand = new ArrayList<>();
            for (int j = 1; j < t; j++) cand.add(j);
            Collections.shuffle(cand, rng);
            for (int k = 0; k < p; k++) {
                flat[i * p + k] = (long) i * t + cand.get(k);
                labels[i * p + k] = ids[i][cand.get(k)];
            }
            nsp[i] = rng.nextInt(2);
        }
        return new StepInput(ids, seg, mask, flat, labels, nsp, null);
    }

    /** As ThroughputBenchmark: random windows of T + 1 tokens, inputs the first T, targets the last T. */
    static StepInput causalBatch(Random rng, Shape7 s) {
        int b = s.batch();
        int t = s.model().seq();
        long[][] ids = new long[b][t];
        long[] targets = new long[b * t];
        for (int i = 0; i < b; i++) {
            long[] w = new long[t + 1];
            for (int j = 0; j < w.length; j++) w[j] = rng.nextInt(s.model().vocab());
            System.arraycopy(w, 0, ids[i], 0, t);
            System.arraycopy(w, 1, targets, i * t, t);
        }
        return new StepInput(ids, null, null, null, null, null, targets);
    }

    /** The count: 6 L N_layer B T + 6 N_head rows + 12 L T H B T (as ThroughputBenchmark.flopsPerStep). */
    static double flopsPerStep(Shape7 s, long rows, boolean mlm) {
        TorchTransformer.Shape5 m = s.model();
        double h = m.hidden();
        double f = m.ff();
        double v = m.vocab();
        double nLayer = 4 * h * h + 4 * h + 2 * h * f + f + h + 4 * h;
        double nHead = mlm ? h * h + 3 * h + v * h + v : v * h + v;
        double bt = (double) s.batch() * m.seq();
        return 6 * m.layers() * nLayer * bt + 6 * nHead * rows + 12.0 * m.layers() * m.seq() * h * bt;
    }

    /** Median GFLOP/s of an n x n x n FP32 product (wall time), and GFLOP per CPU-second over all runs. */
    static String matmulRate(NDManager base, int n) {
        try (NDManager mm = base.newSubManager()) {
            NDArray a = mm.randomUniform(0f, 1f, new Shape(n, n));
            NDArray b = mm.randomUniform(0f, 1f, new Shape(n, n));
            for (int i = 0; i < 2; i++) a.matMul(b).close();
            double[] t = new double[7];
            long cpu0 = processCpuNanos();
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                a.matMul(b).close();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            Arrays.sort(t);
            double flop = 2.0 * n * n * n;
            return String.format(Locale.ROOT, "%.1f GFLOP/s (%.1f per CPU-second)", flop / t[t.length / 2] / 1e9,
                    flop * t.length / cpu / 1e9);
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** A kB field of /proc/self/status in MiB, or -1. */
    static double procStatusMiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
