package dev.sparkpretrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.jobs.prepare.PrepareJob;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The settings the commands start Spark with, and that settings given to Spark win over them. */
class SessionsTest {
  @Test
  void executorsGetTheCpuBackendsEnvironment() {
    SparkConf conf = Sessions.conf("test", 2, Map.of());
    assertEquals("1", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
    assertEquals("PASSIVE", conf.get("spark.executorEnv.OMP_WAIT_POLICY"));
    assertEquals("false", conf.get("spark.broadcast.compress"));
    assertEquals("local[2]", conf.get("spark.master"));
  }

  @Test
  void executorsGetTheVectorApiModuleBesideTheUsersOptions() {
    assertEquals("--add-modules=jdk.incubator.vector",
        Sessions.conf("test", 2, Map.of()).get("spark.executor.extraJavaOptions"));
    SparkConf given = new SparkConf(false).set("spark.executor.extraJavaOptions", "-Xss4m");
    SparkConf conf = Sessions.conf(given, "test", 2, Map.of(), Map.of());
    assertEquals("-Xss4m --add-modules=jdk.incubator.vector", conf.get("spark.executor.extraJavaOptions"));
    assertEquals("-Xss4m --add-modules=jdk.incubator.vector",
        Sessions.conf(conf, "test", 2, Map.of(), Map.of()).get("spark.executor.extraJavaOptions"), "added once");
  }

  @Test
  void settingsGivenToSparkOverrideTheDefaults() {
    String key = "spark.executorEnv.OMP_NUM_THREADS";
    System.setProperty(key, "4");
    System.setProperty("spark.kryoserializer.buffer.max", "512m");
    try {
      SparkConf conf = Sessions.conf("test", 2, Map.of("spark.kryoserializer.buffer.max", "1325m",
          "spark.driver.maxResultSize", "2906m"));
      assertEquals("4", conf.get(key));
      assertEquals("512m", conf.get("spark.kryoserializer.buffer.max"), "a -D setting wins over a command's default");
      assertEquals("2906m", conf.get("spark.driver.maxResultSize"));
    } finally {
      System.clearProperty(key);
      System.clearProperty("spark.kryoserializer.buffer.max");
    }
  }

  @Test
  void localDefaultsApplyInLocalModeOnly() {
    // A key of its own: the test JVM itself runs with -Dspark.ui.enabled=false (pom.xml).
    String key = "spark.pretrain.test.localOnly";
    Map<String, String> local = Map.of(key, "false");
    assertEquals("false", Sessions.conf("test", 2, Map.of(), local).get(key));
    System.setProperty("spark.master", "spark://cluster:7077");
    try {
      assertEquals(false, Sessions.conf("test", 2, Map.of(), local).contains(key));
    } finally {
      System.clearProperty("spark.master");
    }
    System.setProperty(key, "true");
    try {
      assertEquals("true", Sessions.conf("test", 2, Map.of(), local).get(key), "a -D setting wins");
    } finally {
      System.clearProperty(key);
    }
    assertEquals("false", PrepareJob.LOCAL_SESSION_DEFAULTS.get("spark.ui.enabled"));
  }
}
