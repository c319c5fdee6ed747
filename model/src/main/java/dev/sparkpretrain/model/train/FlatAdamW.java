package dev.sparkpretrain.model.train;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The apply phase of an {@link OptimizerStep} (sum of the micro-batch gradients, global-norm clipping, Adam with
 * decoupled weight decay) over the flattened FP32 arrays in plain Java, split into contiguous parameter ranges that
 * several threads take at once. DL4J's updater does the same with ~10 libnd4j ops per updater block and parameter
 * (divide by the batch size, {@code adam_updater}, an {@code axpy} per weight-decayed parameter, the subtraction),
 * each a JNI call and a pass over memory, on one thread; here each element is read and written once per phase.
 *
 * <p>Same arithmetic as DL4J 1.0.0-M2.1 (ComputationGraphUpdater → UpdaterBlock → AdamUpdater → libnd4j's
 * {@code adam_updater} helper, then {@link WeightDecay} after the updater, then {@code params -= update}), in float,
 * operation by operation, without fused multiply-adds (the {@code linux-x86_64-onednn} build does not contract them),
 * so parameters and Adam moments come out bit for bit as DL4J's path leaves them ({@code FlatAdamWTest}):
 * <pre>
 *   g  = (Σ_micro-batches g_i) / lossScale            in micro-batch order; division as libnd4j's scalar op
 *   g  = g · (float) (maxNorm / ‖g / examples‖)       only when clipping ({@code muli}); then g = g / examples
 *   m  = β1·m + g·(1 − β1)                           β1, β2, ε, lr rounded to float as the op's T arguments
 *   v  = β2·v + g·g·(1 − β2)
 *   u  = (m · ε_t) / (√v + ε),  ε_t = lr·√(1 − β2^(t+1)) / (1 − β1^(t+1))    (t = iteration; DL4J's "epsilonT")
 *   u += (float) (decay · lr) · p                     per WeightDecay(applyLR = true) entry, in order (axpy)
 *   p  = p − u
 * </pre>
 * The powers β^(t+1) come from libnd4j's own {@code powf} (one scalar op per step): glibc's powf is not correctly
 * rounded, and Java's pow differed from it in the last bit at some iterations. The one difference from DL4J is the
 * norm: libnd4j reduces it in float (2e-4 relative error seen on a million elements; it depends on its thread count);
 * here it is summed in double per fixed chunk of {@link #CHUNK} elements and the chunks' sums are added in order, so
 * it is the same whatever the number of threads. It only matters when clipping, and there by ~1e-4 relative in the
 * clip factor. M and V stay where DL4J keeps them (each UpdaterBlock's slice of the updater state view: first the
 * block's M, then its V), so checkpoints, resume and the Spark trainer's averaging of the updater state see no
 * difference. Afterwards the flattened gradient view does not hold DL4J's update (nothing reads it after a step).
 *
 * <p>{@link #of} returns null, and the caller uses DL4J's updater, for anything else: another backend, non-FP32
 * parameters, an updater other than plain Adam, gradient normalization, regularization other than WeightDecay,
 * parameters the updater does not divide by the batch size, pretrain-only updater blocks.
 *
 * <p>Example: {@code FlatAdamW f = FlatAdamW.of(graph); double sq = f.sumGradients(List.of(g), 1.0, Lanes.CALLER);}
 * then {@code f.update(iteration, epoch, Float.NaN, examples, Lanes.CALLER)}.
 */
final class FlatAdamW {
  /** Elements per chunk: the unit of the norm's partial sums and of the heap copies (4 arrays of 16 KiB: in L1/L2). */
  static final int CHUNK = 1 << 12;

  /** How the chunks of a phase are spread over threads: lane r of {@code count} runs on its own thread. */
  record Lanes(int count, Consumer<IntConsumer> runner) {
    /** Everything on the calling thread. */
    static final Lanes CALLER = new Lanes(1, task -> task.accept(0));

    void run(IntConsumer lane) {
      runner.accept(lane);
    }
  }

  /**
   * Parameters [from, to) of the flattened arrays with one Adam configuration and their weight decays (applied in
   * order, as DL4J does); their M starts at {@code mOffset} and their V at {@code vOffset} in the updater state view.
   */
  private record Segment(int from, int to, int mOffset, int vOffset, Adam adam, List<WeightDecay> decays) {}

  private final INDArray params;
  private final INDArray gradient;
  private final INDArray state;
  private final int length;
  private final Segment[] segments;
  /** Where {@link #sumGradients} left the step's gradient: the graph's gradient view, or the one source itself. */
  private INDArray summed;

  private FlatAdamW(INDArray params, INDArray gradient, INDArray state, Segment[] segments) {
    this.params = params;
    this.gradient = gradient;
    this.state = state;
    this.length = (int) params.length();
    this.segments = segments;
  }

  /** The flat path for {@code graph}'s updater, or null when it does not apply (see the class comment). */
  static FlatAdamW of(ComputationGraph graph) {
    List<Segment> segments = new ArrayList<>();
    return unsupported(graph, segments) == null ? new FlatAdamW(graph.params(), graph.getFlattenedGradients(),
        graph.getUpdater().getStateViewArray(), segments.toArray(new Segment[0])) : null;
  }

  /** Why the flat path does not apply to {@code graph}, or null when it does. */
  static String unsupported(ComputationGraph graph) {
    return unsupported(graph, new ArrayList<>());
  }

  private static String unsupported(ComputationGraph graph, List<Segment> out) {
    if (!Nd4j.getEnvironment().isCPU()) {
      return "not the CPU backend";
    }
    INDArray params = graph.params();
    if (params == null || params.dataType() != DataType.FLOAT) {
      return "parameters are not FLOAT";
    }
    if (graph.getFlattenedGradients() == null) {
      // A master that never ran backprop itself (mixed precision): as OptimizerStep's DL4J path, before the
      // updater is created (its blocks take views of the gradient array).
      graph.initGradientsView();
    }
    ComputationGraphUpdater updater = graph.getUpdater();
    if (!graph.conf().isMiniBatch()) {
      return "miniBatch(false): the updater does not divide by the batch size";
    }
    long n = params.length();
    if (!flat(params, n) || !flat(graph.getFlattenedGradients(), n) || !flat(updater.getStateViewArray(), 2 * n)) {
      return "parameters, gradients or updater state are not dense FLOAT arrays of the expected lengths";
    }
    long next = 0;
    for (UpdaterBlock block : updater.getUpdaterBlocks()) {
      if (block.getParamOffsetStart() != next) {
        return "updater blocks do not cover the parameters in order at " + next;
      }
      next = block.getParamOffsetEnd();
      int blockLength = block.getParamOffsetEnd() - block.getParamOffsetStart();
      if (blockLength == 0) {
        continue;
      }
      if (block.isPretrainUpdaterBlock()) {
        return "pretrain-only updater block";
      }
      // What the first DL4J update would do: instantiate the updater on the block's state slice (zeroing it once).
      if (block.getGradientUpdater().getClass() != AdamUpdater.class
          || block.getGradientUpdater().getConfig().getClass() != Adam.class) {
        return "updater " + block.getGradientUpdater().getConfig().getClass().getSimpleName() + " (not Adam)";
      }
      if (block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart() != 2L * blockLength) {
        return "updater state of a block is not M and V";
      }
      Adam adam = (Adam) block.getGradientUpdater().getConfig();
      for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
        Trainable layer = p.getLayer();
        String name = p.getParamName();
        GradientNormalization norm = layer.getConfig().getGradientNormalization();
        if (norm != null && norm != GradientNormalization.None) {
          return "gradient normalization " + norm + " in " + layer.getConfig().getLayerName();
        }
        if (!layer.updaterDivideByMinibatch(name)) {
          return "parameter " + name + " of " + layer.getConfig().getLayerName() + " is not divided by the batch size";
        }
        List<WeightDecay> decays = new ArrayList<>();
        List<Regularization> regs = layer.getConfig().getRegularizationByParam(name);
        for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
          if (r.getClass() != WeightDecay.class) {
            return "regularization " + r + " on " + layer.getConfig().getLayerName() + " " + name;
          }
          decays.add((WeightDecay) r);
        }
        if (p.getParamOffsetStart() != (out.isEmpty() ? 0 : out.get(out.size() - 1).to())) {
          return "parameters of an updater block are not contiguous at " + name + " of "
              + layer.getConfig().getLayerName();
        }
        int offset = p.getParamOffsetStart() - block.getParamOffsetStart();
        int m = block.getUpdaterViewOffsetStart() + offset;
        out.add(new Segment(p.getParamOffsetStart(), p.getParamOffsetEnd(), m, m + blockLength, adam, decays));
      }
    }
    if (next != n || (out.isEmpty() ? 0 : out.get(out.size() - 1).to()) != n) {
      return "updater blocks cover " + next + " of " + n + " parameters";
    }
    return null;
  }

  /** A dense row-major FLOAT array of {@code length} elements at the start of its buffer (heap copies read it). */
  private static boolean flat(INDArray a, long length) {
    return a != null && a.dataType() == DataType.FLOAT && a.length() == length && length <= Integer.MAX_VALUE
        && a.offset() == 0 && a.elementWiseStride() == 1 && a.data().length() >= length;
  }

  /**
   * Phase 1: the sum of {@code sources} (FP32 gradients of the micro-batches, in micro-batch order) divided by
   * {@code lossScale}, and its sum of squares. The sum goes into the graph's flattened gradient view (a source may be
   * that view itself); a single source without loss scale is only read, and {@link #update} reads it in place.
   */
  double sumGradients(List<INDArray> sources, double lossScale, Lanes lanes) {
    for (INDArray s : sources) {
      if (!flat(s, length)) {
        throw new IllegalArgumentException("gradient is not a dense FLOAT array of " + length + " elements: " + s);
      }
    }
    int chunks = chunks();
    double[] squares = new double[chunks];
    float scale = (float) lossScale;
    boolean inPlace = sources.size() == 1 && scale == 1f;
    summed = inPlace ? sources.get(0) : gradient;
    lanes.run(lane -> {
      FloatBuffer[] in = new FloatBuffer[sources.size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = sources.get(i).data().asNioFloat();
      }
      FloatBuffer out = gradient.data().asNioFloat();
      float[] g = scratch(0);
      float[] h = scratch(1);
      for (int c = firstChunk(lane, lanes.count(), chunks); c < firstChunk(lane + 1, lanes.count(), chunks); c++) {
        int from = c * CHUNK;
        int len = Math.min(CHUNK, length - from);
        in[0].get(from, g, 0, len);
        for (int i = 1; i < in.length; i++) {
          in[i].get(from, h, 0, len);
          add(g, h, len);
        }
        if (scale != 1f) {
          divide(g, len, scale);
        }
        if (!inPlace) {
          out.put(from, g, 0, len);
        }
        squares[c] = sumOfSquares(g, len);
      }
    });
    double total = 0;
    for (double s : squares) {
      total += s;
    }
    return total;
  }

  /**
   * Phase 2: Adam and weight decay for iteration {@code iteration} from the gradient that {@link #sumGradients}
   * summed, scaled by {@code clip} first unless it is NaN, then divided by {@code examples}; updates M, V and the
   * parameters in place.
   */
  void update(int iteration, int epoch, float clip, long examples, Lanes lanes) {
    if (summed == null) {
      throw new IllegalStateException("update before sumGradients");
    }
    float[][] constants = constants(iteration, epoch);
    float batch = (float) (int) examples; // DL4J's update takes the batch size as an int
    int chunks = chunks();
    lanes.run(lane -> {
      int start = firstChunk(lane, lanes.count(), chunks) * CHUNK;
      int end = (int) Math.min(length, (long) firstChunk(lane + 1, lanes.count(), chunks) * CHUNK);
      FloatBuffer gb = summed.data().asNioFloat();
      FloatBuffer sb = state.data().asNioFloat();
      FloatBuffer pb = params.data().asNioFloat();
      float[] g = scratch(0);
      float[] m = scratch(1);
      float[] v = scratch(2);
      float[] p = scratch(3);
      for (int s = 0; s < segments.length; s++) {
        Segment seg = segments[s];
        float[] k = constants[s];
        for (int from = Math.max(start, seg.from()); from < Math.min(end, seg.to()); from += CHUNK) {
          int len = Math.min(CHUNK, Math.min(end, seg.to()) - from);
          int mAt = seg.mOffset() + (from - seg.from());
          int vAt = seg.vOffset() + (from - seg.from());
          gb.get(from, g, 0, len);
          sb.get(mAt, m, 0, len);
          sb.get(vAt, v, 0, len);
          pb.get(from, p, 0, len);
          if (!Float.isNaN(clip)) {
            multiply(g, len, clip);
          }
          divide(g, len, batch);
          adam(g, m, v, len, k[B1], k[B2], k[EPS], k[EPS_T]);
          if (k.length == DECAY + 1) {
            decayAndSubtract(p, g, len, k[DECAY]);
          } else {
            for (int d = DECAY; d < k.length; d++) {
              decay(g, p, len, k[d]);
            }
            subtract(p, g, len);
          }
          sb.put(mAt, m, 0, len);
          sb.put(vAt, v, 0, len);
          pb.put(from, p, 0, len);
        }
      }
    });
  }

  private static final int B1 = 0, B2 = 1, EPS = 2, EPS_T = 3, DECAY = 4;

  /** Per segment: β1, β2, ε, ε_t and the weight-decay factors, in float as libnd4j's ops receive them. */
  private float[][] constants(int iteration, int epoch) {
    // β^(t+1) for every distinct β, by libnd4j's powf (what adam_updater calls), in one scalar op.
    List<Float> betas = new ArrayList<>();
    for (Segment s : segments) {
      for (float b : new float[] {(float) s.adam().getBeta1(), (float) s.adam().getBeta2()}) {
        if (!betas.contains(b)) {
          betas.add(b);
        }
      }
    }
    float[] base = new float[betas.size()];
    for (int i = 0; i < base.length; i++) {
      base[i] = betas.get(i);
    }
    float exponent = (float) iteration + 1; // T iteration = (T) nIteration; pow(beta, iteration + 1)
    float[] powers = Transforms.pow(Nd4j.createFromArray(base), exponent, false).toFloatVector();
    float[][] out = new float[segments.length][];
    for (int s = 0; s < segments.length; s++) {
      Adam adam = segments[s].adam();
      double lr = adam.getLearningRate(iteration, epoch);
      float lrF = (float) lr;
      float b1 = (float) adam.getBeta1();
      float b2 = (float) adam.getBeta2();
      float eps = (float) adam.getEpsilon();
      float b1T = powers[betas.indexOf(b1)];
      float b2T = powers[betas.indexOf(b2)];
      // T epsilonT = lr * sqrt<T>(1. - beta2T) / (1.0 - beta1T): the subtractions and the division in double.
      float epsT = (float) ((double) (lrF * (float) Math.sqrt((float) (1.0 - b2T))) / (1.0 - b1T));
      if (Float.isNaN(epsT) || epsT == 0 || Float.isInfinite(epsT)) {
        epsT = eps;
      }
      List<WeightDecay> decays = segments[s].decays();
      out[s] = new float[DECAY + decays.size()];
      out[s][B1] = b1;
      out[s][B2] = b2;
      out[s][EPS] = eps;
      out[s][EPS_T] = epsT;
      for (int d = 0; d < decays.size(); d++) {
        double scale = decays.get(d).getCoeff().valueAt(iteration, epoch);
        if (decays.get(d).isApplyLR()) {
          scale *= lr; // UpdaterBlock passes the block updater's learning rate
        }
        out[s][DECAY + d] = (float) scale; // axpy's alpha, in the array's type
      }
    }
    return out;
  }

  int chunks() {
    return (length + CHUNK - 1) / CHUNK;
  }

  /** The first chunk of lane {@code lane} of {@code lanes}: contiguous, nearly equal ranges. */
  private static int firstChunk(int lane, int lanes, int chunks) {
    return (int) ((long) chunks * lane / lanes);
  }

  // The loops below are kept small, one array stored per loop: C2 (Java 17) vectorizes those. Operation order as
  // libnd4j's loops, no fused multiply-adds.

  private static void add(float[] g, float[] h, int len) {
    for (int i = 0; i < len; i++) {
      g[i] = g[i] + h[i];
    }
  }

  private static void multiply(float[] g, int len, float factor) {
    for (int i = 0; i < len; i++) {
      g[i] = g[i] * factor;
    }
  }

  /**
   * {@code g / d}. By a power of two as a multiplication by its exact reciprocal: both round the same real number
   * once, so the results are identical (subnormals included), and multiplying is several times faster.
   */
  private static void divide(float[] g, int len, float d) {
    int e = Math.getExponent(d);
    if (d == Math.scalb(1f, e) && e > Float.MIN_EXPONENT && e < Float.MAX_EXPONENT) {
      multiply(g, len, Math.scalb(1f, -e));
      return;
    }
    for (int i = 0; i < len; i++) {
      g[i] = g[i] / d;
    }
  }

  /** Adam's moments in place and the update into {@code g} (libnd4j's adamUpdater_ loop). */
  private static void adam(float[] g, float[] m, float[] v, int len, float b1, float b2, float eps, float epsT) {
    float c1 = 1 - b1;
    float c2 = 1 - b2;
    for (int i = 0; i < len; i++) {
      m[i] = b1 * m[i] + g[i] * c1;
    }
    for (int i = 0; i < len; i++) {
      v[i] = b2 * v[i] + g[i] * g[i] * c2;
    }
    for (int i = 0; i < len; i++) {
      g[i] = (m[i] * epsT) / ((float) Math.sqrt(v[i]) + eps);
    }
  }

  /** {@code u = decay * p + u}: WeightDecay's axpy into the update. */
  private static void decay(float[] u, float[] p, int len, float decay) {
    for (int i = 0; i < len; i++) {
      u[i] = decay * p[i] + u[i];
    }
  }

  /** {@code p -= decay * p + u}: one WeightDecay's axpy into the update, then the subtraction. */
  private static void decayAndSubtract(float[] p, float[] u, int len, float decay) {
    for (int i = 0; i < len; i++) {
      p[i] = p[i] - (decay * p[i] + u[i]);
    }
  }

  private static void subtract(float[] p, float[] u, int len) {
    for (int i = 0; i < len; i++) {
      p[i] = p[i] - u[i];
    }
  }

  /** Σ g², in double with eight running sums (exact products; a fixed order, so the same on every thread). */
  private static double sumOfSquares(float[] g, int len) {
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      a0 += (double) g[i] * g[i];
      a1 += (double) g[i + 1] * g[i + 1];
      a2 += (double) g[i + 2] * g[i + 2];
      a3 += (double) g[i + 3] * g[i + 3];
      a4 += (double) g[i + 4] * g[i + 4];
      a5 += (double) g[i + 5] * g[i + 5];
      a6 += (double) g[i + 6] * g[i + 6];
      a7 += (double) g[i + 7] * g[i + 7];
    }
    for (; i < len; i++) {
      a0 += (double) g[i] * g[i];
    }
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  }

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

  /** This thread's chunk-sized heap array number {@code slot} (0-3), contents undefined. */
  private static float[] scratch(int slot) {
    return SCRATCH.get()[slot];
  }
}
