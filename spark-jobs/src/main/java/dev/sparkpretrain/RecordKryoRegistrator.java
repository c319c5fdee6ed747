package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import dev.sparkpretrain.corpus.CorpusRecord;
import dev.sparkpretrain.corpus.Document;
import dev.sparkpretrain.corpus.Rejection;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.TokenizedDocument;
import java.util.List;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo (4.x, which cannot build field serializers for Java records) serialize this project's records:
 * component by component ({@link RecordSerializer}) when every component is a primitive, string, primitive array,
 * record or list, through Java serialization otherwise. Set by the CLI; with your own Kryo setup add
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
  }
}
