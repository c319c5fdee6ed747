package dev.sparkpretrain.bench;

import org.apache.spark.sql.SparkSession;

/**
 * The local[2] session of this module: two workers in one JVM, no UI, loopback only, the CLI's result size and
 * uncompressed broadcasts (both trainers broadcast parameters every round).
 */
final class BenchSpark {
  private BenchSpark() {}

  static SparkSession session(String appName) {
    // dl4j-spark asks an NTP server for its timing statistics unless told to use the system clock.
    System.setProperty("org.deeplearning4j.spark.time.TimeSource",
        "org.deeplearning4j.spark.time.SystemClockTimeSource");
    return SparkSession.builder().master("local[2]").appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.task.maxDirectResultSize", System.getProperty("spark.task.maxDirectResultSize", "128m"))
        .config("spark.broadcast.compress", System.getProperty("spark.broadcast.compress", "false"))
        .getOrCreate();
  }
}
