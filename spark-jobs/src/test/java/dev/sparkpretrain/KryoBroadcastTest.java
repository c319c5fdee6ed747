package dev.sparkpretrain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * What the jobs broadcast goes through Spark's Kryo on a cluster (local mode hands broadcasts over unserialized):
 * objects holding the JDK's unmodifiable collections must come back whole. Before {@link RecordKryoRegistrator}
 * registered them, the broadcast tokenizer failed on every executor with an UnsupportedOperationException from
 * {@code ImmutableCollections.add} (found on a standalone cluster: ClusterDemoTest in src-test).
 */
class KryoBroadcastTest {
  private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf(false)
      .set("spark.kryo.registrator", RecordKryoRegistrator.class.getName())).newInstance();

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    ClassTag<T> tag = (ClassTag<T>) ClassTag$.MODULE$.apply(value.getClass());
    return KRYO.deserialize(KRYO.serialize(value, tag), tag);
  }

  /** A WordPiece tokenizer with added (special) tokens, which the tokenizer keeps in a {@code List.copyOf}. */
  static final String TOKENIZER_JSON = """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 4, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
       "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
       "pre_tokenizer": {"type": "BertPreTokenizer"},
       "post_processor": null,
       "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
       "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
         "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "the": 5, "whale": 6, "##s": 7, "call": 8, "me": 9, ".": 10}}}
      """;

  @Test
  void aTokenizerWithAddedTokensSurvivesKryo() {
    Tokenizer tokenizer = Tokenizer.fromJson(TOKENIZER_JSON);
    Tokenizer back = roundTrip(tokenizer);
    assertEquals(tokenizer.toJson(), back.toJson());
    String text = "Call me the whales. [MASK] whale";
    assertArrayEquals(tokenizer.encode(text).ids(), back.encode(text).ids());
    assertEquals(4, back.tokenToId("[MASK]"));
  }

  @Test
  void aByteLevelBpeTokenizerSurvivesKryoWithItsWordCache() {
    dev.sparkpretrain.tokenization.model.bpe.BpeTrainer trainer = new dev.sparkpretrain.tokenization.model.bpe
        .BpeTrainer(dev.sparkpretrain.tokenization.model.bpe.BpeTrainer.Options.gpt2(300));
    Map<String, Long> counts = new java.util.HashMap<>();
    for (String w : trainer.preTokenize("Call me Ishmael. Some years ago, never mind how long precisely, having "
        + "little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail")) {
      counts.merge(w, 3L, Long::sum);
    }
    Tokenizer tokenizer = trainer.train(counts);
    Tokenizer back = roundTrip(tokenizer);
    String text = "I thought I would sail about a little and see the watery part of the world.";
    assertArrayEquals(tokenizer.encode(text).ids(), back.encode(text).ids());
    assertArrayEquals(tokenizer.encode(text).ids(), back.encode(text).ids(), "again, through the word cache");
    assertEquals(tokenizer.toJson(), back.toJson());
  }

  @Test
  void theUnigramTrainersModelRebuildsItsTrie() {
    dev.sparkpretrain.tokenization.model.unigram.PieceModel model = new dev.sparkpretrain.tokenization.model
        .unigram.PieceModel(List.of("w", "h", "a", "l", "e", "wh", "ale"), new double[] {-3, -3, -3, -3, -3, -2, -2});
    dev.sparkpretrain.tokenization.model.unigram.PieceModel back = roundTrip(model);
    assertEquals(model.pieces(), back.pieces());
    // The E-step walks the trie that readObject rebuilds; Kryo's field serializer left it null (an NPE on every
    // executor of a cluster).
    dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer.EStep before =
        new dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer.EStep(model.size());
    dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer.EStep after =
        new dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer.EStep(back.size());
    before.add(model, "whale", 1);
    after.add(back, "whale", 1);
    assertArrayEquals(before.expected(), after.expected());
    assertEquals(before.objective(), after.objective());
  }

  /** Fields of every shape of the JDK's unmodifiable collections, as a broadcast value may hold them. */
  static final class Holder implements Serializable {
    List<String> one = List.of("a");
    List<String> many = List.copyOf(Arrays.asList("a", "b", "c"));
    List<String> sub = List.of("a", "b", "c").subList(1, 3);
    List<String> streamed = java.util.stream.Stream.of("x", "y").toList();
    Set<Integer> set = Set.of(1, 2, 3);
    Map<String, Integer> map = Map.of("a", 1, "b", 2);
    Map<String, Integer> single = Map.of("a", 1);
    List<Integer> wrapped = Collections.unmodifiableList(new ArrayList<>(List.of(4, 5)));
    Map<String, Integer> sorted = Collections.unmodifiableSortedMap(new TreeMap<>(Map.of("z", 26, "y", 25)));
    List<Integer> asList = Arrays.asList(7, 8, 9);
  }

  @Test
  void unmodifiableJdkCollectionsSurviveKryo() {
    Holder h = new Holder();
    Holder back = roundTrip(h);
    assertEquals(h.one, back.one);
    assertEquals(h.many, back.many);
    assertEquals(h.sub, back.sub);
    assertEquals(h.streamed, back.streamed);
    assertEquals(h.set, back.set);
    assertEquals(h.map, back.map);
    assertEquals(h.single, back.single);
    assertEquals(h.wrapped, back.wrapped);
    assertEquals(h.sorted, back.sorted);
    assertEquals(h.asList, back.asList);
  }
}
