package dev.sparkpretrain.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * A real Spark standalone cluster on this machine: one master and {@code workers} workers, each its own JVM, whose
 * executors are JVMs again, started by the workers as on any standalone cluster. Unlike local mode, everything that
 * crosses the driver/executor boundary is serialized (task closures, broadcasts, shuffle and task results, blocks
 * fetched from another JVM), so this is where serialization bugs that local mode hides show up.
 *
 * <p>Spark's launcher wants a {@code SPARK_HOME} with a {@code jars/} directory; an empty one is made under
 * {@code dir}, and the executors get this JVM's class path (the Maven test class path: Spark, DL4J and the
 * project's modules) through {@code spark.executor.extraClassPath}, so no Spark distribution is needed.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+)");
  private static final long START_TIMEOUT_MS = 120_000;

  private final Path dir;
  private final String classPath;
  private final List<String> javaOptions;
  private final List<Process> processes = new ArrayList<>();
  private final String masterUrl;
  private final int cores;

  private StandaloneCluster(Path dir, int workers, int coresPerWorker, String workerMemory) throws IOException {
    this.dir = dir;
    this.cores = workers * coresPerWorker;
    this.classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    // The module opens Spark needs on Java 17 and the Vector API module, as this JVM got them (surefire's argLine).
    this.javaOptions = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-Djdk.reflect"))
        .toList();
    Files.createDirectories(dir.resolve("spark-home/jars"));
    // The master and workers log at INFO to their own files (the tests' log configuration is quieter), which is
    // where the lines this class waits for come from.
    Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
        "rootLogger.level = info", "rootLogger.appenderRef.stdout.ref = console", "appender.console.type = Console",
        "appender.console.name = console", "appender.console.target = SYSTEM_OUT",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex", ""));
    Process master = launch("master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
        "--port", "0", "--webui-port", "0"));
    Matcher m = awaitLog("master", MASTER_URL, master);
    masterUrl = m.group(1);
    for (int i = 0; i < workers; i++) {
      String name = "worker-" + i;
      Process worker = launch(name, List.of("org.apache.spark.deploy.worker.Worker", masterUrl, "--host",
          "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", String.valueOf(coresPerWorker), "--memory",
          workerMemory, "--work-dir", dir.resolve(name).toString()));
      awaitLog(name, Pattern.compile("Successfully registered with master"), worker);
    }
  }

  /** Starts a master and {@code workers} workers; waits until every worker has registered. */
  public static StandaloneCluster start(Path dir, int workers, int coresPerWorker, String workerMemory)
      throws IOException {
    return new StandaloneCluster(dir, workers, coresPerWorker, workerMemory);
  }

  public String masterUrl() {
    return masterUrl;
  }

  /**
   * Settings for a driver in this JVM: the master, the executors' class path and memory, all the cluster's cores,
   * and a driver address the executors can reach.
   */
  public SparkConf driverConf(SparkConf conf, String executorMemory) {
    return conf.setMaster(masterUrl)
        .set("spark.executor.extraClassPath", classPath)
        .set("spark.executor.memory", executorMemory)
        .set("spark.cores.max", String.valueOf(cores))
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false");
  }

  /** The logs of the master, the workers and (under each worker's directory) the executors. */
  public Path dir() {
    return dir;
  }

  private Process launch(String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOptions);
    cmd.add("-Xmx256m");
    cmd.add("-Dlog4j.configurationFile=" + dir.resolve("log4j2.properties").toUri());
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", dir.resolve("spark-home").toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOG_DIR", dir.toString());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private Matcher awaitLog(String name, Pattern pattern, Process process) throws IOException {
    Path log = dir.resolve(name + ".log");
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      if (Files.exists(log)) {
        Matcher m = pattern.matcher(Files.readString(log, StandardCharsets.UTF_8));
        if (m.find()) {
          return m;
        }
      }
      if (!process.isAlive()) {
        close();
        throw new IllegalStateException("Spark " + name + " exited with " + process.exitValue() + "; log: " + log);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting the Spark " + name, e);
      }
    }
    close();
    throw new IllegalStateException("Spark " + name + " did not start within " + START_TIMEOUT_MS / 1000
        + " s; log: " + log);
  }

  /** Stops the workers (and with them their executors) and the master, and waits for the processes to end. */
  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }
}
