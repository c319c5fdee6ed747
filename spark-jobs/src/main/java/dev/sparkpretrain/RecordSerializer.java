package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * Kryo serializer for a Java record whose components are primitives, strings, primitive arrays, other records
 * or lists of those: each component written in declaration order, read back through the canonical constructor.
 * Kryo 4 cannot build field serializers for records (final fields, no no-arg constructor), and Java serialization
 * of the records that prepare shuffles and caches cost more CPU than cleaning the text.
 *
 * <p>Lists are written as size + elements and read back as {@link ArrayList}, because Kryo's collection
 * serializer cannot rebuild the immutable lists of {@code List.of}/{@code List.copyOf}.
 */
final class RecordSerializer extends Serializer<Record> {
  private final Constructor<?> constructor;
  private final Method[] accessors;
  private final Class<?>[] types;

  RecordSerializer(Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    accessors = new Method[components.length];
    types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      accessors[i] = components[i].getAccessor();
      accessors[i].setAccessible(true);
      types[i] = components[i].getType();
    }
    try {
      constructor = type.getDeclaredConstructor(types);
      constructor.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("record " + type.getName() + " has no canonical constructor", e);
    }
  }

  /** Whether every component is a type this serializer writes itself or hands to Kryo safely. */
  static boolean supports(Class<?> type) {
    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      boolean ok = t.isPrimitive() || t == String.class || (t.isArray() && t.getComponentType().isPrimitive())
          || t.isRecord() || t == List.class || t == Long.class || t == Integer.class;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void write(Kryo kryo, Output output, Record record) {
    try {
      for (int i = 0; i < accessors.length; i++) {
        Object v = accessors[i].invoke(record);
        Class<?> t = types[i];
        if (t == long.class) {
          output.writeLong((Long) v);
        } else if (t == int.class) {
          output.writeVarInt((Integer) v, false);
        } else if (t == boolean.class) {
          output.writeBoolean((Boolean) v);
        } else if (t == double.class) {
          output.writeDouble((Double) v);
        } else if (t == String.class) {
          output.writeString((String) v); // null-safe
        } else if (t == List.class) {
          writeList(kryo, output, (List<?>) v);
        } else {
          kryo.writeClassAndObject(output, v); // primitive arrays, records, boxed values; null-safe
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new KryoException("cannot serialize " + record.getClass().getName(), e);
    }
  }

  @Override
  public Record read(Kryo kryo, Input input, Class<Record> type) {
    Object[] values = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i];
      if (t == long.class) {
        values[i] = input.readLong();
      } else if (t == int.class) {
        values[i] = input.readVarInt(false);
      } else if (t == boolean.class) {
        values[i] = input.readBoolean();
      } else if (t == double.class) {
        values[i] = input.readDouble();
      } else if (t == String.class) {
        values[i] = input.readString();
      } else if (t == List.class) {
        values[i] = readList(kryo, input);
      } else {
        values[i] = kryo.readClassAndObject(input);
      }
    }
    try {
      return (Record) constructor.newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new KryoException("cannot build " + type.getName(), e);
    }
  }

  private static void writeList(Kryo kryo, Output output, List<?> list) {
    if (list == null) {
      output.writeVarInt(0, true);
      return;
    }
    output.writeVarInt(list.size() + 1, true);
    for (Object o : list) {
      kryo.writeClassAndObject(output, o);
    }
  }

  private static List<Object> readList(Kryo kryo, Input input) {
    int n = input.readVarInt(true) - 1;
    if (n < 0) {
      return null;
    }
    List<Object> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(kryo.readClassAndObject(input));
    }
    return list;
  }
}
