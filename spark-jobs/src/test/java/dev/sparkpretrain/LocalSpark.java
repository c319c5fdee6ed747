package dev.sparkpretrain;

import org.apache.spark.sql.SparkSession;

/** The local[2] session the Spark tests share: no UI, loopback only, few shuffle partitions for small data. */
public final class LocalSpark {
  private LocalSpark() {}

  public static SparkSession session(String appName, int shufflePartitions) {
    return session(appName, shufflePartitions, java.util.Map.of());
  }

  /** With a command's own session defaults (e.g. {@code PrepareJob.SESSION_DEFAULTS}), as the CLI sets them. */
  public static SparkSession session(String appName, int shufflePartitions, java.util.Map<String, String> defaults) {
    SparkSession.Builder builder = SparkSession.builder();
    defaults.forEach(builder::config);
    return builder.master("local[2]").appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        // The serializer the commands use (cli.Sessions), so that tests shuffle and cache records as production does.
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", RecordKryoRegistrator.class.getName())
        .getOrCreate();
  }
}
