package dev.sparkpretrain.model.train;

import static dev.sparkpretrain.model.train.DataParallelStepTest.adamState;
import static dev.sparkpretrain.model.train.DataParallelStepTest.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.PretrainingGraphs;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.gpt.GptBatch;
import dev.sparkpretrain.model.gpt.GptModel;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.train.DataParallelStepTest.Family;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * {@link FlatAdamW} takes DL4J's AdamW step: parameters and Adam moments bit for bit on BERT, GPT and T5 graphs
 * (sequential and pooled, with loss scaling, through a learning-rate warm-up whose first step has lr 0), within float
 * rounding of the clip factor when clipping (the norm is summed in double here, in float by libnd4j), and the same
 * whatever the number of threads. Configurations it does not cover fall back to DL4J's updater.
 */
class FlatAdamWTest {
  /** Warm-up over 2 steps (lr 0 at step 0: libnd4j's epsilonT fallback), linear decay; weight decay 0.01. */
  private static OptimizerConfig schedule() {
    return new OptimizerConfig(3e-3, 0.9, 0.999, 1e-6, 0.01, 2, 8, OptimizerConfig.Decay.LINEAR);
  }

  private static final int STEPS = 5;

  /**
   * {@link #STEPS} steps on two copies of the family's graph, one through DL4J's updater, one through the flat path
   * (on a pool of {@code replicas} when above 1); returns the largest parameter difference.
   */
  private static double compare(Family f, double maxGradNorm, double lossScale, int replicas, boolean exact) {
    ComputationGraph dl4j = f.graph().get();
    ComputationGraph flat = f.graph().get();
    assertNull(FlatAdamW.unsupported(flat));
    OptimizerStep reference = new OptimizerStep(maxGradNorm, false);
    OptimizerStep fast = new OptimizerStep(maxGradNorm, true);
    try (ReplicaPool pool = replicas > 1 ? ReplicaPool.of(flat, replicas) : null) {
      for (int s = 0; s < STEPS; s++) {
        List<MultiDataSet> micro = f.microBatches().apply(s);
        OptimizerStep.Result a = reference.step(dl4j, dl4j, micro, 0, lossScale);
        OptimizerStep.Result b = pool != null ? fast.step(pool, micro, 0, lossScale)
            : fast.step(flat, flat, micro, 0, lossScale);
        assertTrue(a.finite() && b.finite());
        if (exact) {
          assertEquals(a.loss(), b.loss(), 0.0, "loss, step " + s);
        }
        // libnd4j sums the squares in float: ~1e-7 relative on these few thousand elements.
        assertEquals(a.gradNorm(), b.gradNorm(), 1e-5 * a.gradNorm(), "gradient norm, step " + s);
      }
    }
    assertEquals(STEPS, flat.getConfiguration().getIterationCount());
    assertTrue(dl4j.params().sub(f.graph().get().params()).amaxNumber().doubleValue() > 1e-4, "parameters moved");
    if (exact) {
      assertArrayEquals(floats(dl4j.params()), floats(flat.params()), "parameters");
      assertArrayEquals(adamState(dl4j), adamState(flat), "Adam moments");
    }
    return dl4j.params().sub(flat.params()).amaxNumber().doubleValue();
  }

  @Test
  void bertTakesDl4jsStepBitForBit() {
    compare(DataParallelStepTest.bert(0.0, schedule()), 0, 1.0, 1, true);
  }

  @Test
  void gptTakesDl4jsStepBitForBit() {
    compare(DataParallelStepTest.gpt(schedule()), 0, 1.0, 1, true);
  }

  @Test
  void t5TakesDl4jsStepBitForBit() {
    compare(DataParallelStepTest.t5(schedule()), 0, 1.0, 1, true);
  }

  @Test
  void oneMicroBatchReadInPlaceAndLossScalesTakeDl4jsStepBitForBit() {
    Family bert = DataParallelStepTest.bert(0.0, schedule());
    Family one = new Family(bert.graph(), step -> List.of(bert.microBatches().apply(step).get(0)));
    compare(one, 0, 1.0, 1, true);
    compare(one, 0, 3.0, 1, true); // a division
    compare(bert, 0, 8.0, 1, true); // a power of two: multiplied by its reciprocal
  }

  @Test
  void aPoolOfTwoTakesDl4jsSequentialStepBitForBit() {
    compare(DataParallelStepTest.bert(0.0, schedule()), 0, 1.0, 2, true);
    compare(DataParallelStepTest.t5(schedule()), 0, 1.0, 3, true);
  }

  @Test
  void clippingDiffersOnlyByTheNormsRounding() {
    // Norms here are 0.5-1.7: a limit of 0.05 clips every step.
    double bert = compare(DataParallelStepTest.bert(0.0, schedule()), 0.05, 1.0, 2, false);
    double gpt = compare(DataParallelStepTest.gpt(schedule()), 0.05, 1.0, 1, false);
    System.out.printf("clipped steps: max |param difference| to DL4J's path: BERT %.3g, GPT %.3g%n", bert, gpt);
    assertTrue(bert < 1e-6 && gpt < 1e-6, "BERT " + bert + ", GPT " + gpt);
  }

  @Test
  void theResultDoesNotDependOnTheNumberOfLanes() {
    // A larger graph than the others' (more chunks than lanes), one accumulated gradient, applied with 1-5 lanes.
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.GPT, 600, 32, 2, 2, 64, 16, 0, 0.0, 0.0,
        1e-5, 0.02, 16, 0, 0, 0, Activation.GELU_TANH, true);
    ComputationGraph source = PretrainingGraphs.build(c, schedule(), 3);
    int[][] w = new int[4][17];
    Random rng = new Random(5);
    for (int[] row : w) for (int j = 0; j < row.length; j++) row[j] = rng.nextInt(600);
    MultiDataSet mds = GptModel.toMultiDataSet(new GptBatch(w));
    INDArray g1 = OptimizerStep.forwardBackward(source, mds, 1, 0, true).gradient();
    INDArray g2 = OptimizerStep.forwardBackward(source, mds, 1, 1, true).gradient().mul(-0.5);
    assertTrue(g1.length() > 6 * FlatAdamW.CHUNK, "chunks: " + g1.length() / FlatAdamW.CHUNK);

    float[] params = null;
    float[] state = null;
    double squares = Double.NaN;
    for (int lanes = 1; lanes <= 5; lanes++) {
      ComputationGraph g = PretrainingGraphs.build(c, schedule(), 3);
      FlatAdamW flat = FlatAdamW.of(g);
      assertNotNull(flat);
      int count = lanes;
      // Lanes one after the other on this thread, last first: the order they run in must not matter.
      FlatAdamW.Lanes l = new FlatAdamW.Lanes(count, task -> {
        for (int r = count - 1; r >= 0; r--) task.accept(r);
      });
      for (int step = 0; step < 3; step++) {
        double sq = flat.sumGradients(List.of(g1, g2), 2.0, l);
        flat.update(step, 0, step == 1 ? 0.25f : Float.NaN, 4, l);
        if (step == 0 && lanes > 1) {
          assertEquals(squares, sq, 0.0, "sum of squares, " + lanes + " lanes");
        }
        if (step == 0) {
          squares = sq;
        }
      }
      if (params == null) {
        params = floats(g.params());
        state = adamState(g);
      } else {
        assertArrayEquals(params, floats(g.params()), lanes + " lanes: parameters");
        assertArrayEquals(state, adamState(g), lanes + " lanes: Adam moments");
      }
    }
    double expected = g1.castTo(DataType.DOUBLE).add(g2.castTo(DataType.DOUBLE)).div(2).norm2Number().doubleValue();
    assertEquals(expected * expected, squares, 1e-6 * squares);
  }

  @Test
  void checkpointsCarryTheFlatPathsAdamState() throws IOException {
    Family f = DataParallelStepTest.bert(0.0, schedule());
    ComputationGraph g = f.graph().get();
    OptimizerStep step = new OptimizerStep(0.0); // no clipping: the two paths agree bit for bit
    for (int s = 0; s < 2; s++) {
      step.step(g, f.microBatches().apply(s), 0);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ModelSerializer.writeModel(g, out, true);
    ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(out.toByteArray()),
        true);
    assertArrayEquals(adamState(g), adamState(restored));
    // The restored graph goes on through DL4J's updater, the original through the flat path: the same step.
    new OptimizerStep(0.0, false).step(restored, f.microBatches().apply(2), 0);
    step.step(g, f.microBatches().apply(2), 0);
    assertArrayEquals(floats(g.params()), floats(restored.params()));
    assertArrayEquals(adamState(g), adamState(restored));
  }

  /** A BERT graph of {@link DataParallelStepTest#bert}'s shape with another updater, regularization or data type. */
  private static ComputationGraph bert(IUpdater updater,
      List<Regularization> regularization, DataType type) {
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, 40, 16, 2, 2, 32, 16, 2, 0.0, 0.0,
        1e-12, 0.02, 8, 0, 0, 0, Activation.GELU, true);
    return GraphSetup.initialised(PretrainingGraphs.configuration(c, updater, regularization, 7, type));
  }

  @Test
  void otherConfigurationsFallBackToDl4jsUpdater() {
    Adam adam = new Adam(1e-3);
    List<Regularization> decay = List.of(new WeightDecay(0.01, true));
    assertNull(FlatAdamW.unsupported(bert(adam, decay, DataType.FLOAT)));
    assertTrue(FlatAdamW.unsupported(bert(new Nadam(1e-3), decay, DataType.FLOAT)).contains("Nadam"));
    assertTrue(FlatAdamW.unsupported(bert(adam, List.of(new L2Regularization(1e-4)), DataType.FLOAT))
        .contains("regularization"));
    assertTrue(FlatAdamW.unsupported(bert(adam, decay, DataType.DOUBLE)).contains("FLOAT"));

    // The fallback still trains: Nadam through OptimizerStep is DL4J's own step.
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      ComputationGraph a = bert(new Nadam(1e-3), decay, type);
      ComputationGraph b = bert(new Nadam(1e-3), decay, type);
      List<MultiDataSet> micro = DataParallelStepTest.bertMicroBatches(new Random(3), 2, 3);
      if (type == DataType.DOUBLE) {
        micro = micro.stream().map(m -> (MultiDataSet) new org.nd4j.linalg.dataset.MultiDataSet(
            castAll(m.getFeatures()), castAll(m.getLabels()), castAll(m.getFeaturesMaskArrays()),
            castAll(m.getLabelsMaskArrays()))).toList();
      }
      float[] before = floats(a.params().castTo(DataType.FLOAT));
      for (int s = 0; s < 2; s++) {
        Nd4j.getRandom().setSeed(s);
        assertTrue(new OptimizerStep(1.0).step(a, micro, 0).finite());
        Nd4j.getRandom().setSeed(s);
        assertTrue(new OptimizerStep(1.0, false).step(b, micro, 0).finite());
      }
      assertTrue(a.params().castTo(DataType.FLOAT).sub(Nd4j.createFromArray(before).reshape(a.params().shape()))
          .amaxNumber().doubleValue() > 1e-5, type + ": parameters moved");
      assertEquals(a.params(), b.params(), type.toString());
      assertEquals(a.getUpdater().getStateViewArray(), b.getUpdater().getStateViewArray(), type.toString());
    }

    // And through a pool: the replicas' gradients summed and applied by DL4J's updater, as the sequential step.
    ComputationGraph sequential = bert(new Nadam(1e-3), decay, DataType.FLOAT);
    ComputationGraph pooled = bert(new Nadam(1e-3), decay, DataType.FLOAT);
    try (ReplicaPool pool = ReplicaPool.of(pooled, 2)) {
      for (int s = 0; s < 2; s++) {
        List<MultiDataSet> micro = DataParallelStepTest.bertMicroBatches(new Random(s), 4, 3);
        Nd4j.getRandom().setSeed(s);
        new OptimizerStep(1.0).step(sequential, micro, 0);
        Nd4j.getRandom().setSeed(s);
        new OptimizerStep(1.0).step(pool, micro, 0, 1.0);
      }
    }
    assertArrayEquals(floats(sequential.params()), floats(pooled.params()));
    assertArrayEquals(adamState(sequential), adamState(pooled));
  }

  private static INDArray[] castAll(INDArray[] arrays) {
    if (arrays == null) {
      return null;
    }
    INDArray[] out = new INDArray[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      out[i] = arrays[i] == null ? null : arrays[i].castTo(DataType.DOUBLE);
    }
    return out;
  }
}
