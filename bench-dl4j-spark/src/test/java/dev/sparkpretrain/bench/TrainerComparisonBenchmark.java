package dev.sparkpretrain.bench;

import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.train.BertTrainingObjective;
import dev.sparkpretrain.train.ParameterAveragingTrainer;
import dev.sparkpretrain.train.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The benchmark of issue 6 (docs/BENCHMARKS.md): our trainer's throughput beside DL4J's
 * ParameterAveragingTrainingMaster, same model, shards, batch size and averaging frequency, in one run. Not a test:
 * it asserts nothing and runs only when {@code bench.shards} is set.
 *
 * <pre>
 * mvn -o -q -pl bench-dl4j-spark -am test -Dtest=TrainerComparisonBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dbench.shards=$PWD/target/demo/shards [-Dbench.config=conf/bench/bert-mini-averaging.yaml] [-Dbench.steps=30]
 * </pre>
 *
 * Each trainer first trains one round on a fresh model (JIT, ND4J initialisation, our executor's model instance),
 * then the timed run trains {@code bench.steps} steps from a fresh model with the same seed. Spark settings can be
 * varied with {@code -Dspark.*} properties (Spark reads them from the system properties).
 */
@EnabledIfSystemProperty(named = "bench.shards", matches = ".+")
class TrainerComparisonBenchmark {
  @Test
  void oursBesideDl4j() throws Exception {
    String shards = System.getProperty("bench.shards");
    Path configFile = Path.of(System.getProperty("bench.config", "../conf/bench/bert-mini-averaging.yaml"));
    int steps = Integer.getInteger("bench.steps", 30);
    PretrainConfig config = PretrainConfig.load(configFile);
    TrainerConfig t = config.trainer().withMaxSteps(steps);

    SparkSession spark = BenchSpark.session("TrainerComparisonBenchmark");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      ObjectNode manifest = TrainJob.readManifest(sc.hadoopConfiguration(), shards);
      BertTrainingObjective objective = (BertTrainingObjective) TrainJob.objective(manifest, shards);
      TransformerConfig model = TransformerConfig.preset(config.model().preset())
          .withVocabSize(manifest.path("tokenizer").path("vocab_size").asInt());
      JavaRDD<List<BertExample>> workers = new ParameterAveragingTrainer<>(t, config.seed(), objective)
          .workerData(spark.read().parquet(shards + "/train"));
      System.out.printf(Locale.ROOT, "bench: %s, sequence %d, %d workers x micro-batch %d, averaging every %d, %d steps,"
              + " examples per worker %s%n", config.model().preset(), manifest.path("sequence_length").asInt(),
          t.workers(), t.microBatchSize(), t.averagingFrequency(), steps, workers.map(List::size).collect());

      Path export = Files.createTempDirectory("dl4j-export");
      TrainerConfig warmUp = t.withMaxSteps(t.averagingFrequency());
      // The warm-up graphs have the timed run's configuration (learning-rate schedule included), so our executors'
      // model instance built in the warm-up is the one the timed run reuses, as in one long run.
      System.out.println("warm-up " + TrainerComparison.ours(sc, workers, graph(model, t, config), warmUp,
          objective, config.seed()));
      System.out.println("warm-up " + TrainerComparison.dl4j(sc, workers, graph(model, t, config), warmUp,
          objective, export.resolve("warm-up").toUri().toString()));
      TrainerComparison.Throughput ours = TrainerComparison.ours(sc, workers, graph(model, t, config), t, objective,
          config.seed());
      TrainerComparison.Throughput dl4j = TrainerComparison.dl4j(sc, workers, graph(model, t, config), t, objective,
          export.resolve("timed").toUri().toString());
      System.out.println("bench: " + ours);
      System.out.println("bench: " + dl4j);
      System.out.printf(Locale.ROOT, "bench: ours / DL4J = %.2fx (examples/s)%n",
          ours.examplesPerSecond() / dl4j.examplesPerSecond());
    } finally {
      spark.stop();
    }
  }

  private static ComputationGraph graph(TransformerConfig model, TrainerConfig t, PretrainConfig config) {
    return BertModel.build(model, TrainJob.optimizer(t), config.seed());
  }
}
