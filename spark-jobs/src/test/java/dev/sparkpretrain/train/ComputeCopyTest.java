package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.config.TrainerConfig.Precision;
import dev.sparkpretrain.model.train.OptimizerStep;
import dev.sparkpretrain.objective.BertExample;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** FP32 master weights + a low-precision compute copy: the copy's type, its rounding, skipped overflowing steps. */
class ComputeCopyTest {
  static final List<BertExample> DATA = TrainerFixtures.examples(40, 9);
  static final TrainerConfig T = TrainerFixtures.trainer(1, 8, 2, 1, 10);

  static List<MultiDataSet> step(int s) {
    List<BertExample> batch = DATA.subList(s * 8, s * 8 + 8);
    return TrainerFixtures.objective().microBatches(List.of(batch.subList(0, 4), batch.subList(4, 8)));
  }

  @Test
  void anFp32CopyTakesExactlyTheStepsOfTheGraphItself() {
    // The master/copy plumbing (FP32 gradient sum, master updater, refresh) on its own, without rounding.
    ComputationGraph alone = TrainerFixtures.graph(T, 42);
    ComputationGraph master = TrainerFixtures.graph(T, 42);
    ComputationGraph copy = ComputeCopy.of(master, Precision.FP32);
    OptimizerStep optimizer = new OptimizerStep(1.0);
    for (int s = 0; s < 3; s++) {
      optimizer.step(alone, step(s), 0, 1024.0);
      optimizer.step(master, copy, step(s), 0, 1024.0);
    }
    assertArrayEquals(alone.params().data().asFloat(), master.params().data().asFloat(), "bit for bit");
    assertArrayEquals(alone.getUpdater().getStateViewArray().data().asFloat(),
        master.getUpdater().getStateViewArray().data().asFloat(), "same Adam state");
    assertEquals(3, master.getConfiguration().getIterationCount());
  }

  @Test
  void theCopyHasTheLowPrecisionTypeAndTheRoundedMasterWeights() {
    for (Precision p : List.of(Precision.FP16, Precision.BF16)) {
      ComputationGraph master = TrainerFixtures.graph(T, 42);
      ComputationGraph copy = ComputeCopy.of(master, p);
      DataType type = ComputeCopy.dataType(p);
      assertEquals(type, copy.params().dataType(), p + " parameters");
      assertEquals(DataType.FLOAT, master.params().dataType(), "master stays FP32");
      assertEquals(master.params().castTo(type), copy.params(), p + ": rounded master weights");
      // Rounding is real: FP16 keeps 11 significant bits, BF16 8, so the copy differs from the master.
      assertTrue(master.params().sub(copy.params().castTo(DataType.FLOAT)).amaxNumber().doubleValue() > 0);
    }
  }

  @Test
  void anOverflowInTheCopySkipsTheStepAndLeavesTheMasterWeights() {
    ComputationGraph master = TrainerFixtures.graph(T, 42);
    ComputationGraph copy = ComputeCopy.of(master, Precision.FP16);
    float[] before = master.params().data().asFloat();
    float[] state = master.getUpdater().getStateViewArray().data().asFloat();
    // FP16's largest finite value is 65504: a loss scale of 2^40 overflows every non-zero gradient element.
    OptimizerStep.Result r = new OptimizerStep(1.0).step(master, copy, step(0), 0, Math.pow(2, 40));
    assertFalse(r.finite(), "overflow detected");
    assertArrayEquals(before, master.params().data().asFloat(), "master weights unchanged");
    assertArrayEquals(state, master.getUpdater().getStateViewArray().data().asFloat(), "Adam state unchanged");
    assertEquals(0, master.getConfiguration().getIterationCount(), "a skipped step does not count");
    assertEquals(LossScaler.INITIAL_SCALE / 2, LossScaler.initial(1000).next(!r.finite()).scale(), "scale halves");
  }
}
