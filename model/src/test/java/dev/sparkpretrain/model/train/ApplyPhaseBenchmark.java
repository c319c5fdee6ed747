package dev.sparkpretrain.model.train;

import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.ops.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The serial part of an optimizer step alone (benchmark, not a test): two micro-batch gradients summed, the norm,
 * clipping and AdamW, on a BERT graph of the given size, through DL4J's updater (the op sequence OptimizerStep ran
 * before FlatAdamW: dup, addi, norm2, muli, assign, updater.update, subi) and through {@link FlatAdamW} on one and on
 * two threads. Prints min and median milliseconds over the last three quarters of the repetitions.
 *
 * <p>Run (tiny: 128 2 8000; mini: 256 4 30522):
 * {@code OMP_NUM_THREADS=1 java -cp "$CP" dev.sparkpretrain.model.train.ApplyPhaseBenchmark 128 2 8000 60}
 */
public final class ApplyPhaseBenchmark {
  private ApplyPhaseBenchmark() {}

  public static void main(String[] args) {
    int hidden = Integer.parseInt(args[0]);
    int layers = Integer.parseInt(args[1]);
    int vocab = Integer.parseInt(args[2]);
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 40;
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, vocab, hidden, layers, 4, 4 * hidden,
        128, 2, 0.1, 0.1, 1e-12, 0.02, hidden / 4, 0, 0, 0, Activation.GELU, true);
    ComputationGraph g = BertModel.build(c, OptimizerConfig.bertDefaults(10, 10_000), 1);
    long n = g.numParams();
    g.initGradientsView();
    Nd4j.getRandom().setSeed(1);
    INDArray g1 = Nd4j.randn(1, n).muli(1e-2);
    INDArray g2 = Nd4j.randn(1, n).muli(1e-2);
    ExecutorService[] threads = {Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor()};
    FlatAdamW.Lanes two = new FlatAdamW.Lanes(2, task -> {
      List<Future<?>> futures = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int lane = r;
        futures.add(threads[r].submit(() -> task.accept(lane)));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (InterruptedException | ExecutionException e) {
          throw new IllegalStateException(e);
        }
      }
    });
    String[] names = {"DL4J updater path", "FlatAdamW, 1 thread", "FlatAdamW, 2 threads"};
    double[][] ms = new double[names.length][reps];
    for (int r = 0; r < reps; r++) {
      int it = g.getConfiguration().getIterationCount();
      long t0 = System.nanoTime();
      INDArray sum = g1.dup();
      sum.addi(g2);
      double norm = sum.norm2Number().doubleValue() / 32;
      sum.muli(1e-9 / norm); // clipped, as with the trainer's limit of 1.0 on real gradients early on
      INDArray view = g.getFlattenedGradients();
      view.assign(sum);
      g.getUpdater().update(new DefaultGradient(view), it, 0, 32, LayerWorkspaceMgr.noWorkspaces());
      g.params().subi(view.reshape(g.params().shape()));
      ms[0][r] = (System.nanoTime() - t0) / 1e6;
      for (int l = 1; l <= 2; l++) {
        FlatAdamW.Lanes lanes = l == 1 ? FlatAdamW.Lanes.CALLER : two;
        long s0 = System.nanoTime();
        FlatAdamW f = FlatAdamW.of(g);
        double squares = f.sumGradients(List.of(g1, g2), 1.0, lanes);
        f.update(it, 0, (float) (1e-9 / (Math.sqrt(squares) / 32)), 32, lanes);
        ms[l][r] = (System.nanoTime() - s0) / 1e6;
      }
      g.getConfiguration().setIterationCount(it + 1);
    }
    System.out.printf(Locale.ROOT, "%d parameters, %d repetitions%n", n, reps);
    for (int i = 0; i < names.length; i++) {
      double[] x = Arrays.copyOfRange(ms[i], reps / 4, reps);
      Arrays.sort(x);
      System.out.printf(Locale.ROOT, "%-22s min %7.2f  median %7.2f ms%n", names[i], x[0], x[x.length / 2]);
    }
    for (ExecutorService t : threads) {
      t.shutdown();
    }
  }
}
