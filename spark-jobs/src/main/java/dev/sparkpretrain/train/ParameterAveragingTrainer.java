package dev.sparkpretrain.train;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.model.train.OptimizerStep;
import dev.sparkpretrain.model.train.ReplicaPool;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Parameter-averaging data-parallel training on Spark primitives.
 *
 * <p>Each round broadcasts the parameters and optimizer state; every worker (one Spark task per data partition)
 * runs {@code averaging_frequency} optimizer steps on its own examples, each step accumulating gradients over
 * {@code gradient_accumulation} micro-batches; each worker leaves its parameters and optimizer state in its executor's
 * block manager in chunks ({@link RoundResultBlocks}), and the driver sums them chunk by chunk in partition order and
 * averages. Workers keep their model instance across rounds ({@link ExecutorModels}).
 *
 * <p>Examples are assigned to workers by a hash of their id and sorted, so the assignment does not depend on how
 * the shards were read. A worker reads its examples in a permutation seeded by (seed, epoch); its position
 * after s steps is s · accumulation · micro-batch examples, which is all a resume needs.
 */
public final class ParameterAveragingTrainer<E extends Serializable> {
  private final TrainerConfig config;
  private final long seed;
  private final TrainingObjective<E> objective;
  /** Floats per block of a worker's round result; tests make it small to exercise many chunks. */
  private int resultChunkFloats = RoundResultBlocks.DEFAULT_CHUNK_FLOATS;

  public ParameterAveragingTrainer(TrainerConfig config, long seed, TrainingObjective<E> objective) {
    this.config = config;
    this.seed = seed;
    this.objective = objective;
  }

  /**
   * One optimizer step's metrics (means over workers). {@code lossScale} is NaN without loss scaling;
   * {@code syncFraction} is the share of the round's wall time not spent in the slowest worker's optimizer steps
   * (broadcast, task scheduling, parameter transfer and averaging).
   */
  public record StepMetrics(int step, double loss, double gradNorm, double learningRate, double tokensPerSecond,
      long tokens, double lossScale, double syncFraction, Map<String, Double> accuracy) {}

  private LossScaler scaler;

  /** Turns on dynamic loss scaling (mixed precision), starting from {@code scaler}'s state. */
  public void lossScaler(LossScaler scaler) {
    this.scaler = scaler;
  }

  /** Sets the number of floats per block of a worker's round result (tests: many chunks on a small model). */
  void resultChunkFloats(int floats) {
    if (floats <= 0) {
      throw new IllegalArgumentException("resultChunkFloats must be > 0, got " + floats);
    }
    this.resultChunkFloats = floats;
  }

  /** The loss scaler's state after the last round (null without loss scaling), for checkpoints. */
  public LossScaler lossScaler() {
    return scaler;
  }

  /** Called after each round with the step metrics of that round and the averaged graph. */
  public interface RoundListener {
    void afterRound(List<StepMetrics> steps, ComputationGraph graph) throws IOException;
  }

  public TrainingObjective<E> objective() {
    return objective;
  }

  /** Worker partitions of the training examples, cached for the whole run. */
  public JavaRDD<List<E>> workerData(Dataset<Row> shards) {
    TrainingObjective<E> obj = objective;
    int workers = config.workers();
    JavaRDD<List<E>> data = shards.javaRDD()
        .map(obj::fromRow)
        .filter(obj::keep)
        .mapToPair(e -> new Tuple2<>(obj.exampleId(e), e))
        .partitionBy(new HashPartitioner(workers))
        .mapPartitions(it -> {
          List<Tuple2<Long, E>> all = new ArrayList<>();
          it.forEachRemaining(all::add);
          all.sort((a, b) -> Long.compare(a._1(), b._1()));
          List<E> examples = new ArrayList<>(all.size());
          for (Tuple2<Long, E> t : all) {
            examples.add(t._2());
          }
          return Collections.singletonList(examples).iterator();
        }, true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    return data;
  }

  /**
   * Trains {@code graph} in place from step {@code startStep} to {@code config.maxSteps()}.
   *
   * @return the step reached
   */
  public int fit(JavaSparkContext sc, JavaRDD<List<E>> data, ComputationGraph graph, int startStep,
      RoundListener listener) throws IOException {
    String confJson = graph.getConfiguration().toJson();
    Broadcast<String> conf = sc.broadcast(confJson);
    // Mixed precision: workers also build a low-precision compute copy; null for FP32.
    Broadcast<String> computeConf = config.precision() == TrainerConfig.Precision.FP32 ? null
        : sc.broadcast(ComputeCopy.configurationJson(graph.getConfiguration(), config.precision()));
    List<Integer> sizes = data.map(List::size).collect();
    for (int w = 0; w < sizes.size(); w++) {
      if (sizes.get(w) == 0) {
        throw new IllegalStateException("worker " + w + " of " + sizes.size() + " has no training examples; "
            + "use fewer workers or more data");
      }
    }
    int step = startStep;
    int round = 0;
    // Names the blocks of this run's round results; not a seed (results do not depend on it), only unique.
    String run = java.util.UUID.randomUUID().toString().substring(0, 8);
    // Names of the blocks stored by the round's successful tasks, known to the driver even when the round fails.
    CollectionAccumulator<String> stored = sc.sc().collectionAccumulator("train: round result blocks");
    // Parameters ‖ optimizer state that the next round starts from. Copied out of the graph once; after each round
    // it is the averaged state just written into the graph, so the driver need not copy it out again (the graph
    // is not changed between rounds but by this loop).
    FlatState start = FlatState.of(graph);
    while (step < config.maxSteps()) {
      int steps = Math.min(config.averagingFrequency(), config.maxSteps() - step);
      long t0 = System.nanoTime();
      Broadcast<FlatState> bState = sc.broadcast(start);
      sc.setJobGroup("train-round-" + round,
          String.format(java.util.Locale.ROOT, "train: round %d, steps %d-%d", round, step + 1, step + steps), false);
      String blockPrefix = RoundResultBlocks.runPrefix(run) + "r" + round + "-";
      RoundTask<E> task = new RoundTask<>(objective, conf, computeConf, bState, step, steps, config.microBatchSize(),
          config.gradientAccumulation(), config.threadsPerWorker(), config.maxGradNorm(), seed, scaler, blockPrefix,
          resultChunkFloats, stored);
      WorkerResult sum;
      Set<String> summed = new HashSet<>();
      stored.reset();
      boolean summedAll = false;
      try {
        // Descriptors only (block names and metrics), in partition order.
        List<WorkerResult> parts = data.mapPartitionsWithIndex(task, true).collect();
        if (parts.size() != sizes.size()) {
          throw new IllegalStateException("round " + round + ": " + parts.size() + " results from " + sizes.size()
              + " workers");
        }
        List<List<String>> blocks = new ArrayList<>(parts.size());
        sum = parts.get(0);
        for (int w = 0; w < parts.size(); w++) {
          blocks.add(parts.get(w).blocks);
          summed.addAll(parts.get(w).blocks);
          if (w > 0) {
            sum = sum.add(parts.get(w));
          }
        }
        // The round's tasks are done and the graph holds `start`: its array becomes the sum (no new 12 bytes per
        // parameter each round).
        RoundResultBlocks.averageInto(start, blocks, resultChunkFloats); // removes the blocks, also on failure
        summedAll = true;
      } finally {
        bState.destroy();
        // A failed round: the blocks of its tasks that had finished (the accumulator misses a task whose success
        // reached the scheduler after the failure; the sweep by name finds those).
        RoundResultBlocks.removeAllBut(stored.value(), summed);
        if (!summedAll) {
          RoundResultBlocks.removeLeftOvers(blockPrefix);
        }
      }
      int n = sum.workers;
      start.copyInto(graph);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long roundTokens = 0;
      for (long t : sum.tokens) {
        roundTokens += t;
      }
      if (scaler != null) {
        scaler = sum.scaler;
      }
      double sync = Math.max(0, seconds - sum.computeSeconds) / seconds;
      List<StepMetrics> metrics = new ArrayList<>();
      for (int i = 0; i < steps; i++) {
        int s = step + i + 1;
        metrics.add(new StepMetrics(s, sum.lossSum[i] / n, sum.gradNormSum[i] / n,
            OptimizerStep.learningRate(graph, s - 1, 0), roundTokens / seconds, sum.tokens[i],
            scaler == null ? Double.NaN : sum.lossScaleSum[i] / n, sync, accuracy(sum, i)));
      }
      if (!sum.finite) {
        throw new NonFiniteLossException("loss or gradient became NaN/inf in steps " + (step + 1) + "-"
            + (step + steps) + " (losses " + java.util.Arrays.toString(sum.lossSum)
            + "); parameters of that round were discarded; the last checkpoint is intact");
      }
      step += steps;
      graph.getConfiguration().setIterationCount(step);
      listener.afterRound(metrics, graph);
      round++;
    }
    sc.clearJobGroup();
    conf.destroy();
    if (computeConf != null) {
      computeConf.destroy();
    }
    return step;
  }

  /** Training accuracy per output layer ({@code mlm}, {@code nsp}, {@code lm}) at step index {@code i}. */
  private static Map<String, Double> accuracy(WorkerResult sum, int i) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (i < sum.accuracy.size()) {
      sum.accuracy.get(i).forEach((k, v) -> out.put(k + "_accuracy", v[1] == 0 ? Double.NaN : (double) v[0] / v[1]));
    }
    return out;
  }

  /** Raised when training diverges; the run stops and earlier checkpoints stay valid. */
  public static final class NonFiniteLossException extends RuntimeException {
    NonFiniteLossException(String message) {
      super(message);
    }
  }

  /** The work of one worker in one round; a static class so the task captures values, not the trainer. */
  static final class RoundTask<E extends Serializable>
      implements org.apache.spark.api.java.function.Function2<Integer, Iterator<List<E>>, Iterator<WorkerResult>> {
    private final TrainingObjective<E> objective;
    private final Broadcast<String> conf;
    private final Broadcast<String> computeConf;
    private final Broadcast<FlatState> state;
    private final int startStep;
    private final int steps;
    private final int microBatch;
    private final int accumulation;
    private final int threads;
    private final double maxGradNorm;
    private final long seed;
    private final LossScaler scaler;
    private final String blockPrefix;
    private final int chunkFloats;
    private final CollectionAccumulator<String> stored;

    RoundTask(TrainingObjective<E> objective, Broadcast<String> conf, Broadcast<String> computeConf,
        Broadcast<FlatState> state, int startStep, int steps, int microBatch, int accumulation, int threads,
        double maxGradNorm, long seed, LossScaler scaler, String blockPrefix, int chunkFloats,
        CollectionAccumulator<String> stored) {
      this.objective = objective;
      this.conf = conf;
      this.computeConf = computeConf;
      this.state = state;
      this.startStep = startStep;
      this.steps = steps;
      this.microBatch = microBatch;
      this.accumulation = accumulation;
      this.threads = threads;
      this.maxGradNorm = maxGradNorm;
      this.seed = seed;
      this.scaler = scaler;
      this.blockPrefix = blockPrefix;
      this.chunkFloats = chunkFloats;
      this.stored = stored;
    }

    @Override
    public Iterator<WorkerResult> call(Integer worker, Iterator<List<E>> it) {
      if (!it.hasNext()) {
        return Collections.emptyIterator();
      }
      boolean gpu = GpuBinding.bindTaskGpu() >= 0;
      List<E> examples = it.next();
      String json = conf.value();
      // Replicas (data parallelism inside the step) on the CPU backend in FP32 only; a GPU task keeps one, which
      // takes the same steps (OptimizerStep sums in micro-batch order whatever the replica count).
      ReplicaPool pool = threads > 1 && !gpu && computeConf == null ? ExecutorModels.borrowPool(json, threads) : null;
      ComputationGraph g = pool != null ? pool.master() : ExecutorModels.borrow(json);
      String computeJson = computeConf == null ? null : computeConf.value();
      ComputationGraph compute = computeJson == null ? g : ExecutorModels.borrow(computeJson);
      try {
        state.value().copyInto(g);
        if (compute != g) {
          ComputeCopy.refresh(g, compute);
        }
        g.getConfiguration().setIterationCount(startStep);
        WorkerResult result = new WorkerResult(steps);
        DataCursor<E> cursor = new DataCursor<>(examples, seed, (long) startStep * accumulation * microBatch,
            objective);
        OptimizerStep optimizer = new OptimizerStep(maxGradNorm);
        LossScaler sc = scaler;
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
          // Dropout draws from ND4J's per-thread generator: reseeding it from (seed, step, worker) makes every step
          // reproducible, so a resumed run retraces an uninterrupted one without saving generator state.
          Nd4j.getRandom().setSeed(ContentHash.mix(seed, ContentHash.mix(startStep + s, worker)));
          List<List<E>> micro = new ArrayList<>(accumulation);
          long tokens = 0;
          int epoch = cursor.epoch();
          for (int k = 0; k < accumulation; k++) {
            List<E> batch = cursor.next(microBatch);
            tokens += objective.tokens(batch);
            micro.add(batch);
          }
          double scale = sc == null ? 1.0 : sc.scale();
          OptimizerStep.Result r = pool != null ? optimizer.step(pool, objective.microBatches(micro), epoch, scale)
              : optimizer.step(g, compute, objective.microBatches(micro), epoch, scale);
          result.lossSum[s] = r.loss();
          result.gradNormSum[s] = r.gradNorm();
          result.tokens[s] = tokens;
          result.lossScaleSum[s] = scale;
          result.accuracy.add(r.accuracyCounts());
          if (sc != null) {
            // Overflow under loss scaling: the step was skipped; halve the scale and go on (Megatron/DeepSpeed).
            sc = sc.next(!r.finite());
          } else if (!r.finite()) {
            result.finite = false;
            break;
          }
        }
        result.computeSeconds = (System.nanoTime() - t0) / 1e9;
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        result.blocks = RoundResultBlocks.put(blockPrefix + "p" + worker + "-a" + task.taskAttemptId() + "-", g,
            chunkFloats);
        try {
          // A task killed while it trained (its round failed elsewhere) runs on to here, as ND4J does not look at
          // the kill flag; its result would be dropped with the names of its blocks: remove them now.
          task.killTaskIfInterrupted();
        } catch (RuntimeException e) {
          RoundResultBlocks.removeAllBut(result.blocks, Set.of());
          throw e;
        }
        result.blocks.forEach(stored::add);
        result.scaler = sc;
        return Collections.singletonList(result).iterator();
      } finally {
        if (pool != null) {
          ExecutorModels.giveBackPool(json, pool);
        } else {
          ExecutorModels.giveBack(json, g);
        }
        if (compute != g) {
          ExecutorModels.giveBack(computeJson, compute);
        }
      }
    }
  }

  /**
   * A worker's position in its examples: epoch e reads them in a permutation seeded by (seed, e), each example as
   * the objective presents it in that epoch ({@link TrainingObjective#forEpoch}: dynamic masks). The worker index
   * is not part of the seed: workers hold different examples anyway, and N workers given identical data then
   * take identical steps (which the exactness tests rely on).
   */
  static final class DataCursor<E extends Serializable> {
    private final List<E> examples;
    private final long seed;
    private final TrainingObjective<E> objective;
    private long position;
    private int permutationEpoch = -1;
    private int[] permutation;

    DataCursor(List<E> examples, long seed, long position, TrainingObjective<E> objective) {
      this.examples = examples;
      this.seed = seed;
      this.position = position;
      this.objective = objective;
    }

    int epoch() {
      return (int) (position / examples.size());
    }

    List<E> next(int n) {
      List<E> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int e = epoch();
        if (e != permutationEpoch) {
          permutation = permutation(examples.size(), ContentHash.mix(seed, e));
          permutationEpoch = e;
        }
        out.add(objective.forEpoch(examples.get(permutation[(int) (position % examples.size())]), seed, e));
        position++;
      }
      return out;
    }

    static int[] permutation(int n, long seed) {
      int[] p = new int[n];
      for (int i = 0; i < n; i++) {
        p[i] = i;
      }
      SplittableRandom rng = new SplittableRandom(seed);
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    }
  }

  /** Evaluates {@code graph} on examples spread over the executors; returns summed loss and counts. */
  public TrainingObjective.Evaluation evaluate(JavaSparkContext sc, JavaRDD<E> examples, ComputationGraph graph,
      int batchSize) {
    Broadcast<String> conf = sc.broadcast(graph.getConfiguration().toJson());
    Broadcast<FlatState> params = sc.broadcast(FlatState.paramsOf(graph));
    TrainingObjective<E> obj = objective;
    long maskSeed = seed;
    TrainingObjective.Evaluation total = examples.mapPartitions(it -> {
      String json = conf.value();
      ComputationGraph g = ExecutorModels.borrow(json);
      try {
        params.value().copyInto(g);
        double loss = 0;
        long batches = 0;
        Map<String, Long> counts = new HashMap<>();
        List<E> batch = new ArrayList<>(batchSize);
        while (it.hasNext()) {
          // Validation examples as in epoch 0: dynamic masks fixed across evaluations, so they compare.
          batch.add(obj.forEpoch(it.next(), maskSeed, 0));
          if (batch.size() == batchSize || !it.hasNext()) {
            TrainingObjective.Evaluation e = obj.evaluate(g, batch);
            loss += e.lossSum();
            batches += e.batches();
            e.counts().forEach((k, v) -> counts.merge(k, v, Long::sum));
            batch.clear();
          }
        }
        return Collections.singletonList(new TrainingObjective.Evaluation(loss, batches, counts)).iterator();
      } finally {
        ExecutorModels.giveBack(json, g);
      }
    }).fold(new TrainingObjective.Evaluation(0, 0, Map.of()), ParameterAveragingTrainer::merge);
    conf.destroy();
    params.destroy();
    return total;
  }

  static TrainingObjective.Evaluation merge(TrainingObjective.Evaluation a, TrainingObjective.Evaluation b) {
    Map<String, Long> counts = new LinkedHashMap<>(a.counts());
    b.counts().forEach((k, v) -> counts.merge(k, v, Long::sum));
    return new TrainingObjective.Evaluation(a.lossSum() + b.lossSum(), a.batches() + b.batches(), counts);
  }
}
