package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo (4.x, which cannot build field serializers for Java records) serialize this project's records
 * through Java serialization. Set by the CLI; with your own Kryo setup add
 * {@code --conf spark.kryo.registrator=dev.sparkpretrain.RecordKryoRegistrator}.
 */
public final class RecordKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
