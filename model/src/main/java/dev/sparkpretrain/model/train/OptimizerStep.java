package dev.sparkpretrain.model.train;

import dev.sparkpretrain.model.layers.SoftmaxCrossEntropy;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * One optimizer step with gradient accumulation, shared by the Spark workers and the single-process trainer so
 * that both do exactly the same arithmetic.
 *
 * <p>DL4J's {@code computeGradientAndScore} leaves the gradient of the micro-batch's summed loss in the
 * flattened gradient view, and the updater divides by the batch size it is given. Summing the k micro-batch
 * gradients and updating once with batch size k·b is therefore the same update as one batch of k·b examples.
 * The global gradient norm (of the mean gradient, over all parameters) is clipped to {@code maxGradNorm} before
 * the updater (AdamW, in the graph's configuration) runs.
 *
 * <p>The micro-batches run one after the other on one graph, or concurrently on the replicas of a
 * {@link ReplicaPool} (data parallelism inside the step). Both paths sum the micro-batch gradients in FP32 in
 * micro-batch order, and both seed the running thread's ND4J generator (dropout) before micro-batch i from
 * (step seed, i), the step seed being the next draw of the calling thread's generator: the same seed gives the same
 * step whatever the number of replicas.
 *
 * <p>The apply phase (sum of the micro-batch gradients, norm, clipping, AdamW) runs in {@link FlatAdamW}: plain Java
 * over the flattened arrays, split over the pool's threads (one contiguous parameter range each), with DL4J's
 * arithmetic: parameters and Adam state as DL4J's updater leaves them, bit for bit, except that the norm is summed in
 * double (the clip factor differs by float rounding). Configurations FlatAdamW does not cover (another updater,
 * gradient normalization, L1/L2, non-FP32 masters, other backends) go through DL4J's updater as before.
 *
 * <p>Example: {@code new OptimizerStep(1.0).step(graph, List.of(firstHalf, secondHalf), 0)} takes one step on
 * two micro-batches whose losses were normalized by the step's totals (see the objectives' {@code microBatches}).
 */
public final class OptimizerStep implements Serializable {
  private final double maxGradNorm;
  private final boolean flatUpdate;

  public OptimizerStep(double maxGradNorm) {
    this(maxGradNorm, true);
  }

  /**
   * {@code flatUpdate}: apply with {@link FlatAdamW} where it applies (the default), else always with DL4J's updater
   * (tests compare the two).
   */
  OptimizerStep(double maxGradNorm, boolean flatUpdate) {
    this.maxGradNorm = maxGradNorm;
    this.flatUpdate = flatUpdate;
  }

  /** What one step did. {@code loss} is the mean over micro-batches of the objective's loss (no penalty terms). */
  public record Result(double loss, double gradNorm, long examples, boolean finite,
      Map<String, long[]> accuracyCounts) implements Serializable {}

  /** One micro-batch's forward/backward: its loss, examples, accuracy counts and gradient (FP32 or the graph's). */
  record MicroBatch(double loss, long examples, Map<String, long[]> accuracy, INDArray gradient) {}

  /**
   * Runs forward/backward on each micro-batch, then one update; advances the graph's iteration counter.
   * When the loss or gradient is not finite, parameters are left untouched and {@code finite} is false.
   */
  public Result step(ComputationGraph graph, List<MultiDataSet> microBatches, int epoch) {
    return step(graph, microBatches, epoch, 1.0);
  }

  /**
   * As {@link #step(ComputationGraph, List, int)} with the loss multiplied by {@code lossScale} during backward
   * (the output layers scale the gradient they start backprop with) and the summed gradient divided by it again
   * before clipping and the update. An overflow (inf/NaN gradient) skips the step: parameters, optimizer state and
   * the iteration counter are left as they were.
   */
  public Result step(ComputationGraph graph, List<MultiDataSet> microBatches, int epoch, double lossScale) {
    return step(graph, graph, microBatches, epoch, lossScale);
  }

  /**
   * Mixed precision: forward and backward run on {@code compute} (a low-precision copy of {@code master}, or
   * {@code master} itself for FP32); its gradients are summed in FP32, unscaled, clipped and applied by
   * {@code master}'s updater to the FP32 master weights, which are then rounded into {@code compute} again.
   */
  public Result step(ComputationGraph master, ComputationGraph compute, List<MultiDataSet> microBatches, int epoch,
      double lossScale) {
    long stepSeed = Nd4j.getRandom().nextLong();
    setLossScale(compute, lossScale);
    Accumulator sum = new Accumulator();
    MicroBatch only = null;
    try {
      for (int i = 0; i < microBatches.size(); i++) {
        // The view is overwritten by the next micro-batch: the accumulator copies or adds it before that.
        MicroBatch m = forwardBackward(compute, microBatches.get(i), stepSeed, i, false);
        if (microBatches.size() == 1) {
          only = m; // nothing overwrites it: the flat path reads it in place
        } else {
          sum.add(m);
        }
      }
    } finally {
      compute.clearLayerMaskArrays();
      setLossScale(compute, 1.0);
    }
    FlatAdamW flat = flatUpdate ? FlatAdamW.of(master) : null;
    Result r;
    if (flat != null && only != null && only.gradient().dataType() == DataType.FLOAT) {
      sum.count(only);
      r = applyFlat(flat, master, List.of(only.gradient()), sum, 1, epoch, lossScale, FlatAdamW.Lanes.CALLER);
    } else {
      if (only != null) {
        sum.add(only);
      }
      r = flat != null
          ? applyFlat(flat, master, List.of(sum.gradient), sum, microBatches.size(), epoch, lossScale,
              FlatAdamW.Lanes.CALLER)
          : apply(master, compute == master ? master.gradient() : null, sum, microBatches.size(), epoch, lossScale);
    }
    if (r.finite() && compute != master) {
      compute.params().assign(master.params()); // round the new master weights into the compute copy
    }
    return r;
  }

  /**
   * The micro-batches run concurrently on the pool's replicas (micro-batch i on replica i mod N, each replica's in
   * order), then their gradients are summed in micro-batch order and applied once to the pool's master, as
   * {@link #step(ComputationGraph, List, int, double)} does on one graph. FP32 only (the replicas share the master's
   * FP32 parameter array). A micro-batch that throws fails the step after every replica has stopped: parameters,
   * optimizer state and the iteration counter are left as they were, and the pool can run the next step.
   */
  public Result step(ReplicaPool pool, List<MultiDataSet> microBatches, int epoch, double lossScale) {
    long stepSeed = Nd4j.getRandom().nextLong();
    ComputationGraph master = pool.master();
    pool.prepare(graph -> setLossScale(graph, lossScale));
    int k = microBatches.size();
    // A replica's gradient view is overwritten by its next micro-batch (i + N), so only those are copied; the last
    // one of each replica is read in place, after every replica has finished.
    List<Future<MicroBatch>> futures = pool.run(k,
        (graph, i) -> forwardBackward(graph, microBatches.get(i), stepSeed, i, i + pool.size() < k));
    Accumulator sum = new Accumulator();
    RuntimeException failure = null;
    List<MicroBatch> done = new ArrayList<>(k);
    for (int i = 0; i < futures.size(); i++) {
      try {
        done.add(futures.get(i).get()); // waits for every micro-batch, also after a failure
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = new IllegalStateException("micro-batch " + i + " of " + futures.size() + " failed on replica "
              + (i % pool.size()) + ": " + e.getCause(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pool.awaitIdle();
        failure = new IllegalStateException("interrupted while the replicas ran a step", e);
        break;
      }
    }
    pool.prepare(graph -> {
      graph.clearLayerMaskArrays();
      setLossScale(graph, 1.0);
    });
    if (failure != null) {
      throw failure;
    }
    FlatAdamW flat = flatUpdate ? FlatAdamW.of(master) : null;
    if (flat != null) {
      // Sum, clip and update in parallel: each pool thread takes a contiguous range of the parameters.
      List<INDArray> gradients = new ArrayList<>(k);
      for (MicroBatch m : done) {
        sum.count(m);
        gradients.add(m.gradient());
      }
      return applyFlat(flat, master, gradients, sum, k, epoch, lossScale,
          new FlatAdamW.Lanes(pool.size(), pool::onEachThread));
    }
    for (MicroBatch m : done) {
      sum.add(m);
    }
    // Replica 0 is the master: its last backward left the per-variable gradient that apply() fills.
    return apply(master, master.gradient(), sum, microBatches.size(), epoch, lossScale);
  }

  /**
   * Forward and backward of micro-batch {@code index} on {@code graph}, in the calling thread, with that thread's
   * generator seeded from ({@code stepSeed}, {@code index}). {@code copy}: return a copy of the gradient (the
   * graph's view is reused by its next micro-batch before the caller adds this one).
   */
  static MicroBatch forwardBackward(ComputationGraph graph, MultiDataSet mds, long stepSeed, int index,
      boolean copy) {
    Nd4j.getRandom().setSeed(microBatchSeed(stepSeed, index));
    graph.setInputs(mds.getFeatures());
    graph.setLabels(mds.getLabels());
    DataType type = graph.params().dataType();
    graph.setLayerMaskArrays(castMasks(mds.getFeaturesMaskArrays(), type), castMasks(mds.getLabelsMaskArrays(), type));
    graph.computeGradientAndScore();
    // DL4J's score adds the regularization penalty (here: weight decay); report the objective's loss only.
    double loss = graph.score() - graph.calcRegularizationScore(true);
    Map<String, long[]> accuracy = new TreeMap<>();
    for (Layer layer : graph.getLayers()) {
      if (layer instanceof SoftmaxCrossEntropy.Impl out) {
        accuracy.put(layer.conf().getLayer().getLayerName(), out.lastAccuracyCounts().clone());
      }
    }
    INDArray g = graph.getFlattenedGradients();
    return new MicroBatch(loss, mds.getFeatures(0).size(0), accuracy, copy ? g.dup() : g);
  }

  /** SplitMix64's finalizer over (seed, index): well-spread seeds for neighbouring micro-batches. */
  static long microBatchSeed(long stepSeed, int index) {
    long z = stepSeed + (index + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Sums micro-batches in the order they are added: gradients in FP32, losses, examples, accuracy counts. */
  private static final class Accumulator {
    INDArray gradient;
    double lossSum;
    long examples;
    final Map<String, long[]> accuracy = new TreeMap<>();

    /** Loss, examples and accuracy counts only (the flat path sums the gradients itself). */
    void count(MicroBatch m) {
      lossSum += m.loss();
      examples += m.examples();
      m.accuracy().forEach((name, c) -> {
        long[] acc = accuracy.computeIfAbsent(name, k -> new long[2]);
        acc[0] += c[0];
        acc[1] += c[1];
      });
    }

    void add(MicroBatch m) {
      count(m);
      INDArray g = m.gradient();
      // Accumulate in FP32 whatever the compute type: a half-precision sum of k micro-batches would lose bits.
      if (gradient == null) {
        gradient = g.dataType() == DataType.FLOAT ? g.dup() : g.castTo(DataType.FLOAT);
      } else {
        gradient.addi(g.dataType() == DataType.FLOAT ? g : g.castTo(DataType.FLOAT));
      }
    }
  }

  /**
   * As {@link #apply} with {@link FlatAdamW}: {@code gradients} (FP32, in micro-batch order) are summed, unscaled,
   * clipped and applied in Java over contiguous parameter ranges, one per lane; the same arithmetic as DL4J's updater
   * except for the norm (summed in double; see FlatAdamW).
   */
  private Result applyFlat(FlatAdamW flat, ComputationGraph master, List<INDArray> gradients, Accumulator sum,
      int microBatches, int epoch, double lossScale, FlatAdamW.Lanes lanes) {
    double loss = sum.lossSum / microBatches;
    long examples = sum.examples;
    // Norm of the mean gradient (what the updater sees after dividing by the batch size).
    double gradNorm = Math.sqrt(flat.sumGradients(gradients, lossScale, lanes)) / examples;
    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
      return new Result(loss, gradNorm, examples, false, sum.accuracy);
    }
    float clip = maxGradNorm > 0 && gradNorm > maxGradNorm ? (float) (maxGradNorm / gradNorm) : Float.NaN;
    int iteration = master.getConfiguration().getIterationCount();
    flat.update(iteration, epoch, clip, examples, lanes);
    master.getConfiguration().setIterationCount(iteration + 1);
    master.getConfiguration().setEpochCount(epoch);
    return new Result(loss, gradNorm, examples, true, sum.accuracy);
  }

  /**
   * Unscale, clip and apply the summed gradient with {@code master}'s updater; {@code gradient} is the master's own
   * per-variable gradient when it ran backprop itself, else null (a flattened-view gradient is used).
   */
  private Result apply(ComputationGraph master, Gradient gradient, Accumulator sum, int microBatches, int epoch,
      double lossScale) {
    if (lossScale != 1.0) {
      sum.gradient.divi(lossScale);
    }
    double loss = sum.lossSum / microBatches;
    long examples = sum.examples;
    // Norm of the mean gradient (what the updater will see after dividing by the batch size).
    double gradNorm = sum.gradient.norm2Number().doubleValue() / examples;
    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
      return new Result(loss, gradNorm, examples, false, sum.accuracy);
    }
    if (maxGradNorm > 0 && gradNorm > maxGradNorm) {
      sum.gradient.muli(maxGradNorm / gradNorm);
    }
    if (master.getFlattenedGradients() == null) {
      master.initGradientsView(); // a master that never ran backprop itself
    }
    INDArray view = master.getFlattenedGradients();
    view.assign(sum.gradient);
    // The updater works on the flattened gradient view in blocks; per-variable entries are needed only for
    // per-layer gradient normalization, which these models do not configure.
    Gradient g = gradient != null ? gradient : new DefaultGradient(view);
    int iteration = master.getConfiguration().getIterationCount();
    master.getUpdater().update(g, iteration, epoch, (int) examples, LayerWorkspaceMgr.noWorkspaces());
    INDArray params = master.params();
    params.subi(view.reshape(params.shape()));
    master.getConfiguration().setIterationCount(iteration + 1);
    master.getConfiguration().setEpochCount(epoch);
    return new Result(loss, gradNorm, examples, true, sum.accuracy);
  }

  /**
   * Masks (0/1 and per-prediction loss weights) in the compute type, as the layers combine them with activations.
   * Features and labels stay FP32: they hold token ids, which FP16 (11 significant bits) could not represent.
   */
  private static INDArray[] castMasks(INDArray[] masks, DataType type) {
    if (masks == null || type == DataType.FLOAT) {
      return masks;
    }
    INDArray[] out = new INDArray[masks.length];
    for (int i = 0; i < masks.length; i++) {
      out[i] = masks[i] == null ? null : masks[i].castTo(type);
    }
    return out;
  }

  private static void setLossScale(ComputationGraph graph, double scale) {
    for (Layer layer : graph.getLayers()) {
      if (layer instanceof SoftmaxCrossEntropy.Impl out) {
        out.setGradientScale(scale);
      }
    }
  }

  /** The learning rate the graph's updater applies at {@code iteration} (for metrics). */
  public static double learningRate(ComputationGraph graph, int iteration, int epoch) {
    for (Layer layer : graph.getLayers()) {
      var conf = layer.conf().getLayer();
      for (String param : layer.paramTable().keySet()) {
        IUpdater u = conf.getUpdaterByParam(param);
        if (u != null && u.hasLearningRate()) {
          return u.getLearningRate(iteration, epoch);
        }
      }
    }
    return Double.NaN;
  }
}
