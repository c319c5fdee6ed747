package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.model.train.OptimizerStep;
import dev.sparkpretrain.objective.BertExample;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import dev.sparkpretrain.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The Spark trainer against the single-process arithmetic, on a real local[2] session. */
class ParameterAveragingTrainerTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static List<BertExample> data = TrainerFixtures.examples(80, 5);

  @BeforeAll
  static void start() {
    spark = LocalSpark.session("ParameterAveragingTrainerTest", 200);
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static ComputationGraph fitOnSpark(TrainerConfig t, List<List<BertExample>> workers) throws Exception {
    return fitOnSpark(t, workers, RoundResultBlocks.DEFAULT_CHUNK_FLOATS);
  }

  static ComputationGraph fitOnSpark(TrainerConfig t, List<List<BertExample>> workers, int chunkFloats)
      throws Exception {
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        TrainerFixtures.objective());
    trainer.resultChunkFloats(chunkFloats);
    JavaRDD<List<BertExample>> rdd = sc.parallelize(workers, workers.size());
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    trainer.fit(sc, rdd, g, 0, (steps, graph) -> {
      // Every round's blocks are gone from the block manager before the round is reported.
      assertEquals(List.of(), RoundResultBlocks.localNames("sparkpretrain-"), "round result blocks left");
    });
    return g;
  }

  /** The single-process reference: the same cursor, the same optimizer step, no Spark. */
  static ComputationGraph fitLocally(TrainerConfig t, List<BertExample> examples) {
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    ParameterAveragingTrainer.DataCursor<BertExample> cursor = new ParameterAveragingTrainer.DataCursor<>(examples,
        11, 0, TrainerFixtures.objective());
    OptimizerStep step = new OptimizerStep(t.maxGradNorm());
    for (int s = 0; s < t.maxSteps(); s++) {
      int epoch = cursor.epoch();
      List<List<BertExample>> micro = new ArrayList<>();
      for (int k = 0; k < t.gradientAccumulation(); k++) {
        micro.add(cursor.next(t.microBatchSize()));
      }
      step.step(g, TrainerFixtures.objective().microBatches(micro), epoch);
    }
    return g;
  }

  @Test
  void injectedOverflowsSkipStepsHalveTheScaleAndKeepTheWeights() throws Exception {
    TrainerConfig t = TrainerFixtures.trainer(2, 4, 2, 3, 3);
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        TrainerFixtures.objective());
    // 2^140 overflows float32 for any gradient element above 2^-12: every step of the round overflows.
    trainer.lossScaler(new LossScaler(Math.pow(2, 140), 0, 1000, 1.0));
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    INDArray before = g.params().dup();
    List<ParameterAveragingTrainer.StepMetrics> seen = new ArrayList<>();
    trainer.fit(sc, sc.parallelize(List.of(data, data), 2), g, 0, (steps, graph) -> seen.addAll(steps));
    assertEquals(0.0, before.sub(g.params()).amaxNumber().doubleValue(), "skipped steps change no weight");
    assertEquals(Math.pow(2, 137), trainer.lossScaler().scale(), "halved once per overflowed step");
    assertEquals(List.of(Math.pow(2, 140), Math.pow(2, 139), Math.pow(2, 138)),
        seen.stream().map(ParameterAveragingTrainer.StepMetrics::lossScale).toList());

    // A sane scale trains normally, with the same update as no scaling at all (power-of-two scales are exact).
    TrainerConfig t2 = TrainerFixtures.trainer(1, 4, 2, 3, 3);
    ParameterAveragingTrainer<BertExample> scaled = new ParameterAveragingTrainer<>(t2, 11,
        TrainerFixtures.objective());
    scaled.lossScaler(LossScaler.initial(1000));
    ComputationGraph a = TrainerFixtures.graph(t2, 42);
    scaled.fit(sc, sc.parallelize(List.of(data), 1), a, 0, (steps, graph) -> { });
    double d = maxDiff(a, fitLocally(t2, data));
    System.out.println("loss scale 2^16 vs none: max |diff| " + d);
    assertTrue(d < 1e-6, "max |diff| " + d);
  }

  @Test
  void nonFiniteLossWithoutScalingStopsAndKeepsTheWeights() {
    TrainerConfig t = TrainerFixtures.trainer(1, 4, 1, 2, 4);
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        TrainerFixtures.objective());
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    g.params().putScalar(0, Float.NaN);
    INDArray before = g.params().dup();
    ParameterAveragingTrainer.NonFiniteLossException e = assertThrows(
        ParameterAveragingTrainer.NonFiniteLossException.class,
        () -> trainer.fit(sc, sc.parallelize(List.of(data), 1), g, 0, (steps, graph) -> { }));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    assertTrue(before.equalsWithEps(g.params(), 0) || sameExceptNaN(before, g.params()), "weights untouched");
  }

  private static boolean sameExceptNaN(INDArray a, INDArray b) {
    float[] x = a.data().asFloat();
    float[] y = b.data().asFloat();
    for (int i = 0; i < x.length; i++) {
      if (!(x[i] == y[i] || (Float.isNaN(x[i]) && Float.isNaN(y[i])))) {
        return false;
      }
    }
    return true;
  }

  static double maxDiff(ComputationGraph a, ComputationGraph b) {
    return a.params().sub(b.params()).amaxNumber().doubleValue();
  }

  @Test
  void oneWorkerOnSparkEqualsTheSingleProcessTrainer() throws Exception {
    TrainerConfig t = TrainerFixtures.trainer(1, 4, 2, 3, 7);
    double d = maxDiff(fitOnSpark(t, List.of(data)), fitLocally(t, data));
    System.out.println("1 worker vs local: max |diff| " + d);
    // Rounds of 3 steps round-trip parameters and Adam state through float[]: exact.
    assertTrue(d == 0.0, "max |diff| " + d);
  }

  @Test
  void twoThreadsPerWorkerTakeTheStepsOfOneBitForBit() throws Exception {
    // Two workers with different data, 4 micro-batches per step: replicas run them 2 at a time on each worker.
    TrainerConfig t = TrainerFixtures.trainer(2, 4, 4, 2, 3);
    List<List<BertExample>> workers = List.of(new ArrayList<>(data.subList(0, 40)),
        new ArrayList<>(data.subList(40, 80)));
    ComputationGraph one = fitOnSpark(t, workers);
    ComputationGraph two = fitOnSpark(t.withThreadsPerWorker(2), workers);
    assertTrue(maxDiff(one, TrainerFixtures.graph(t, 42)) > 1e-4, "parameters moved");
    assertTrue(java.util.Arrays.equals(one.params().data().asFloat(), two.params().data().asFloat()),
        "max |diff| " + maxDiff(one, two));
    assertTrue(java.util.Arrays.equals(one.getUpdater().getStateViewArray().data().asFloat(),
        two.getUpdater().getStateViewArray().data().asFloat()), "Adam state");
  }

  @Test
  void identicalDataOnTwoWorkersEqualsOneWorker() throws Exception {
    TrainerConfig one = TrainerFixtures.trainer(1, 4, 2, 3, 6);
    TrainerConfig two = TrainerFixtures.trainer(2, 4, 2, 3, 6);
    ComputationGraph a = fitOnSpark(one, List.of(data));
    ComputationGraph b = fitOnSpark(two, List.of(data, data));
    double d = maxDiff(a, b);
    System.out.println("2 identical workers vs 1: max |diff| " + d);
    assertTrue(d < 1e-6, "max |diff| " + d);
  }

  @Test
  void sixIdenticalWorkersEqualOneWorker() throws Exception {
    TrainerConfig one = TrainerFixtures.trainer(1, 4, 1, 2, 4);
    TrainerConfig six = TrainerFixtures.trainer(6, 4, 1, 2, 4);
    ComputationGraph a = fitOnSpark(one, List.of(data));
    ComputationGraph b = fitOnSpark(six, List.of(data, data, data, data, data, data));
    double d = maxDiff(a, b);
    System.out.println("6 identical workers vs 1: max |diff| " + d);
    // Six equal floats summed and divided by 6 round; the rest is exact.
    assertTrue(d < 1e-6, "max |diff| " + d);
  }

  @Test
  void resultsInManySmallChunksFromThreeWorkersEqualTheOnePiecePathBitForBit() throws Exception {
    // Three workers on different data: sums of three different floats, where the order of the additions matters.
    List<List<BertExample>> workers = List.of(new ArrayList<>(data.subList(0, 30)),
        new ArrayList<>(data.subList(30, 55)), new ArrayList<>(data.subList(55, 80)));
    TrainerConfig t = TrainerFixtures.trainer(3, 4, 1, 2, 4);
    ComputationGraph onePiece = fitOnSpark(t, workers, Integer.MAX_VALUE);
    // 7,919 floats: a prime, so chunks straddle the parameters' end and the last one is short; dozens per worker.
    ComputationGraph chunked = fitOnSpark(t, workers, 7_919);
    assertTrue(FlatState.of(chunked).size() / 7_919 > 20, "many chunks per worker");
    org.junit.jupiter.api.Assertions.assertArrayEquals(FlatState.of(onePiece).values(), FlatState.of(chunked).values(),
        "parameters and Adam moments");
    ComputationGraph fresh = TrainerFixtures.graph(t, 42);
    assertTrue(maxDiff(fresh, chunked) > 0, "the run trained");
  }

  @Test
  void blocksAreListedWhileHeldAndRemovedAfterTheSumAndAMissingBlockFailsTheSum() {
    ComputationGraph g = TrainerFixtures.graph(TrainerFixtures.trainer(1, 4, 1, 1, 1), 42);
    FlatState expected = FlatState.of(g);
    String prefix = RoundResultBlocks.runPrefix("test") + "r0-";
    List<String> a = RoundResultBlocks.put(prefix + "p0-a0-", g, 5_000);
    List<String> b = RoundResultBlocks.put(prefix + "p1-a0-", g, 5_000);
    assertEquals(a.size() + b.size(), RoundResultBlocks.localNames(prefix).size(), "held blocks are listed");
    assertTrue(RoundResultBlocks.masterKnows(a.get(0)));
    FlatState sum = new FlatState(expected.paramCount(), new float[expected.size()]);
    RoundResultBlocks.averageInto(sum, List.of(a, b), 5_000);
    FlatStates.add(expected, FlatState.of(g));
    FlatStates.divide(expected, 2);
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected.values(), sum.values());
    assertEquals(List.of(), RoundResultBlocks.localNames(prefix), "removed after the sum");
    for (String name : a) {
      assertTrue(org.apache.spark.SparkEnv.get().blockManager()
          .getStatus(new org.apache.spark.storage.TestBlockId(name)).isEmpty(), name);
      assertTrue(!RoundResultBlocks.masterKnows(name), name);
    }

    // A worker's block lost before the driver reads it: the sum fails, naming it, and removes the others.
    List<String> c = RoundResultBlocks.put(prefix + "p0-a1-", g, 5_000);
    List<String> d = RoundResultBlocks.put(prefix + "p1-a1-", g, 5_000);
    org.apache.spark.SparkEnv.get().blockManager().removeBlock(new org.apache.spark.storage.TestBlockId(d.get(1)),
        true);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> RoundResultBlocks.averageInto(sum, List.of(c, d), 5_000));
    assertTrue(e.getMessage().contains(d.get(1)), e.getMessage());
    assertEquals(List.of(), RoundResultBlocks.localNames(prefix), "removed after a failed sum too");

    // A failed round: blocks of finished tasks that were not summed are removed, the summed ones are not asked for.
    List<String> e1 = RoundResultBlocks.put(prefix + "p2-a2-", g, 5_000);
    RoundResultBlocks.removeAllBut(e1, java.util.Set.of());
    assertEquals(List.of(), RoundResultBlocks.localNames(prefix));
  }

  @Test
  void aFailedRoundLeavesNoBlocks() throws Exception {
    // Worker 1's examples make its first step fail; worker 0 finishes (stores its blocks) or is killed, by timing.
    List<BertExample> good = new ArrayList<>(data.subList(0, 40));
    List<BertExample> bad = new ArrayList<>(data.subList(40, 80));
    java.util.Set<Long> poison = new java.util.HashSet<>();
    bad.forEach(e -> poison.add(TrainerFixtures.objective().exampleId(e)));
    TrainerConfig t = TrainerFixtures.trainer(2, 4, 1, 2, 2);
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        new FailingObjective(TrainerFixtures.objective(), poison));
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    org.apache.spark.SparkException e = assertThrows(org.apache.spark.SparkException.class,
        () -> trainer.fit(sc, sc.parallelize(List.of(good, bad), 2), g, 0, (steps, graph) -> { }));
    assertTrue(e.getMessage().contains("injected failure"), e.getMessage());
    // A killed task may still be running its steps: wait until the executor is idle.
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (java.util.Arrays.stream(sc.sc().statusTracker().getExecutorInfos()).anyMatch(x -> x.numRunningTasks() > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(List.of(), RoundResultBlocks.localNames("sparkpretrain-"), "blocks of a failed round");
  }

  /** The BERT objective, failing on any micro-batch that holds one of the poisoned examples. */
  private record FailingObjective(BertTrainingObjective delegate, java.util.Set<Long> poison)
      implements TrainingObjective<BertExample> {
    @Override
    public ComputationGraph build(dev.sparkpretrain.model.TransformerConfig model,
        dev.sparkpretrain.model.OptimizerConfig optimizer, long seed) {
      return delegate.build(model, optimizer, seed);
    }

    @Override
    public BertExample fromRow(org.apache.spark.sql.Row row) {
      return delegate.fromRow(row);
    }

    @Override
    public long exampleId(BertExample example) {
      return delegate.exampleId(example);
    }

    @Override
    public BertExample forEpoch(BertExample example, long seed, int epoch) {
      return delegate.forEpoch(example, seed, epoch);
    }

    @Override
    public List<org.nd4j.linalg.dataset.api.MultiDataSet> microBatches(List<List<BertExample>> microBatches) {
      return delegate.microBatches(microBatches);
    }

    @Override
    public long tokens(List<BertExample> batch) {
      for (BertExample e : batch) {
        if (poison.contains(delegate.exampleId(e))) {
          throw new IllegalStateException("injected failure");
        }
      }
      return delegate.tokens(batch);
    }

    @Override
    public TrainingObjective.Evaluation evaluate(ComputationGraph graph, List<BertExample> batch) {
      return delegate.evaluate(graph, batch);
    }
  }
}
