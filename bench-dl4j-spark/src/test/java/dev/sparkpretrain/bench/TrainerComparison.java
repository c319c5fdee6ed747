package dev.sparkpretrain.bench;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.train.BertTrainingObjective;
import dev.sparkpretrain.train.ParameterAveragingTrainer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Our {@link ParameterAveragingTrainer} beside DL4J's {@code ParameterAveragingTrainingMaster} on the same model,
 * the same worker partitions of the same examples, the same micro-batch size and averaging frequency and the same
 * number of examples: each worker trains {@code averaging_frequency} batches of {@code micro_batch_size} per round.
 *
 * <p>DL4J's master runs as its documentation recommends: the RDD of {@code MultiDataSet}s is exported to files
 * once ({@code RDDTrainingApproach.Export}, its default), and each round's workers rebuild the network from the
 * broadcast configuration and parameters. Ours keeps one graph per executor and reads examples straight from the
 * partitions. Neither collects training statistics.
 */
final class TrainerComparison {
  private TrainerComparison() {}

  /**
   * Wall time of one trainer on a number of examples; {@code syncFractions}: per round, the share of wall time
   * outside the slowest worker's optimizer steps (ours only; empty for DL4J, which does not report it).
   */
  record Throughput(String trainer, long examples, long tokens, double seconds, List<Double> syncFractions) {
    double examplesPerSecond() {
      return examples / seconds;
    }

    double tokensPerSecond() {
      return tokens / seconds;
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT,
          "%s: %d examples, %d tokens in %.1f s: %.1f examples/s, %.0f tokens/s%s", trainer, examples, tokens, seconds,
          examplesPerSecond(), tokensPerSecond(), syncFractions.isEmpty() ? "" : ", sync_fraction per round "
              + syncFractions.stream().map(f -> String.format(java.util.Locale.ROOT, "%.1f%%", 100 * f)).toList());
    }
  }

  /** Trains {@code graph} in place with our trainer for {@code t.maxSteps()} steps. */
  static Throughput ours(JavaSparkContext sc, JavaRDD<List<BertExample>> workers, ComputationGraph graph,
      TrainerConfig t, BertTrainingObjective objective, long seed) throws Exception {
    ParameterAveragingTrainer<BertExample> trainer = new ParameterAveragingTrainer<>(t, seed, objective);
    long[] tokens = {0};
    List<Double> sync = new ArrayList<>();
    long t0 = System.nanoTime();
    trainer.fit(sc, workers, graph, 0, (steps, g) -> {
      steps.forEach(s -> tokens[0] += s.tokens());
      sync.add(steps.get(0).syncFraction());
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    long examples = (long) t.maxSteps() * t.workers() * t.gradientAccumulation() * t.microBatchSize();
    return new Throughput("ours (ParameterAveragingTrainer)", examples, tokens[0], seconds, sync);
  }

  /**
   * Trains {@code graph} with DL4J's master on the first {@code t.maxSteps()} micro-batches of each worker's
   * examples (in their stored order), one epoch over that RDD.
   */
  static Throughput dl4j(JavaSparkContext sc, JavaRDD<List<BertExample>> workers, ComputationGraph graph,
      TrainerConfig t, BertTrainingObjective objective, String exportDirectory) {
    int micro = t.microBatchSize();
    int steps = t.maxSteps();
    JavaRDD<List<BertExample>> batches = workers.flatMap(examples -> batches(examples, micro, steps).iterator());
    long tokens = batches.map(objective::tokens).reduce(Long::sum);
    JavaRDD<MultiDataSet> data = batches.map(b -> objective.microBatches(List.of(b)).get(0));
    ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(micro)
        .batchSizePerWorker(micro)
        .averagingFrequency(t.averagingFrequency())
        .saveUpdater(true) // average Adam's state too, as ours does
        .workerPrefetchNumBatches(0)
        .repartionData(Repartition.Never) // the partitions already are the workers'
        .exportDirectory(exportDirectory)
        .collectTrainingStats(false)
        .rngSeed(1)
        .build();
    SparkComputationGraph spark = new SparkComputationGraph(sc, graph, master);
    long t0 = System.nanoTime();
    spark.fitMultiDataSet(data);
    double seconds = (System.nanoTime() - t0) / 1e9;
    graph.setParams(spark.getNetwork().params());
    return new Throughput("DL4J ParameterAveragingTrainingMaster", (long) steps * t.workers() * micro, tokens,
        seconds, List.of());
  }

  /** {@code count} consecutive batches of {@code size}, wrapping around {@code examples}. */
  static List<List<BertExample>> batches(List<BertExample> examples, int size, int count) {
    List<List<BertExample>> out = new ArrayList<>(count);
    int next = 0;
    for (int b = 0; b < count; b++) {
      List<BertExample> batch = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        batch.add(examples.get(next));
        next = (next + 1) % examples.size();
      }
      out.add(batch);
    }
    return out;
  }
}
