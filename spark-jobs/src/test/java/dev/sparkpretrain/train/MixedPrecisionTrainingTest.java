package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.config.TrainerConfig.Precision;
import dev.sparkpretrain.objective.BertExample;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The Spark trainer with a low-precision compute copy on each worker (CPU backend: logic, not speed). */
class MixedPrecisionTrainingTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static List<BertExample> data = TrainerFixtures.examples(80, 5);

  @BeforeAll
  static void start() {
    spark = LocalSpark.session("MixedPrecisionTrainingTest", 8);
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<ParameterAveragingTrainer.StepMetrics> fit(TrainerConfig t, LossScaler scaler, ComputationGraph g,
      int workers) throws Exception {
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, 11,
        TrainerFixtures.objective());
    if (scaler != null) {
      trainer.lossScaler(scaler);
    }
    List<ParameterAveragingTrainer.StepMetrics> seen = new ArrayList<>();
    List<List<BertExample>> parts = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      parts.add(data);
    }
    trainer.fit(sc, sc.parallelize(parts, workers), g, 0, (steps, graph) -> seen.addAll(steps));
    return seen;
  }

  @Test
  void overflowsInTheFp16CopySkipStepsHalveTheScaleAndKeepTheMasterWeights() throws Exception {
    TrainerConfig t = TrainerFixtures.trainer(2, 4, 1, 2, 2).withPrecision(Precision.FP16);
    ComputationGraph g = TrainerFixtures.graph(t, 42);
    INDArray before = g.params().dup();
    // FP16's largest finite value is 65504: with a loss scale of 2^40 the backward pass overflows at once.
    List<ParameterAveragingTrainer.StepMetrics> seen = fit(t, new LossScaler(Math.pow(2, 40), 0, 1000, 1.0), g, 2);
    assertEquals(0.0, before.sub(g.params()).amaxNumber().doubleValue(), "skipped steps change no master weight");
    assertEquals(List.of(Math.pow(2, 40), Math.pow(2, 39)),
        seen.stream().map(ParameterAveragingTrainer.StepMetrics::lossScale).toList(), "halved after each overflow");
  }

  /**
   * A few real steps in each low precision track the FP32 run. FP16 starts at the usual scale 2^16, at which this
   * model's backward overflows: the first steps are skipped with the scale halved until they fit, as designed.
   */
  @Test
  void realLowPrecisionStepsTrackFp32() throws Exception {
    TrainerConfig fp32 = TrainerFixtures.trainer(1, 4, 1, 4, 4);
    long t0 = System.nanoTime();
    List<ParameterAveragingTrainer.StepMetrics> ref = fit(fp32, null, TrainerFixtures.graph(fp32, 42), 1);
    long t1 = System.nanoTime();
    List<ParameterAveragingTrainer.StepMetrics> fp16 = fit(fp32.withPrecision(Precision.FP16), LossScaler.initial(1000),
        TrainerFixtures.graph(fp32, 42), 1);
    long t2 = System.nanoTime();
    List<ParameterAveragingTrainer.StepMetrics> bf16 = fit(fp32.withPrecision(Precision.BF16), null,
        TrainerFixtures.graph(fp32, 42), 1);
    long t3 = System.nanoTime();
    // Indicative only (one round each, model builds included): the CPU backend's half kernels are the slow part.
    System.out.printf("4 steps on the CPU backend: fp32 %.1f s, fp16 %.1f s, bf16 %.1f s%n", (t1 - t0) / 1e9,
        (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    for (int i = 0; i < ref.size(); i++) {
      System.out.printf("step %d: loss fp32 %.5f, fp16 %.5f (scale %.0f, grad norm %.3f), bf16 %.5f%n", i + 1,
          ref.get(i).loss(), fp16.get(i).loss(), fp16.get(i).lossScale(), fp16.get(i).gradNorm(), bf16.get(i).loss());
      // BF16 has FP32's range: no loss scaling, every step applied; 8 significant bits keep the loss within 1%.
      assertEquals(ref.get(i).loss(), bf16.get(i).loss(), 0.01 * ref.get(i).loss(), "bf16 loss, step " + (i + 1));
      assertTrue(Double.isFinite(fp16.get(i).loss()), "fp16 forward pass finite, step " + (i + 1));
    }
    // Same weights before the first step: FP16 rounding moves the loss by far less than 1%.
    assertEquals(ref.get(0).loss(), fp16.get(0).loss(), 0.01 * ref.get(0).loss());
    List<Double> scales = fp16.stream().map(ParameterAveragingTrainer.StepMetrics::lossScale).toList();
    for (int i = 1; i < scales.size(); i++) {
      boolean overflowed = !Double.isFinite(fp16.get(i - 1).gradNorm());
      assertEquals(overflowed ? scales.get(i - 1) / 2 : scales.get(i - 1), scales.get(i), "scale after step " + i);
    }
    assertTrue(Double.isFinite(fp16.get(fp16.size() - 1).gradNorm()), "fp16 steps are applied once the scale fits");
  }
}
