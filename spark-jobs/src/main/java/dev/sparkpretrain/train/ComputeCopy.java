package dev.sparkpretrain.train;

import dev.sparkpretrain.config.TrainerConfig.Precision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The low-precision compute copy of mixed-precision training (Micikevicius et al. 2018; Megatron-LM, DeepSpeed):
 * the optimizer keeps FP32 master weights; forward and backward run on a copy of the graph in FP16 or BF16 whose
 * parameters are the master weights rounded to that type; its gradients are cast back to FP32 for the update
 * ({@link dev.sparkpretrain.model.train.OptimizerStep}), and the copy is refreshed from the master after every update.
 *
 * <p>The copy is an ordinary ComputationGraph whose configuration says {@code dataType: HALF} (or BFLOAT16), so
 * every parameter, activation and gradient array DL4J allocates for it has that type. It needs a backend with
 * half-precision kernels to be fast: on ND4J's CPU backend a tiny-BERT step took 2× FP32's time in BF16 and 28× in
 * FP16 (README "Precision", docs/BENCHMARKS.md).
 */
final class ComputeCopy {
  private ComputeCopy() {}

  /** ND4J's type for a precision: FLOAT for fp32, HALF for fp16, BFLOAT16 for bf16. */
  static DataType dataType(Precision precision) {
    return switch (precision) {
      case FP32 -> DataType.FLOAT;
      case FP16 -> DataType.HALF;
      case BF16 -> DataType.BFLOAT16;
    };
  }

  /** The master configuration with the compute data type, as JSON (what workers build their copy from). */
  static String configurationJson(ComputationGraphConfiguration master, Precision precision) {
    ComputationGraphConfiguration c = master.clone();
    c.setDataType(dataType(precision));
    return c.toJson();
  }

  /** A new compute copy of {@code master}, holding its rounded parameters. */
  static ComputationGraph of(ComputationGraph master, Precision precision) {
    ComputationGraph copy = new ComputationGraph(
        ComputationGraphConfiguration.fromJson(configurationJson(master.getConfiguration(), precision)));
    copy.init();
    refresh(master, copy);
    return copy;
  }

  /** Rounds the master weights into the copy (round to nearest even, as ND4J's cast does). */
  static void refresh(ComputationGraph master, ComputationGraph copy) {
    copy.params().assign(master.params());
  }
}
