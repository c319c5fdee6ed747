package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.RecordKryoRegistrator;
import dev.sparkpretrain.config.TrainerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** The flat parameters ‖ optimizer state the trainer moves each round: exact copies, exact serialization. */
class FlatStateTest {
  static final TrainerConfig T = TrainerFixtures.trainer(1, 4, 1, 1, 1);
  static final ClassTag<FlatState> TAG = ClassTag$.MODULE$.apply(FlatState.class);

  /** The tiny BERT with non-zero Adam moments (a fresh graph's are all zero, which would hide a bad copy). */
  static ComputationGraph graphWithState(long seed) {
    ComputationGraph g = TrainerFixtures.graph(T, seed);
    Nd4j.getRandom().setSeed(seed);
    g.getUpdater().getStateViewArray().assign(Nd4j.rand(g.getUpdater().getStateViewArray().shape()));
    return g;
  }

  static float[] params(ComputationGraph g) {
    return g.params().data().asFloat();
  }

  static float[] moments(ComputationGraph g) {
    return g.getUpdater().getStateViewArray().data().asFloat();
  }

  @Test
  void copiesParametersAndAdamMomentsBitForBit() {
    ComputationGraph a = graphWithState(1);
    ComputationGraph b = graphWithState(2);
    assertNotEquals(params(a)[0], params(b)[0]);
    FlatState s = FlatState.of(a);
    assertEquals(a.numParams() + a.getUpdater().getStateViewArray().length(), s.size());
    s.copyInto(b);
    assertArrayEquals(params(a), params(b));
    assertArrayEquals(moments(a), moments(b));
    // Parameters only (evaluation): the moments stay as they were.
    ComputationGraph c = graphWithState(3);
    float[] cMoments = moments(c);
    FlatState.paramsOf(a).copyInto(c);
    assertArrayEquals(params(a), params(c));
    assertArrayEquals(cMoments, moments(c));
  }

  @Test
  void refusesAGraphOfAnotherShape() {
    FlatState s = new FlatState(3, new float[] {1, 2, 3, 4});
    assertThrows(IllegalArgumentException.class, () -> s.copyInto(graphWithState(1)));
    assertThrows(IllegalArgumentException.class,
        () -> s.accumulate(0, littleEndian(new float[] {1, 2, 3, 4, 5}), false, 0, new float[5]));
  }

  private static ByteBuffer littleEndian(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b;
  }

  @Test
  void sumsAndAveragesInPlaceAsFloatArithmetic() {
    float[] x = {1.5f, -3f, 0.1f, 7f};
    float[] y = {2.5f, 1f, 0.2f, -7f};
    FlatState s = new FlatState(2, new float[4]);
    float[] scratch = new float[4];
    s.accumulate(0, littleEndian(x), true, 0, scratch);
    s.accumulate(0, littleEndian(y), false, 0, scratch);
    s.accumulate(0, littleEndian(y), false, 3, scratch); // the last worker: added and divided in one pass
    FlatState expected = new FlatState(2, new float[] {(x[0] + y[0] + y[0]) / 3f, (x[1] + y[1] + y[1]) / 3f,
        (x[2] + y[2] + y[2]) / 3f, (x[3] + y[3] + y[3]) / 3f});
    assertArrayEquals(expected.values(), s.values());
  }

  /** Spark's Kryo as the CLI configures it, and Java serialization: whole arrays and ones of odd lengths. */
  @Test
  void survivesSparksSerializersExactly() {
    SparkConf conf = new SparkConf().set("spark.kryo.registrator", RecordKryoRegistrator.class.getName());
    SerializerInstance kryo = new KryoSerializer(conf).newInstance();
    SerializerInstance unsafeKryo = new KryoSerializer(conf.clone().set("spark.kryo.unsafe", "true")).newInstance();
    SerializerInstance java = new JavaSerializer(conf).newInstance();
    SplittableRandom rng = new SplittableRandom(7);
    // Lengths around the 65,536-float chunk, an empty one, and the tiny BERT (~400 k values over several chunks).
    for (int n : new int[] {0, 1, 65_535, 65_536, 65_537, 200_001}) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) rng.nextGaussian();
      }
      if (n > 3) {
        v[1] = Float.NaN;
        v[2] = Float.NEGATIVE_INFINITY;
        v[3] = -0f;
      }
      FlatState s = new FlatState(n / 3, v);
      for (SerializerInstance ser : new SerializerInstance[] {kryo, unsafeKryo, java}) {
        FlatState back = roundTrip(ser, s);
        assertArrayEquals(v, back.values(), ser.getClass().getSimpleName() + " n=" + n);
        assertEquals(n / 3, back.paramCount());
        FlatState streamed = streamRoundTrip(ser, s);
        assertArrayEquals(v, streamed.values(), "stream " + ser.getClass().getSimpleName() + " n=" + n);
      }
    }
    FlatState g = FlatState.of(graphWithState(4));
    ComputationGraph target = graphWithState(5);
    roundTrip(kryo, g).copyInto(target);
    assertArrayEquals(g.values(), FlatState.of(target).values());
    assertTrue(g.size() > 3 * 65_536, "several chunks: " + g.size());
  }

  static FlatState roundTrip(SerializerInstance ser, FlatState s) {
    ByteBuffer bytes = ser.serialize(s, TAG);
    return ser.deserialize(bytes, TAG);
  }

  /** The way broadcasts travel: a serialization stream over a byte stream. */
  static FlatState streamRoundTrip(SerializerInstance ser, FlatState s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SerializationStream w = ser.serializeStream(out);
    w.writeObject(s, TAG);
    w.close();
    DeserializationStream r = ser.deserializeStream(new ByteArrayInputStream(out.toByteArray()));
    FlatState back = r.readObject(TAG);
    r.close();
    return back;
  }

  @Test
  void chunksWrittenFromTheGraphConcatenateToItsFlatStateAndSumInPlace() {
    ComputationGraph a = graphWithState(1);
    ComputationGraph b = graphWithState(2);
    float[] whole = FlatState.of(a).values();
    // 1,000 floats per chunk: the parameters' end falls inside a chunk, and the last chunk is short.
    int chunk = 1_000;
    java.util.List<ByteBuffer> chunks = new java.util.ArrayList<>();
    FlatState.writeChunks(a, chunk, chunks::add);
    assertEquals((whole.length + chunk - 1) / chunk, chunks.size());
    FlatState rebuilt = new FlatState((int) a.numParams(), new float[whole.length]);
    float[] scratch = new float[chunk];
    for (int c = 0; c < chunks.size(); c++) {
      assertEquals(java.nio.ByteOrder.LITTLE_ENDIAN, chunks.get(c).order());
      rebuilt.accumulate((long) c * chunk, chunks.get(c), true, 0, scratch);
    }
    assertArrayEquals(whole, rebuilt.values());

    java.util.List<ByteBuffer> other = new java.util.ArrayList<>();
    FlatState.writeChunks(b, chunk, other::add);
    for (int c = 0; c < other.size(); c++) {
      rebuilt.accumulate((long) c * chunk, other.get(c), false, 0, scratch);
    }
    FlatState expected = FlatState.of(a);
    FlatStates.add(expected, FlatState.of(b));
    assertArrayEquals(expected.values(), rebuilt.values(), "a + b, the same float additions as FlatState.add");

    // Three workers averaged as the last one is added: the same floats as add, add, then divide.
    FlatState averaged = new FlatState((int) a.numParams(), new float[whole.length]);
    for (int c = 0; c < chunks.size(); c++) {
      averaged.accumulate((long) c * chunk, chunks.get(c), true, 0, scratch);
      averaged.accumulate((long) c * chunk, other.get(c), false, 0, scratch);
      averaged.accumulate((long) c * chunk, chunks.get(c), false, 3, scratch);
    }
    FlatStates.add(expected, FlatState.of(a));
    FlatStates.divide(expected, 3);
    assertArrayEquals(expected.values(), averaged.values(), "(a + b + a) / 3 in one pass");
    // One worker: its own values, divided by 1.
    FlatState one = new FlatState((int) a.numParams(), new float[whole.length]);
    for (int c = 0; c < chunks.size(); c++) {
      one.accumulate((long) c * chunk, chunks.get(c), true, 1, scratch);
    }
    assertArrayEquals(whole, one.values());
    assertThrows(IllegalArgumentException.class,
        () -> rebuilt.accumulate(whole.length - 10, chunks.get(0), false, 0, scratch), "a chunk past the end");
  }

  @Test
  void buffersAbove2GbAreReadThroughPointerWindowsThatAgreeWithNio() {
    // The pointer path serves ND4J buffers above 2 GB (bert-large's Adam moments); here both paths on a small one.
    org.nd4j.linalg.api.ndarray.INDArray a = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1000);
    for (int from : new int[] {0, 1, 517, 990}) {
      int n = 1000 - from;
      java.nio.FloatBuffer nio = FlatState.window(a, from, n, false);
      java.nio.FloatBuffer pointer = FlatState.window(a, from, n, true);
      assertEquals(n, pointer.remaining());
      float[] x = new float[n];
      float[] y = new float[n];
      nio.get(x);
      pointer.get(y);
      assertArrayEquals(x, y, "from " + from);
      assertEquals(a.getFloat(from), y[0]);
    }
    // Writes through the pointer land in ND4J's buffer.
    FlatState.window(a, 10, 2, true).put(new float[] {3f, 4f});
    assertEquals(3f, a.getFloat(10));
    assertEquals(4f, a.getFloat(11));
  }
}
