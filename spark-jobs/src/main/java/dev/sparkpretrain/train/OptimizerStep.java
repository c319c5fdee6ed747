package dev.sparkpretrain.train;

import java.io.Serializable;
import java.util.List;
import dev.sparkpretrain.model.layers.SoftmaxCrossEntropy;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
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
 */
public final class OptimizerStep implements Serializable {
  private final double maxGradNorm;

  public OptimizerStep(double maxGradNorm) {
    this.maxGradNorm = maxGradNorm;
  }

  /** What one step did. {@code loss} is the mean over micro-batches of the objective's loss (no penalty terms). */
  public record Result(double loss, double gradNorm, long examples, boolean finite,
      java.util.Map<String, long[]> accuracyCounts) implements Serializable {}

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
   * Mixed precision: forward and backward run on {@code compute} (a {@link ComputeCopy} of {@code master}, or
   * {@code master} itself for FP32); its gradients are summed in FP32, unscaled, clipped and applied by
   * {@code master}'s updater to the FP32 master weights, which are then rounded into {@code compute} again.
   */
  public Result step(ComputationGraph master, ComputationGraph compute, List<MultiDataSet> microBatches, int epoch,
      double lossScale) {
    setLossScale(compute, lossScale);
    INDArray sum = null;
    double lossSum = 0;
    long examples = 0;
    java.util.Map<String, long[]> accuracy = new java.util.TreeMap<>();
    for (MultiDataSet mds : microBatches) {
      compute.setInputs(mds.getFeatures());
      compute.setLabels(mds.getLabels());
      DataType type = compute.params().dataType();
      compute.setLayerMaskArrays(castMasks(mds.getFeaturesMaskArrays(), type),
          castMasks(mds.getLabelsMaskArrays(), type));
      compute.computeGradientAndScore();
      // DL4J's score adds the regularization penalty (here: weight decay); report the objective's loss only.
      lossSum += compute.score() - compute.calcRegularizationScore(true);
      examples += mds.getFeatures(0).size(0);
      for (Layer layer : compute.getLayers()) {
        if (layer instanceof SoftmaxCrossEntropy.Impl out) {
          long[] c = out.lastAccuracyCounts();
          long[] acc = accuracy.computeIfAbsent(layer.conf().getLayer().getLayerName(), k -> new long[2]);
          acc[0] += c[0];
          acc[1] += c[1];
        }
      }
      INDArray g = compute.getFlattenedGradients();
      // Accumulate in FP32 whatever the compute type: a half-precision sum of k micro-batches would lose bits.
      if (sum == null) {
        sum = g.dataType() == DataType.FLOAT ? g.dup() : g.castTo(DataType.FLOAT);
      } else {
        sum.addi(g.dataType() == DataType.FLOAT ? g : g.castTo(DataType.FLOAT));
      }
    }
    compute.clearLayerMaskArrays();
    setLossScale(compute, 1.0);
    if (lossScale != 1.0) {
      sum.divi(lossScale);
    }
    double loss = lossSum / microBatches.size();
    // Norm of the mean gradient (what the updater will see after dividing by the batch size).
    double gradNorm = sum.norm2Number().doubleValue() / examples;
    if (!Double.isFinite(loss) || !Double.isFinite(gradNorm)) {
      return new Result(loss, gradNorm, examples, false, accuracy);
    }
    if (maxGradNorm > 0 && gradNorm > maxGradNorm) {
      sum.muli(maxGradNorm / gradNorm);
    }
    if (master.getFlattenedGradients() == null) {
      master.initGradientsView(); // a master that never ran backprop itself
    }
    INDArray view = master.getFlattenedGradients();
    view.assign(sum);
    // The updater works on the flattened gradient view in blocks; per-variable entries are needed only for
    // per-layer gradient normalization, which these models do not configure.
    Gradient gradient = compute == master ? master.gradient() : new DefaultGradient(view);
    int iteration = master.getConfiguration().getIterationCount();
    master.getUpdater().update(gradient, iteration, epoch, (int) examples, LayerWorkspaceMgr.noWorkspaces());
    INDArray params = master.params();
    params.subi(view.reshape(params.shape()));
    master.getConfiguration().setIterationCount(iteration + 1);
    master.getConfiguration().setEpochCount(epoch);
    if (compute != master) {
      ComputeCopy.refresh(master, compute);
    }
    return new Result(loss, gradNorm, examples, true, accuracy);
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
