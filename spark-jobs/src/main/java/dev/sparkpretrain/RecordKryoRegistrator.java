package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.sparkpretrain.corpus.CorpusRecord;
import dev.sparkpretrain.corpus.Document;
import dev.sparkpretrain.corpus.Rejection;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.TokenizedDocument;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo (4.x, which cannot build field serializers for Java records) serialize this project's records:
 * component by component ({@link RecordSerializer}) when every component is a primitive, string, primitive array,
 * record or list, through Java serialization otherwise. The JDK's unmodifiable collections ({@code List.of},
 * {@code List.copyOf}, {@code Collections.unmodifiable*}, ...) get serializers of their own: Kryo's collection
 * serializers rebuild a collection by calling {@code add}/{@code put} on a new instance of the same class, which
 * these classes refuse, so a broadcast tokenizer failed to deserialize on every executor of a real cluster (local
 * mode hands broadcasts over without serializing them). Set by the CLI; with your own Kryo setup add
 * {@code --conf spark.kryo.registrator=dev.sparkpretrain.RecordKryoRegistrator}.
 */
public final class RecordKryoRegistrator implements KryoRegistrator {
  /**
   * Records that prepare shuffles, caches and broadcasts by the million: registered, so that Kryo writes a small
   * id instead of the class name before each one. Appending keeps the ids of the others.
   */
  static final List<Class<?>> FREQUENT = List.of(Document.class, CorpusRecord.class, Rejection.class,
      TokenizedDocument.class, BertExample.class, dev.sparkpretrain.jobs.prepare.CleanedDocument.class,
      dev.sparkpretrain.jobs.prepare.PreparedDocument.class);

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, (k, type) -> RecordSerializer.supports(type)
        ? new RecordSerializer(type) : new JavaSerializer());
    for (Class<?> c : FREQUENT) {
      if (c == TokenizedDocument.class) {
        kryo.register(c, new TokenizedDocumentSerializer()); // prepare's cache: its own compact form
      } else {
        kryo.register(c);
      }
    }
    IMMUTABLE_LISTS.forEach(c -> kryo.register(c, new ElementsSerializer<List<?>>(List::of)));
    IMMUTABLE_SETS.forEach(c -> kryo.register(c, new ElementsSerializer<Set<?>>(Set::of)));
    IMMUTABLE_MAPS.forEach(c -> kryo.register(c, new ImmutableMapSerializer()));
    UNMODIFIABLE_VIEWS.forEach(c -> kryo.register(c, new JavaSerializer()));
    JAVA_SERIALIZED.forEach(c -> kryo.register(c, new JavaSerializer()));
  }

  /**
   * What the jobs broadcast that rebuilds derived state in {@code readObject} (a transient trie, a word cache),
   * which Kryo's field serializer would leave null: the tokenizer (whole, so its model and components, such as
   * BpeModel's word cache, go through their own readObject too) and the Unigram trainer's model. Broadcast once per
   * job or EM round, so Java serialization's cost does not matter.
   */
  static final List<Class<?>> JAVA_SERIALIZED = List.of(dev.sparkpretrain.tokenization.Tokenizer.class,
      dev.sparkpretrain.tokenization.model.unigram.PieceModel.class);

  /** The classes of {@code List.of}, {@code List.copyOf}, {@code Stream.toList} and their sub lists. */
  static final List<Class<?>> IMMUTABLE_LISTS = List.of(List.of(1).getClass(), List.of(1, 2, 3).getClass(),
      List.of(1, 2, 3).subList(0, 2).getClass());
  static final List<Class<?>> IMMUTABLE_SETS = List.of(Set.of(1).getClass(), Set.of(1, 2, 3).getClass());
  static final List<Class<?>> IMMUTABLE_MAPS = List.of(Map.of(1, 1).getClass(), Map.of(1, 1, 2, 2).getClass());
  /** Unmodifiable wrappers and {@code Arrays.asList}: Java-serializable, and rare enough for its cost. */
  static final List<Class<?>> UNMODIFIABLE_VIEWS = List.of(
      Collections.unmodifiableCollection(new ArrayList<>()).getClass(),
      Collections.unmodifiableList(new ArrayList<>()).getClass(),
      Collections.unmodifiableList(new LinkedList<>()).getClass(),
      Collections.unmodifiableSet(new HashSet<>()).getClass(),
      Collections.unmodifiableSortedSet(new TreeSet<>()).getClass(),
      Collections.unmodifiableMap(new HashMap<>()).getClass(),
      Collections.unmodifiableSortedMap(new TreeMap<>()).getClass(),
      Arrays.asList(1).getClass());

  /** Elements in order, read back through {@code List::of} or {@code Set::of} (these hold no nulls). */
  static final class ElementsSerializer<C extends java.util.Collection<?>> extends Serializer<C> {
    private final java.util.function.Function<Object[], C> build;

    ElementsSerializer(java.util.function.Function<Object[], C> build) {
      this.build = build;
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, C items) {
      out.writeInt(items.size(), true);
      for (Object o : items) {
        kryo.writeClassAndObject(out, o);
      }
    }

    @Override
    public C read(Kryo kryo, Input in, Class<C> type) {
      Object[] items = new Object[in.readInt(true)];
      for (int i = 0; i < items.length; i++) {
        items[i] = kryo.readClassAndObject(in);
      }
      return build.apply(items);
    }
  }

  /** Keys and values, read back into {@code Map.ofEntries}. */
  static final class ImmutableMapSerializer extends Serializer<Map<?, ?>> {
    ImmutableMapSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output out, Map<?, ?> map) {
      out.writeInt(map.size(), true);
      for (Map.Entry<?, ?> e : map.entrySet()) {
        kryo.writeClassAndObject(out, e.getKey());
        kryo.writeClassAndObject(out, e.getValue());
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<?, ?> read(Kryo kryo, Input in, Class<Map<?, ?>> type) {
      Map.Entry<Object, Object>[] entries = new Map.Entry[in.readInt(true)];
      for (int i = 0; i < entries.length; i++) {
        entries[i] = Map.entry(kryo.readClassAndObject(in), kryo.readClassAndObject(in));
      }
      return Map.ofEntries(entries);
    }
  }
}
