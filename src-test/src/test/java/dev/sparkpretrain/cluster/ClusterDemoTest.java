package dev.sparkpretrain.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.cli.Sessions;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo pipeline (WordPiece training, BERT shards, parameter-averaging training on 2 workers, evaluation) on a
 * real standalone cluster — master, worker and executor in their own JVMs, with the settings the CLI gives a
 * cluster session — against the same pipeline in local mode. Local mode hands broadcasts, closures and blocks
 * over in one JVM; here every one of them is serialized and, for the trainer's round results, fetched from
 * another JVM. The results must be the same: same vocabulary, same rows, same losses.
 */
class ClusterDemoTest {
  @TempDir static Path dir;
  static Demo.Result cluster;
  static Demo.Result local;
  static List<String> clusterRows;
  static List<String> localRows;

  @BeforeAll
  static void runBoth() throws Exception {
    PretrainConfig config = Demo.defaultConfig();
    config = config.withTrainer(config.trainer().withMaxSteps(20));
    try (StandaloneCluster c = StandaloneCluster.start(dir.resolve("cluster"), 1, 2, "3g")) {
      SparkConf conf = Sessions.conf(c.driverConf(new SparkConf(false), "2g"), "demo", 2, Map.of(), Map.of());
      cluster = runDemo(conf, config, dir.resolve("on-cluster"));
      clusterRows = rows(conf, dir.resolve("on-cluster"));
    }
    SparkConf conf = Sessions.conf(new SparkConf(false).set("spark.ui.enabled", "false"), "demo", 2, Map.of(),
        Map.of());
    local = runDemo(conf, config, dir.resolve("local"));
    localRows = rows(conf, dir.resolve("local"));
  }

  private static Demo.Result runDemo(SparkConf conf, PretrainConfig config, Path out) throws Exception {
    try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate()) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      Demo.Result r = Demo.run(spark, config, out, new PrintStream(buf, true, StandardCharsets.UTF_8));
      System.out.println(conf.get("spark.master") + ":\n" + buf.toString(StandardCharsets.UTF_8));
      return r;
    }
  }

  /** Every shard row of both splits as text, sorted: the set of rows, whatever the files. */
  private static List<String> rows(SparkConf conf, Path out) {
    try (SparkSession spark = SparkSession.builder().config(conf).getOrCreate()) {
      return spark.read().parquet(out.resolve("shards/train").toString(), out.resolve("shards/validation").toString())
          .collectAsList().stream().map(Row::toString).sorted().toList();
    }
  }

  @Test
  void theTokenizerIsTheSame() throws Exception {
    assertArrayEquals(Files.readAllBytes(local.tokenizerFile()), Files.readAllBytes(cluster.tokenizerFile()));
  }

  @Test
  void theShardsHoldTheSameRowsAndCounts() {
    assertTrue(localRows.size() > 1000, "the demo writes thousands of examples: " + localRows.size());
    assertEquals(localRows.size(), clusterRows.size());
    assertEquals(localRows, clusterRows);
    assertEquals(local.manifest().get("counts"), cluster.manifest().get("counts"));
  }

  @Test
  void trainingGivesTheSameLossesAndEvaluation() {
    assertEquals(20, cluster.training().step());
    assertEquals(local.training().firstLoss(), cluster.training().firstLoss(), "first loss");
    assertEquals(local.training().lastLoss(), cluster.training().lastLoss(), "last loss");
    assertEquals(local.training().evaluation(), cluster.training().evaluation());
    assertTrue(cluster.training().lastLoss() < cluster.training().firstLoss(), "the loss goes down");
  }
}
