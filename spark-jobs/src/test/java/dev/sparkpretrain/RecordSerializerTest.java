package dev.sparkpretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.objective.TokenizedDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.reflect.ClassTag$;

/** Records through Spark's Kryo with {@link RecordKryoRegistrator}, with and without reference tracking. */
class RecordSerializerTest {
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void tokenizedDocumentsRoundTripWithFlagsOfEveryLength(boolean referenceTracking) {
    SerializerInstance kryo = new KryoSerializer(new SparkConf(false)
        .set("spark.kryo.registrator", RecordKryoRegistrator.class.getName())
        .set("spark.kryo.referenceTracking", String.valueOf(referenceTracking))).newInstance();
    long seed = 42;
    SplittableRandom rng = new SplittableRandom(seed);
    List<int[]> sentences = new ArrayList<>();
    List<boolean[]> starts = new ArrayList<>();
    // Lengths around the byte boundaries of the packed flags.
    for (int n : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 100}) {
      int[] ids = new int[n];
      boolean[] flags = new boolean[n];
      for (int i = 0; i < n; i++) {
        ids[i] = rng.nextInt(50_000);
        flags[i] = rng.nextBoolean();
      }
      sentences.add(ids);
      starts.add(flags);
    }
    TokenizedDocument doc = new TokenizedDocument(-7L, sentences, starts);
    TokenizedDocument back = kryo.deserialize(kryo.serialize(doc, ClassTag$.MODULE$.apply(TokenizedDocument.class)),
        ClassTag$.MODULE$.apply(TokenizedDocument.class));
    assertEquals(doc.key(), back.key());
    assertEquals(sentences.size(), back.sentences().size());
    for (int i = 0; i < sentences.size(); i++) {
      assertArrayEquals(sentences.get(i), back.sentences().get(i), "seed " + seed + ", sentence " + i);
      assertArrayEquals(starts.get(i), back.wordStarts().get(i), "seed " + seed + ", flags " + i);
    }
  }
}
