package dev.sparkpretrain.train;

import java.io.Serializable;

/**
 * What one worker sends back after a round as its task result: the names of the blocks holding its parameters and
 * optimizer state ({@link RoundResultBlocks}; the driver sums them chunk by chunk and divides) and per-step sums for
 * the metrics, combined over workers by {@link #add}. A few hundred bytes, whatever the model's size.
 */
final class WorkerResult implements Serializable {
  java.util.List<String> blocks; // chunks of parameters ‖ optimizer state, in order; set when the round ends
  final double[] lossSum;     // per step of the round
  final double[] gradNormSum; // per step
  final long[] tokens;        // per step
  final double[] lossScaleSum; // per step, the loss scale used (1 without loss scaling)
  final int workers;
  boolean finite;
  LossScaler scaler;          // the most cautious (smallest scale) of the workers' scalers at the end
  double computeSeconds;      // the slowest worker's time inside its optimizer steps
  /** Per step, per output layer: {correct, total} argmax hits on real predictions (training accuracy). */
  java.util.List<java.util.Map<String, long[]>> accuracy = new java.util.ArrayList<>();

  WorkerResult(int steps) {
    this.lossSum = new double[steps];
    this.gradNormSum = new double[steps];
    this.tokens = new long[steps];
    this.lossScaleSum = new double[steps];
    this.workers = 1;
    this.finite = true;
  }

  private WorkerResult(double[] lossSum, double[] gradNormSum, long[] tokens,
      double[] lossScaleSum, int workers, boolean finite) {
    this.lossSum = lossSum;
    this.gradNormSum = gradNormSum;
    this.tokens = tokens;
    this.lossScaleSum = lossScaleSum;
    this.workers = workers;
    this.finite = finite;
  }

  /** The metrics of both (sums, in place on {@code this}'s arrays); the blocks stay with each worker's result. */
  WorkerResult add(WorkerResult o) {
    for (int i = 0; i < lossSum.length; i++) {
      lossSum[i] += o.lossSum[i];
      gradNormSum[i] += o.gradNormSum[i];
      tokens[i] += o.tokens[i];
      lossScaleSum[i] += o.lossScaleSum[i];
    }
    WorkerResult r = new WorkerResult(lossSum, gradNormSum, tokens, lossScaleSum,
        workers + o.workers, finite && o.finite);
    r.scaler = scaler == null ? o.scaler : o.scaler == null || scaler.scale() <= o.scaler.scale() ? scaler : o.scaler;
    r.computeSeconds = Math.max(computeSeconds, o.computeSeconds);
    r.accuracy = new java.util.ArrayList<>();
    for (int i = 0; i < Math.max(accuracy.size(), o.accuracy.size()); i++) {
      java.util.Map<String, long[]> m = new java.util.TreeMap<>();
      for (var side : java.util.List.of(accuracy, o.accuracy)) {
        if (i < side.size()) {
          side.get(i).forEach((k, v) -> {
            long[] acc = m.computeIfAbsent(k, x -> new long[2]);
            acc[0] += v[0];
            acc[1] += v[1];
          });
        }
      }
      r.accuracy.add(m);
    }
    return r;
  }
}
