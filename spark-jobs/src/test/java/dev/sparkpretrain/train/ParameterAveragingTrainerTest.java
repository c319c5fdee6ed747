package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.objective.BertExample;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Spark trainer against the single-process arithmetic, on a real local[2] session. */
class ParameterAveragingTrainerTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static List<BertExample> data = TrainerFixtures.examples(80, 5);

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("ParameterAveragingTrainerTest")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static ComputationGraph fitOnSpark(TrainerConfig t, List<List<BertExample>> workers) throws Exception {
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        TrainerFixtures.objective());
    JavaRDD<List<BertExample>> rdd = sc.parallelize(workers, workers.size());
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    trainer.fit(sc, rdd, g, 0, (steps, graph) -> { });
    return g;
  }

  /** The single-process reference: the same cursor, the same optimizer step, no Spark. */
  static ComputationGraph fitLocally(TrainerConfig t, List<BertExample> examples) {
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    ParameterAveragingTrainer.DataCursor<BertExample> cursor = new ParameterAveragingTrainer.DataCursor<>(examples,
        11, 0);
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
  void identicalDataOnTwoWorkersEqualsOneWorker() throws Exception {
    TrainerConfig one = TrainerFixtures.trainer(1, 4, 2, 3, 6);
    TrainerConfig two = TrainerFixtures.trainer(2, 4, 2, 3, 6);
    ComputationGraph a = fitOnSpark(one, List.of(data));
    ComputationGraph b = fitOnSpark(two, List.of(data, data));
    double d = maxDiff(a, b);
    System.out.println("2 identical workers vs 1: max |diff| " + d);
    assertTrue(d < 1e-6, "max |diff| " + d);
  }
}
