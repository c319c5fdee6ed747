package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.objective.BertExample;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradient accumulation is exact: k micro-batches of b give the same update as one batch of k·b. */
class OptimizerStepTest {
  @Test
  void accumulationMatchesOneLargeBatch() {
    List<BertExample> data = TrainerFixtures.examples(60, 1);
    TrainerConfig t = TrainerFixtures.trainer(1, 8, 1, 1, 10);
    BertTrainingObjective objective = TrainerFixtures.objective();
    ComputationGraph big = TrainerFixtures.graph(t, 42);
    ComputationGraph small = TrainerFixtures.graph(t, 42);
    assertEquals(big.params(), small.params());
    OptimizerStep step = new OptimizerStep(1.0);
    for (int s = 0; s < 3; s++) {
      List<BertExample> batch = data.subList(s * 8, s * 8 + 8);
      step.step(big, objective.microBatches(List.of(batch)), 0);
      step.step(small, objective.microBatches(List.of(batch.subList(0, 4), batch.subList(4, 8))), 0);
    }
    INDArray a = big.params();
    INDArray b = small.params();
    double maxDiff = a.sub(b).amaxNumber().doubleValue();
    System.out.println("accumulation max |diff| after 3 steps: " + maxDiff);
    // float32: summation order differs between one batch and two; 1e-5 is far below one Adam step (1e-3).
    assertTrue(maxDiff < 1e-5, "max |diff| " + maxDiff);
    assertTrue(a.sub(TrainerFixtures.graph(t, 42).params()).amaxNumber().doubleValue() > 1e-4, "parameters moved");
  }

  @Test
  void nonFiniteLossLeavesParametersUntouched() {
    List<BertExample> data = TrainerFixtures.examples(20, 2);
    TrainerConfig t = TrainerFixtures.trainer(1, 8, 1, 1, 10);
    ComputationGraph g = TrainerFixtures.graph(t, 3);
    g.params().putScalar(0, Float.NaN); // poison one weight: every loss becomes NaN
    float[] poisoned = g.params().data().asFloat();
    OptimizerStep.Result r = new OptimizerStep(1.0).step(g,
        TrainerFixtures.objective().microBatches(List.of(data.subList(0, 8))), 0);
    assertTrue(!r.finite());
    // Arrays.equals compares floats bit for bit, so the poisoned NaN must be where it was and nothing else moved.
    assertTrue(java.util.Arrays.equals(poisoned, g.params().data().asFloat()), "no update applied");
    assertEquals(0, g.getConfiguration().getIterationCount(), "a skipped step does not count");
  }
}
