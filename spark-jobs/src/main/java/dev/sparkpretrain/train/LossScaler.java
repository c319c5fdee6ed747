package dev.sparkpretrain.train;

import java.io.Serializable;

/**
 * Dynamic loss scaling for low-precision training, as Megatron-LM and DeepSpeed do it: the loss is multiplied by
 * {@code scale} before backward so small gradients survive FP16; gradients are divided by it again in FP32. A
 * step whose gradients overflow (inf/NaN) is skipped and the scale halved; after {@code window} clean steps in a
 * row the scale doubles.
 *
 * <p>Immutable: each step returns the next state, so the state travels with the parameters between the driver
 * and the workers and into checkpoints.
 *
 * @param scale the current loss scale (initially 2^16)
 * @param cleanSteps clean steps since the last overflow or growth
 * @param window clean steps before the scale doubles
 * @param minScale the scale never drops below this (a run that overflows at scale 1 is diverging)
 */
public record LossScaler(double scale, int cleanSteps, int window, double minScale) implements Serializable {
  public static final double INITIAL_SCALE = 65536.0;

  public LossScaler {
    if (!(scale > 0) || window < 1 || !(minScale > 0)) {
      throw new IllegalArgumentException("scale " + scale + ", window " + window + ", minScale " + minScale);
    }
  }

  public static LossScaler initial(int window) {
    return new LossScaler(INITIAL_SCALE, 0, window, 1.0);
  }

  /** The state after a step whose unscaled gradients were finite ({@code overflow} false) or not. */
  public LossScaler next(boolean overflow) {
    if (overflow) {
      return new LossScaler(Math.max(minScale, scale / 2), 0, window, minScale);
    }
    if (cleanSteps + 1 >= window) {
      return new LossScaler(scale * 2, 0, window, minScale);
    }
    return new LossScaler(scale, cleanSteps + 1, window, minScale);
  }
}
