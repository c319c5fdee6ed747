package dev.sparkpretrain.train;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A graph's parameters and, optionally, its optimizer state as one flat {@code float[]}: the parameters (in the
 * order of {@code graph.params()}), then the updater's state view (Adam: both moments). This is what the trainer
 * broadcasts to the workers and averages the workers' chunks into ({@link RoundResultBlocks}), in place
 * (bert-mini: 4.2 M parameters + 8.4 M moments, 50 MB).
 *
 * <p>Every copy is a bulk copy: between ND4J's buffers and the heap array through nio views of ND4J's memory
 * (a memcpy), and through Kryo or Java serialization in 256 KB chunks of little-endian bytes. Before, the trainer
 * used {@code DataBuffer.asFloat()} (element by element), {@code createFromArray(..).reshape(..)} + {@code assign}
 * in every worker and an ND4J {@code divi} + {@code assign} on the driver: about half of the non-compute time of a
 * bert-mini round (docs/BENCHMARKS.md, "Trainer: synchronisation after the flat-state change").
 *
 * <pre>{@code
 * FlatState s = FlatState.of(graph);   // parameters ‖ updater state
 * s.copyInto(otherGraph);              // same architecture: identical parameters and Adam moments
 * }</pre>
 */
final class FlatState implements Serializable, KryoSerializable {
  private static final long serialVersionUID = 1L;
  /** Floats per chunk when the values are serialized (256 KB of bytes). */
  private static final int CHUNK = 1 << 16;

  private int paramCount;
  private float[] values;

  /** For Kryo, which fills the fields in {@link #read}. */
  FlatState() {}

  FlatState(int paramCount, float[] values) {
    this.paramCount = paramCount;
    this.values = values;
  }

  /** Parameters and optimizer state of {@code g}, copied out. */
  static FlatState of(ComputationGraph g) {
    INDArray params = g.params();
    INDArray state = updaterState(g);
    int p = length(params);
    float[] values = new float[p + length(state)];
    copy(params, values, 0);
    if (state != null) {
      copy(state, values, p);
    }
    return new FlatState(p, values);
  }

  /** Parameters of {@code g} only, copied out (what evaluation needs). */
  static FlatState paramsOf(ComputationGraph g) {
    INDArray params = g.params();
    float[] values = new float[length(params)];
    copy(params, values, 0);
    return new FlatState(values.length, values);
  }

  /** Writes the parameters, and the optimizer state when this holds one, into {@code g}. */
  void copyInto(ComputationGraph g) {
    INDArray params = g.params();
    if (length(params) != paramCount) {
      throw new IllegalArgumentException("graph has " + params.length() + " parameters, state " + paramCount);
    }
    copy(values, 0, params);
    if (values.length > paramCount) {
      INDArray state = updaterState(g);
      if (length(state) != values.length - paramCount) {
        throw new IllegalArgumentException("graph's updater state has " + length(state) + " values, state "
            + (values.length - paramCount));
      }
      copy(values, paramCount, state);
    }
  }

  int size() {
    return values.length;
  }

  /**
   * Parameters ‖ optimizer state of {@code g} (the layout of {@link #of}) written straight from ND4J's buffers into
   * little-endian chunks of at most {@code chunkFloats} floats, handed to {@code sink} in order: what a worker sends
   * back without first copying its whole state into one heap array.
   */
  static void writeChunks(ComputationGraph g, int chunkFloats, ChunkSink sink) {
    if (chunkFloats <= 0) {
      throw new IllegalArgumentException("chunkFloats must be > 0, got " + chunkFloats);
    }
    INDArray params = g.params();
    INDArray state = updaterState(g);
    INDArray[] parts = state == null ? new INDArray[] {readable(params)}
        : new INDArray[] {readable(params), readable(state)};
    long total = (long) length(params) + length(state);
    int part = 0;
    long inPart = 0; // position inside parts[part]
    for (long from = 0; from < total; from += chunkFloats) {
      int n = (int) Math.min(chunkFloats, total - from);
      ByteBuffer chunk = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer floats = chunk.asFloatBuffer();
      while (floats.hasRemaining()) {
        if (inPart == length(parts[part])) {
          part++;
          inPart = 0;
          continue;
        }
        int k = (int) Math.min(floats.remaining(), length(parts[part]) - inPart);
        floats.put(window(parts[part], inPart, k)); // a memcpy when both are little-endian (x86, ARM)
        inPart += k;
      }
      sink.accept(chunk);
    }
  }

  /** Receives the chunks of {@link #writeChunks}. */
  interface ChunkSink {
    void accept(ByteBuffer chunk);
  }

  /** {@code a} itself when its buffer can be read as one block, else a C-order copy that can. */
  private static INDArray readable(INDArray a) {
    return wholeBuffer(a) ? a : a.dup('c');
  }

  /** Floats per view of an ND4J buffer: nio buffers count bytes in an int, so larger buffers are read in windows. */
  private static final int WINDOW = 1 << 26;

  /**
   * Floats {@code [from, from + n)} of {@code a}'s buffer ({@link #wholeBuffer} arrays, n at most {@link #WINDOW}) as a
   * buffer over ND4J's memory, no copy. Buffers under 2 GB through {@code asNioFloat()}, which on the CUDA backend
   * first brings the host copy up to date; larger ones (bert-large's Adam moments: 2.5 GB) through a JavaCPP pointer
   * at the window, after asking for the host copy explicitly.
   */
  private static FloatBuffer window(INDArray a, long from, int n) {
    return window(a, from, n, a.data().length() * 4L > Integer.MAX_VALUE);
  }

  /** {@link #window(INDArray, long, int)}, through the pointer when {@code viaPointer} (tests: both ways agree). */
  static FloatBuffer window(INDArray a, long from, int n, boolean viaPointer) {
    if (!viaPointer) {
      FloatBuffer b = a.data().asNioFloat();
      b.limit((int) from + n);
      b.position((int) from);
      return b.slice();
    }
    Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
    // getPointer moves the address itself: a position beyond 2 GB gave an empty nio view (JavaCPP 1.5.7).
    FloatPointer p = new FloatPointer(a.data().addressPointer()).getPointer(from);
    p.limit(n);
    return p.asBuffer();
  }

  /**
   * Sets ({@code first}) or adds (otherwise) the little-endian floats of {@code chunk} to the values from index
   * {@code from}, then divides them by {@code divisor} unless it is 0; {@code scratch} is a work array at least as
   * long as the chunk. Used by the driver to average the workers' chunks in a fixed order: the last worker's chunk
   * is added and divided in one pass, the same float operations as an element-wise sum then a division.
   */
  void accumulate(long from, ByteBuffer chunk, boolean first, int divisor, float[] scratch) {
    FloatBuffer floats = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    int n = floats.remaining();
    if (from < 0 || from + n > values.length) {
      throw new IllegalArgumentException("chunk of " + n + " floats at " + from + " outside a state of "
          + values.length);
    }
    int at = (int) from;
    float[] a = values;
    if (first) {
      floats.get(a, at, n);
      if (divisor != 0) {
        float d = divisor;
        for (int i = at; i < at + n; i++) {
          a[i] /= d;
        }
      }
      return;
    }
    floats.get(scratch, 0, n);
    if (divisor == 0) {
      for (int i = 0; i < n; i++) {
        a[at + i] += scratch[i];
      }
    } else {
      float d = divisor;
      for (int i = 0; i < n; i++) {
        a[at + i] = (a[at + i] + scratch[i]) / d;
      }
    }
  }

  /** The values themselves, not a copy. */
  float[] values() {
    return values;
  }

  int paramCount() {
    return paramCount;
  }

  private static INDArray updaterState(ComputationGraph g) {
    return g.getUpdater() == null ? null : g.getUpdater().getStateViewArray();
  }

  private static int length(INDArray a) {
    return a == null ? 0 : Math.toIntExact(a.length());
  }

  /** Whether {@code a} covers its whole FLOAT buffer in order, so the buffer can be copied as one block. */
  private static boolean wholeBuffer(INDArray a) {
    return a.dataType() == DataType.FLOAT && a.offset() == 0 && a.data().length() == a.length()
        && a.ordering() == 'c' && a.elementWiseStride() == 1;
  }

  /** {@code a} in C order into {@code dst} from {@code offset}. */
  private static void copy(INDArray a, float[] dst, int offset) {
    int n = length(a);
    if (wholeBuffer(a)) {
      for (int from = 0; from < n; from += WINDOW) {
        int k = Math.min(WINDOW, n - from);
        window(a, from, k).get(dst, offset + from, k);
      }
    } else {
      System.arraycopy(a.dup('c').data().asFloat(), 0, dst, offset, n);
    }
  }

  /** {@code src[offset ..]} into {@code a} in C order. */
  private static void copy(float[] src, int offset, INDArray a) {
    int n = length(a);
    if (wholeBuffer(a)) {
      for (int from = 0; from < n; from += WINDOW) {
        int k = Math.min(WINDOW, n - from);
        window(a, from, k).put(src, offset + from, k);
      }
      // The host copy is now the current one (the CUDA backend copies it to the device when next used).
      Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
    } else {
      float[] part = java.util.Arrays.copyOfRange(src, offset, offset + n);
      a.assign(Nd4j.createFromArray(part).reshape('c', a.shape()));
    }
  }

  @Override
  public void write(Kryo kryo, Output output) {
    output.writeInt(paramCount, true);
    output.writeInt(values.length, true);
    writeValues(output::writeBytes);
  }

  @Override
  public void read(Kryo kryo, Input input) {
    paramCount = input.readInt(true);
    values = new float[input.readInt(true)];
    try {
      readValues(input::readBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // Kryo's Input throws KryoException, never IOException
    }
  }

  /** Java serialization (Spark's JavaSerializer): the same chunks, not ObjectOutputStream's float by float. */
  private void writeObject(ObjectOutputStream out) throws IOException {
    out.writeInt(paramCount);
    out.writeInt(values.length);
    writeValues(out::write);
  }

  private void readObject(ObjectInputStream in) throws IOException {
    paramCount = in.readInt();
    values = new float[in.readInt()];
    readValues(in::readFully);
  }

  private interface ByteSink {
    void write(byte[] bytes, int offset, int length) throws IOException;
  }

  private interface ByteSource {
    void readFully(byte[] bytes, int offset, int length) throws IOException;
  }

  /** The values as little-endian bytes, {@link #CHUNK} floats at a time. */
  private void writeValues(ByteSink sink) {
    ByteBuffer chunk = ByteBuffer.allocate(4 * Math.min(CHUNK, values.length)).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = chunk.asFloatBuffer();
    try {
      for (int from = 0; from < values.length; from += CHUNK) {
        int n = Math.min(CHUNK, values.length - from);
        floats.clear();
        floats.put(values, from, n);
        sink.write(chunk.array(), 0, 4 * n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readValues(ByteSource source) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(4 * Math.min(CHUNK, values.length)).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = chunk.asFloatBuffer();
    for (int from = 0; from < values.length; from += CHUNK) {
      int n = Math.min(CHUNK, values.length - from);
      source.readFully(chunk.array(), 0, 4 * n);
      floats.clear();
      floats.get(values, from, n);
    }
  }
}
