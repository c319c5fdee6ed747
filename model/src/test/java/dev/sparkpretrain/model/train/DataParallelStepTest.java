package dev.sparkpretrain.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertBatch;
import dev.sparkpretrain.model.bert.BertFixtures;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.gpt.GptBatch;
import dev.sparkpretrain.model.gpt.GptModel;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.t5.T5Batch;
import dev.sparkpretrain.model.t5.T5Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Data parallelism inside a step ({@link ReplicaPool}) takes exactly the step that sequential accumulation takes.
 *
 * <p>Bit for bit: each micro-batch's forward/backward is the same sequence of ops on the same inputs, with the same
 * dropout seed, whichever thread runs it, and the gradients are summed in micro-batch order either way. (That needs
 * the same per-op arithmetic on both paths: the tests run with one native thread, as Surefire starts them with
 * OMP_NUM_THREADS=1 and the pool sets one thread per replica. A multi-threaded libnd4j reduction, e.g. a bias
 * gradient summed over rows by two threads, may round differently from the single-threaded one: then N=1 on two
 * threads and N=2 would differ in the last bits, as two runs with different thread counts already do.)
 */
class DataParallelStepTest {
  private static final long SEED = 7;

  /** One family's tiny graph and one step's micro-batches, normalized by the step's totals. */
  record Family(Supplier<ComputationGraph> graph, Function<Integer, List<MultiDataSet>> microBatches) {}

  private static OptimizerConfig adamW() {
    return new OptimizerConfig(3e-3, 0.9, 0.999, 1e-6, 0.01, 0, 100, OptimizerConfig.Decay.CONSTANT);
  }

  private static Family bert(double dropout) {
    return bert(dropout, adamW());
  }

  static Family bert(double dropout, OptimizerConfig optimizer) {
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.BERT, 40, 16, 2, 2, 32, 16, 2, dropout,
        dropout, 1e-12, 0.02, 8, 0, 0, 0, Activation.GELU, true);
    return new Family(() -> BertModel.build(c, optimizer, SEED), step -> bertMicroBatches(new Random(step), 4, 3));
  }

  private static Family gpt() {
    return gpt(adamW());
  }

  static Family gpt(OptimizerConfig optimizer) {
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.GPT, 30, 16, 2, 2, 32, 16, 0, 0.0, 0.0,
        1e-5, 0.02, 8, 0, 0, 0, Activation.GELU_TANH, true);
    return new Family(() -> GptModel.build(c, optimizer, SEED), step -> {
      Random rng = new Random(step);
      List<MultiDataSet> out = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        int[][] w = new int[3][17];
        for (int[] row : w) for (int j = 0; j < row.length; j++) row[j] = rng.nextInt(30);
        out.add(GptModel.toMultiDataSet(new GptBatch(w)));
      }
      return out;
    });
  }

  private static Family t5() {
    return t5(adamW());
  }

  static Family t5(OptimizerConfig optimizer) {
    TransformerConfig c = new TransformerConfig(TransformerConfig.Family.T5, 30, 16, 2, 2, 32, 64, 0, 0.0, 0.0,
        1e-6, 1.0, 8, 2, 8, 16, Activation.RELU, true);
    return new Family(() -> T5Model.build(c, optimizer, SEED), step -> {
      Random rng = new Random(step);
      List<T5Batch> batches = new ArrayList<>();
      long examples = 0;
      long targets = 0;
      for (int k = 0; k < 4; k++) {
        int b = 3;
        int[][] in = new int[b][10];
        int[][] inMask = new int[b][10];
        int[][] out = new int[b][6];
        int[][] outMask = new int[b][6];
        for (int i = 0; i < b; i++) {
          int n = 4 + rng.nextInt(7);
          int m = 1 + rng.nextInt(6); // unequal target lengths: the step's weighting matters
          for (int j = 0; j < n; j++) { in[i][j] = 1 + rng.nextInt(29); inMask[i][j] = 1; }
          for (int j = 0; j < m; j++) { out[i][j] = 1 + rng.nextInt(29); outMask[i][j] = 1; }
          targets += m;
        }
        examples += b;
        batches.add(new T5Batch(in, inMask, out, outMask));
      }
      double weight = (double) examples / targets;
      return batches.stream().map(x -> T5Model.toMultiDataSet(x, weight)).toList();
    });
  }

  /** {@code k} micro-batches of {@code b} BERT examples with 1-3 real predictions each, weighted per step. */
  static List<MultiDataSet> bertMicroBatches(Random rng, int k, int b) {
    List<BertBatch> batches = new ArrayList<>();
    long predictions = 0;
    for (int m = 0; m < k; m++) {
      BertBatch batch = BertFixtures.randomBatch(rng, 40, b, 16, 3, true);
      for (float[] row : batch.maskedLmWeights()) for (float x : row) predictions += (long) x;
      batches.add(batch);
    }
    double weight = (double) k * b / predictions; // what BertTrainingObjective.microBatches does
    return batches.stream().map(x -> BertModel.toMultiDataSet(x, weight)).toList();
  }

  static float[] floats(INDArray a) {
    return a.dup().data().asFloat();
  }

  static float[] adamState(ComputationGraph g) {
    return floats(g.getUpdater().getStateViewArray());
  }

  /** Three steps sequentially on one graph and on a pool of {@code n}: parameters, Adam state, results identical. */
  private static void assertSameSteps(Family f, int n, long seed) {
    ComputationGraph sequential = f.graph().get();
    ComputationGraph parallel = f.graph().get();
    assertArrayEquals(floats(sequential.params()), floats(parallel.params()));
    OptimizerStep optimizer = new OptimizerStep(1.0);
    try (ReplicaPool pool = ReplicaPool.of(parallel, n)) {
      for (int s = 0; s < 3; s++) {
        List<MultiDataSet> micro = f.microBatches().apply(s);
        Nd4j.getRandom().setSeed(seed + s);
        OptimizerStep.Result a = optimizer.step(sequential, micro, 0);
        Nd4j.getRandom().setSeed(seed + s);
        OptimizerStep.Result b = optimizer.step(pool, micro, 0, 1.0);
        assertTrue(a.finite() && b.finite());
        assertEquals(a.loss(), b.loss(), 0.0, "loss, step " + s);
        assertEquals(a.gradNorm(), b.gradNorm(), 0.0, "gradient norm, step " + s);
        assertEquals(a.examples(), b.examples());
        assertEquals(a.accuracyCounts().keySet(), b.accuracyCounts().keySet());
        a.accuracyCounts().forEach((k, v) -> assertArrayEquals(v, b.accuracyCounts().get(k), k));
      }
    }
    assertTrue(sequential.params().sub(f.graph().get().params()).amaxNumber().doubleValue() > 1e-4,
        "parameters moved");
    assertArrayEquals(floats(sequential.params()), floats(parallel.params()), "parameters");
    assertArrayEquals(adamState(sequential), adamState(parallel), "Adam moments");
    assertEquals(3, parallel.getConfiguration().getIterationCount());
  }

  @Test
  void bertTwoReplicasTakeTheSequentialStepBitForBit() {
    assertSameSteps(bert(0.0), 2, 1);
  }

  @Test
  void gptTwoReplicasTakeTheSequentialStepBitForBit() {
    assertSameSteps(gpt(), 2, 1);
  }

  @Test
  void t5TwoReplicasTakeTheSequentialStepBitForBit() {
    assertSameSteps(t5(), 2, 1);
  }

  @Test
  void threeReplicasOverFourMicroBatchesTakeTheSameStep() {
    assertSameSteps(bert(0.0), 3, 1);
  }

  @Test
  void dropoutIsSeededPerMicroBatchSoTheReplicaCountDoesNotMatter() {
    assertSameSteps(bert(0.1), 2, 11);

    // Dropout is on: another step seed takes another step.
    Family f = bert(0.1);
    ComputationGraph a = f.graph().get();
    ComputationGraph b = f.graph().get();
    OptimizerStep optimizer = new OptimizerStep(1.0);
    Nd4j.getRandom().setSeed(11);
    double lossA = optimizer.step(a, f.microBatches().apply(0), 0).loss();
    Nd4j.getRandom().setSeed(12);
    double lossB = optimizer.step(b, f.microBatches().apply(0), 0).loss();
    assertTrue(lossA != lossB, "dropout masks differ with the seed: " + lossA + " vs " + lossB);
    assertFalse(java.util.Arrays.equals(floats(a.params()), floats(b.params())));

    // Same seed and two replicas twice: identical.
    ComputationGraph c = f.graph().get();
    ComputationGraph d = f.graph().get();
    try (ReplicaPool pc = ReplicaPool.of(c, 2); ReplicaPool pd = ReplicaPool.of(d, 2)) {
      Nd4j.getRandom().setSeed(11);
      optimizer.step(pc, f.microBatches().apply(0), 0, 1.0);
      Nd4j.getRandom().setSeed(11);
      optimizer.step(pd, f.microBatches().apply(0), 0, 1.0);
    }
    assertArrayEquals(floats(c.params()), floats(d.params()));
    assertArrayEquals(floats(a.params()), floats(c.params()), "two replicas took the sequential step");
  }

  @Test
  void aFailingMicroBatchFailsTheStepLeavesParametersAndThePoolUsable() {
    Family f = bert(0.0);
    ComputationGraph master = f.graph().get();
    ComputationGraph reference = f.graph().get();
    OptimizerStep optimizer = new OptimizerStep(1.0);
    try (ReplicaPool pool = ReplicaPool.of(master, 2)) {
      optimizer.step(pool, f.microBatches().apply(0), 0, 1.0);
      optimizer.step(reference, f.microBatches().apply(0), 0);
      float[] params = floats(master.params());
      float[] adam = adamState(master);

      List<MultiDataSet> bad = new ArrayList<>(f.microBatches().apply(1));
      MultiDataSet good = bad.get(1);
      INDArray[] features = good.getFeatures().clone();
      features[0] = Nd4j.zeros(DataType.FLOAT, 3, 40); // longer than the 16 positions: the embedding throws
      bad.set(1, new org.nd4j.linalg.dataset.MultiDataSet(features, good.getLabels(), good.getFeaturesMaskArrays(),
          good.getLabelsMaskArrays()));
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> optimizer.step(pool, bad, 0, 1.0));
      System.out.println("failing micro-batch: " + e.getMessage());
      assertTrue(e.getMessage().startsWith("micro-batch 1 of 4 failed on replica 1"), e.getMessage());
      assertTrue(e.getCause() != null);
      assertArrayEquals(params, floats(master.params()), "parameters untouched");
      assertArrayEquals(adam, adamState(master), "Adam state untouched");
      assertEquals(1, master.getConfiguration().getIterationCount(), "a failed step does not count");

      // The pool goes on: the next step is the sequential one.
      optimizer.step(pool, f.microBatches().apply(2), 0, 1.0);
      optimizer.step(reference, f.microBatches().apply(2), 0);
    }
    assertArrayEquals(floats(reference.params()), floats(master.params()));
    assertArrayEquals(adamState(reference), adamState(master));
  }

  @Test
  void mixedPrecisionGraphsAreRefused() {
    ComputationGraph g = bert(0.0).graph().get();
    ComputationGraph half = new ComputationGraph(g.getConfiguration().clone());
    half.getConfiguration().setDataType(DataType.HALF);
    half.init();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplicaPool.of(half, 2));
    assertTrue(e.getMessage().contains("mixed precision"), e.getMessage());
  }
}
