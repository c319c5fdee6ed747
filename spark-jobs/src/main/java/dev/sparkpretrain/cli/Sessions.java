package dev.sparkpretrain.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Spark sessions for the commands: the cluster's settings under spark-submit, local mode otherwise. */
public final class Sessions {
  private Sessions() {}

  static SparkSession open(String appName, int localThreads) {
    return open(appName, localThreads, java.util.Map.of());
  }

  /** A session with a command's own defaults, which settings given to Spark (spark-submit, -D) override. */
  static SparkSession open(String appName, int localThreads, java.util.Map<String, String> defaults) {
    return open(appName, localThreads, defaults, java.util.Map.of());
  }

  /** The same, with defaults that only a local-mode session takes ({@code local}, {@code local[N]}). */
  static SparkSession open(String appName, int localThreads, java.util.Map<String, String> defaults,
      java.util.Map<String, String> localDefaults) {
    return SparkSession.builder().config(conf(appName, localThreads, defaults, localDefaults)).getOrCreate();
  }

  /** The configuration {@link #open} starts Spark with. */
  static SparkConf conf(String appName, int localThreads, java.util.Map<String, String> defaults) {
    return conf(appName, localThreads, defaults, java.util.Map.of());
  }

  /** The configuration {@link #open} starts Spark with, {@code localDefaults} included in local mode. */
  static SparkConf conf(String appName, int localThreads, java.util.Map<String, String> defaults,
      java.util.Map<String, String> localDefaults) {
    return conf(new SparkConf(true), appName, localThreads, defaults, localDefaults);
  }

  /**
   * The commands' settings added to {@code conf} (what spark-submit or -D options gave): local mode with
   * {@code localThreads} threads (0: all cores) when it names no master, with {@code localDefaults} then. Tests use
   * it to run a command's job on a cluster exactly as the command would.
   */
  public static SparkConf conf(SparkConf conf, String appName, int localThreads,
      java.util.Map<String, String> defaults, java.util.Map<String, String> localDefaults) {
    conf.setAppName("spark-pretrain " + appName);
    defaults.forEach(conf::setIfMissing);
    if (conf.get("spark.master", "local").startsWith("local")) {
      localDefaults.forEach(conf::setIfMissing);
    }
    if (!conf.contains("spark.master")) {
      conf.setMaster(localThreads > 0 ? "local[" + localThreads + "]" : "local[*]");
      conf.setIfMissing("spark.ui.showConsoleProgress", "false");
      conf.setIfMissing("spark.sql.shuffle.partitions", "8");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", dev.sparkpretrain.RecordKryoRegistrator.class.getName());
    // Above this size (default 1 MB) a task result goes through the block manager and is fetched back over the
    // network, even in local mode; the direct path is capped by spark.rpc.message.maxSize (128 MB). Set when the
    // trainer's workers returned their parameters + Adam state as task results (sync per round ~4 s -> ~1 s on
    // bert-mini, docs/BENCHMARKS.md); they now leave them as blocks (train.RoundResultBlocks) and return a few
    // hundred bytes, but other jobs' larger results (e.g. tokenizer counts) still take the direct path.
    conf.setIfMissing("spark.task.maxDirectResultSize", "128m");
    // The trainer broadcasts parameters + Adam state every round: float bits that LZ4 cannot shrink, so compressing
    // them only costs time (bert-mini, 50 MB: ~100 ms of CPU per broadcast with LZ4, ~75 ms without; the other
    // broadcasts, tokenizers and task closures, are small either way). docs/BENCHMARKS.md.
    conf.setIfMissing("spark.broadcast.compress", "false");
    // Executors started by a cluster manager get the environment ND4J's CPU backend reads when it loads, as
    // bin/pretrain exports it in local mode: one OpenMP thread per task (a task per executor core) and idle OpenMP
    // threads that sleep instead of spinning (model/.../CpuBackendEnvironment.java). OPENBLAS_CORETYPE depends on the
    // executors' CPUs, which the driver cannot see: README, "On a cluster".
    conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
    conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
    // The Vector API module for model/'s element-wise kernels (ops/VectorKernels: 2-3x faster than the heap-copy
    // kernels they fall back to without it), added to whatever executor options the user gave. Local mode runs in
    // this JVM, whose launcher adds it (bin/pretrain, the poms' test.jvm.args).
    String options = conf.get(EXECUTOR_JAVA_OPTIONS, "").trim();
    if (!options.contains(VECTOR_MODULE)) {
      conf.set(EXECUTOR_JAVA_OPTIONS, (options + " " + VECTOR_MODULE).trim());
    }
    return conf;
  }

  private static final String EXECUTOR_JAVA_OPTIONS = "spark.executor.extraJavaOptions";
  static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
}
