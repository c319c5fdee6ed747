package dev.sparkpretrain.train;

import dev.sparkpretrain.model.train.ReplicaPool;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Model instances kept alive in an executor JVM across rounds, so a round costs a parameter copy, not a graph
 * build. An executor running several tasks at once needs one instance per concurrent task, hence a pool per
 * configuration. This is the one piece of process-wide state in the trainer, and it is only a cache.
 */
final class ExecutorModels {
  private static final Map<String, Queue<ComputationGraph>> POOL = new ConcurrentHashMap<>();
  /** Replica pools (threads_per_worker > 1) by configuration and replica count; their threads live on with them. */
  private static final Map<String, Queue<ReplicaPool>> REPLICAS = new ConcurrentHashMap<>();

  private ExecutorModels() {}

  static ComputationGraph borrow(String configurationJson) {
    ComputationGraph g = POOL.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedQueue<>()).poll();
    if (g == null) {
      g = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
      g.init();
    }
    return g;
  }

  static void giveBack(String configurationJson, ComputationGraph g) {
    POOL.computeIfAbsent(configurationJson, k -> new ConcurrentLinkedQueue<>()).add(g);
  }

  /**
   * A pool of {@code replicas} replicas of a graph built from {@code configurationJson}, one thread each with one
   * native thread (see {@link ReplicaPool.NativeThreads#ONE_PER_REPLICA}; kept for the executor's lifetime).
   */
  static ReplicaPool borrowPool(String configurationJson, int replicas) {
    ReplicaPool p = REPLICAS.computeIfAbsent(replicas + ":" + configurationJson, k -> new ConcurrentLinkedQueue<>())
        .poll();
    return p != null ? p : ReplicaPool.of(borrow(configurationJson), replicas);
  }

  static void giveBackPool(String configurationJson, ReplicaPool p) {
    REPLICAS.computeIfAbsent(p.size() + ":" + configurationJson, k -> new ConcurrentLinkedQueue<>()).add(p);
  }
}
