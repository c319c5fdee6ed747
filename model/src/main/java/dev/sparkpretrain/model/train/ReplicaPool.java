package dev.sparkpretrain.model.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * N replicas of one ComputationGraph for data parallelism inside an optimizer step ({@link OptimizerStep}), as DL4J's
 * ParallelWrapper or Megatron's data-parallel ranks do it, but within one JVM and one step: the micro-batches of a
 * step run concurrently, one replica per thread, and their gradients are summed and applied once.
 *
 * <p>Replica 0 is the master graph itself; the others are built from a clone of its configuration with
 * {@code init(master.params(), false)}, so their parameter views are views of the master's one parameter array: an
 * update of the master is seen by every replica, and nothing is copied per step. Forward and backward only read
 * parameters (DL4J's {@code computeGradientAndScore} and this module's layers write activations, gradients and
 * workspaces, all per replica; DL4J workspaces and ND4J's random generator are per thread). Replica r always runs
 * on pool thread r, created once, so its workspaces stay warm.
 *
 * <p>Native threads: with several replicas, each replica's ops should run on one core, or the replicas fight over
 * libnd4j's thread pool and OpenBLAS's threads. {@link NativeThreads#ONE_PER_REPLICA} sets the OpenMP thread count
 * of every replica thread to 1 (a per-thread setting in OpenMP) and, because libnd4j's {@code Environment} and
 * OpenBLAS's thread count are process-wide, sets libnd4j's max master threads (the default width of its
 * {@code parallel_for}) and OpenBLAS's threads to 1 while the pool is open, restoring them on {@link #close()}.
 * libnd4j's max threads cannot be lowered at run time in 1.0.0-M2.1 (its setter is a no-op, "FIXME" in
 * {@code Environment.cpp}), so only {@code OMP_NUM_THREADS=1} in the JVM's environment makes every op single-threaded;
 * launchers running replicas should export it ({@code bin/pretrain} does).
 *
 * <p>FP32 CPU training only: mixed precision (a low-precision compute copy) and GPU executors use one replica.
 *
 * <p>Example: {@code try (ReplicaPool pool = ReplicaPool.of(graph, 2)) { optimizer.step(pool, microBatches, 0, 1.0); }}
 */
public final class ReplicaPool implements AutoCloseable {
  /** What the pool does to native (libnd4j, OpenMP, OpenBLAS) threading. */
  public enum NativeThreads {
    /** Leave it as the process was started (e.g. with OMP_NUM_THREADS=1 exported). */
    KEEP,
    /** One native thread per replica while the pool is open (the default with more than one replica). */
    ONE_PER_REPLICA
  }

  private final ComputationGraph master;
  private final List<ComputationGraph> replicas;
  private final List<ExecutorService> threads;
  private final NativeThreads nativeThreads;
  private final int[] savedThreads; // maxMasterThreads, BLAS threads before the pool (ONE_PER_REPLICA), else null
  private boolean closed;

  private ReplicaPool(ComputationGraph master, int size, NativeThreads nativeThreads) {
    this.master = master;
    this.nativeThreads = nativeThreads;
    if (nativeThreads == NativeThreads.ONE_PER_REPLICA) {
      var env = Nd4j.getEnvironment();
      savedThreads = new int[] {env.maxMasterThreads(), Nd4j.factory().blas().getMaxThreads()};
      env.setMaxMasterThreads(1);
      Nd4j.factory().blas().setMaxThreads(1);
    } else {
      savedThreads = null;
    }
    replicas = new ArrayList<>(size);
    threads = new ArrayList<>(size);
    replicas.add(master);
    for (int r = 1; r < size; r++) {
      ComputationGraph replica = new ComputationGraph(master.getConfiguration().clone());
      replica.init(master.params(), false);
      replicas.add(replica);
    }
    for (int r = 0; r < size; r++) {
      String name = "replica-" + r;
      ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
      });
      if (nativeThreads == NativeThreads.ONE_PER_REPLICA) {
        // OpenMP's thread count is a per-thread setting: set it in the replica's own thread.
        getUninterruptibly(thread.submit(() -> NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1)));
      }
      threads.add(thread);
    }
  }

  /**
   * A pool of {@code replicas} replicas of {@code master} (FP32): with more than one, native threads are set to one
   * per replica ({@link NativeThreads#ONE_PER_REPLICA}).
   */
  public static ReplicaPool of(ComputationGraph master, int replicas) {
    return of(master, replicas, replicas > 1 ? NativeThreads.ONE_PER_REPLICA : NativeThreads.KEEP);
  }

  public static ReplicaPool of(ComputationGraph master, int replicas, NativeThreads nativeThreads) {
    Objects.requireNonNull(master, "master");
    Objects.requireNonNull(nativeThreads, "nativeThreads");
    if (replicas < 1) {
      throw new IllegalArgumentException("replicas must be >= 1, got " + replicas);
    }
    if (master.params() == null || master.params().dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("replicas share the master's FP32 parameters; got a graph with "
          + (master.params() == null ? "no parameters" : master.params().dataType() + " parameters")
          + " (mixed precision trains with one replica)");
    }
    return new ReplicaPool(master, replicas, nativeThreads);
  }

  public int size() {
    return replicas.size();
  }

  /** The graph whose parameters the replicas share and whose updater applies the steps (replica 0). */
  public ComputationGraph master() {
    return master;
  }

  public NativeThreads nativeThreads() {
    return nativeThreads;
  }

  /**
   * Applies {@code action} to every replica from the calling thread while no replica runs (between steps), after
   * copying the master's iteration and epoch counters to the others.
   */
  void prepare(Consumer<ComputationGraph> action) {
    checkOpen();
    for (ComputationGraph r : replicas) {
      if (r != master) {
        r.getConfiguration().setIterationCount(master.getConfiguration().getIterationCount());
        r.getConfiguration().setEpochCount(master.getConfiguration().getEpochCount());
      }
      action.accept(r);
    }
  }

  /** Runs {@code task(replica, i)} for i in [0, count): i on replica i mod N, each replica's tasks in order of i. */
  <T> List<Future<T>> run(int count, BiFunction<ComputationGraph, Integer, T> task) {
    checkOpen();
    List<Future<T>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = i;
      ComputationGraph replica = replicas.get(i % replicas.size());
      out.add(threads.get(i % threads.size()).submit(() -> task.apply(replica, index)));
    }
    return out;
  }

  /**
   * Runs {@code task(r)} on replica thread r for every r in [0, N) and waits for all of them (the optimizer's apply
   * phase, split over the pool's threads); a failure is rethrown after every thread has finished.
   */
  void onEachThread(IntConsumer task) {
    checkOpen();
    List<Future<?>> futures = new ArrayList<>(threads.size());
    for (int r = 0; r < threads.size(); r++) {
      int lane = r;
      futures.add(threads.get(r).submit(() -> task.accept(lane)));
    }
    RuntimeException failure = null;
    for (Future<?> f : futures) {
      try {
        getUninterruptibly(f);
      } catch (IllegalStateException e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Waits until every replica thread has finished what it was given. */
  void awaitIdle() {
    for (ExecutorService t : threads) {
      getUninterruptibly(t.submit(() -> {}));
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("replica pool is closed");
    }
  }

  private static void getUninterruptibly(Future<?> f) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the threads (after the tasks they were given) and restores the process-wide native thread settings. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ExecutorService t : threads) {
      t.shutdown();
    }
    boolean interrupted = false;
    for (ExecutorService t : threads) {
      try {
        t.awaitTermination(1, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (savedThreads != null) {
      var env = Nd4j.getEnvironment();
      env.setMaxMasterThreads(savedThreads[0]);
      Nd4j.factory().blas().setMaxThreads(savedThreads[1]);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
