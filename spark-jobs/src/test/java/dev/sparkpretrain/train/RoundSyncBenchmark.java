package dev.sparkpretrain.train;

import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.TransformerConfig;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Benchmark (not a test): the synchronisation of a trainer round without the training steps, on bert-mini with the
 * demo's 4,000-piece vocabulary (4.45 M parameters, 53 MB of parameters ‖ Adam moments), 2 workers on local[2]:
 * broadcast, each worker copies the state into its graph and sends it back, the driver sums, divides and writes the
 * graph. "task result" = each worker's {@link FlatState} as its task result, summed by {@code reduce} (the trainer
 * before the block path); "blocks" = {@link RoundResultBlocks} (the trainer now). The two alternate round by round in
 * one JVM, so both see the same machine load. Prints the median wall and process CPU seconds per round.
 *
 * <pre>
 * java $OPENS -Xmx6g -cp spark-jobs/target/test-classes:spark-jobs/target/classes:$(cat spark-jobs/target/local-classpath.txt) \
 *   dev.sparkpretrain.train.RoundSyncBenchmark 15
 * </pre>
 */
public final class RoundSyncBenchmark {
  private RoundSyncBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    SparkSession spark = LocalSpark.session("RoundSyncBenchmark", 8, Map.of(
        "spark.broadcast.compress", "false", "spark.task.maxDirectResultSize", "128m"));
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    TrainerConfig t = TrainerFixtures.trainer(2, 16, 1, 10, 40);
    ComputationGraph graph = BertModel.build(TransformerConfig.preset("bert-mini").withVocabSize(4000),
        TrainJob.optimizer(t), 1);
    Broadcast<String> conf = sc.broadcast(graph.getConfiguration().toJson());
    FlatState start = FlatState.of(graph);
    System.out.printf(Locale.ROOT, "bert-mini: %,d parameters, state %,d floats%n", graph.numParams(), start.size());
    JavaRDD<Integer> workers = sc.parallelize(List.of(0, 1), 2);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<double[]> taskResult = new ArrayList<>();
    List<double[]> blocks = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      for (int way = 0; way < 2; way++) {
        boolean viaBlocks = (r + way) % 2 == 1; // alternate which goes first
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Broadcast<FlatState> b = sc.broadcast(start);
        if (viaBlocks) {
          String prefix = RoundResultBlocks.runPrefix("bench") + "r" + r + "-";
          List<List<String>> names = workers.mapPartitionsWithIndex((w, it) -> {
            ComputationGraph g = ExecutorModels.borrow(conf.value());
            try {
              b.value().copyInto(g);
              return Collections.singletonList(RoundResultBlocks.put(prefix + "p" + w + "-", g,
                  RoundResultBlocks.DEFAULT_CHUNK_FLOATS)).iterator();
            } finally {
              ExecutorModels.giveBack(conf.value(), g);
            }
          }, true).collect();
          RoundResultBlocks.averageInto(start, names, RoundResultBlocks.DEFAULT_CHUNK_FLOATS);
        } else {
          FlatState sum = workers.mapPartitions(it -> {
            ComputationGraph g = ExecutorModels.borrow(conf.value());
            try {
              b.value().copyInto(g);
              return Collections.singletonList(FlatState.of(g)).iterator();
            } finally {
              ExecutorModels.giveBack(conf.value(), g);
            }
          }, true).reduce((x, y) -> {
            FlatStates.add(x, y);
            return x;
          });
          start = sum;
          FlatStates.divide(start, 2);
        }
        b.destroy();
        start.copyInto(graph);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        if (r >= 2) { // the first rounds build the workers' graphs and warm the JIT
          (viaBlocks ? blocks : taskResult).add(new double[] {wall, cpu});
        }
      }
    }
    print("task result", taskResult);
    print("blocks", blocks);
    spark.stop();
  }

  private static void print(String name, List<double[]> runs) {
    double[] wall = runs.stream().mapToDouble(x -> x[0]).sorted().toArray();
    double[] cpu = runs.stream().mapToDouble(x -> x[1]).sorted().toArray();
    System.out.printf(Locale.ROOT, "%-12s rounds %d: wall median %.3f s (min %.3f, max %.3f), CPU median %.3f s "
        + "(min %.3f, max %.3f)%n  wall %s%n", name, runs.size(), wall[wall.length / 2], wall[0],
        wall[wall.length - 1], cpu[cpu.length / 2], cpu[0], cpu[cpu.length - 1], Arrays.toString(wall));
  }
}
