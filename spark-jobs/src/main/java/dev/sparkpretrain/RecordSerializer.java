package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Kryo serializer for a Java record whose components are primitives, strings, primitive arrays, other records
 * or lists of those: each component written in declaration order, read back through the canonical constructor.
 * Kryo 4 cannot build field serializers for records (final fields, no no-arg constructor), and Java serialization
 * of the records that prepare shuffles and caches cost more CPU than cleaning the text.
 *
 * <p>Written directly, not through Kryo: strings as UTF-8 bytes (Kryo 4 decodes non-ASCII text char by char), and
 * {@code int[]}/{@code boolean[]} values (flags packed eight per byte), also inside lists (Kryo would enter each array in its reference table,
 * which it then clears after every record). Lists are read back as {@link ArrayList}, because Kryo's collection
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
          writeString(output, (String) v);
        } else if (t == List.class) {
          writeList(kryo, output, (List<?>) v);
        } else {
          writeValue(kryo, output, v);
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
        values[i] = readString(input);
      } else if (t == List.class) {
        values[i] = readList(kryo, input);
      } else {
        values[i] = readValue(kryo, input);
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
      writeValue(kryo, output, o);
    }
  }

  private static List<Object> readList(Kryo kryo, Input input) {
    int n = input.readVarInt(true) - 1;
    if (n < 0) {
      return null;
    }
    List<Object> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(readValue(kryo, input));
    }
    return list;
  }

  /** Length + 1 (0 for null), then the UTF-8 bytes. */
  private static void writeString(Output output, String s) {
    if (s == null) {
      output.writeVarInt(0, true);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    output.writeVarInt(utf8.length + 1, true);
    output.writeBytes(utf8);
  }

  private static String readString(Input input) {
    int n = input.readVarInt(true) - 1;
    return n < 0 ? null : new String(input.readBytes(n), StandardCharsets.UTF_8);
  }

  private static final byte OTHER = 0;
  private static final byte INTS = 1;
  private static final byte BOOLEANS = 2;

  /** A tag, then an {@code int[]} or {@code boolean[]} inline, or anything else (null included) through Kryo. */
  private static void writeValue(Kryo kryo, Output output, Object v) {
    if (v instanceof int[] ints) {
      output.writeByte(INTS);
      output.writeVarInt(ints.length, true);
      output.writeInts(ints, true); // token ids: mostly 2-3 bytes each
    } else if (v instanceof boolean[] flags) {
      // Eight flags per byte, in one write: a call per flag (Kryo's bounds check and refill) showed in profiles.
      output.writeByte(BOOLEANS);
      output.writeVarInt(flags.length, true);
      byte[] packed = new byte[(flags.length + 7) >>> 3];
      for (int i = 0; i < flags.length; i++) {
        if (flags[i]) {
          packed[i >>> 3] |= (byte) (1 << (i & 7));
        }
      }
      output.writeBytes(packed);
    } else {
      output.writeByte(OTHER);
      kryo.writeClassAndObject(output, v); // records, boxed values, null
    }
  }

  private static Object readValue(Kryo kryo, Input input) {
    byte tag = input.readByte();
    if (tag == INTS) {
      return input.readInts(input.readVarInt(true), true);
    }
    if (tag == BOOLEANS) {
      boolean[] flags = new boolean[input.readVarInt(true)];
      byte[] packed = input.readBytes((flags.length + 7) >>> 3);
      for (int i = 0; i < flags.length; i++) {
        flags[i] = (packed[i >>> 3] & (1 << (i & 7))) != 0;
      }
      return flags;
    }
    return kryo.readClassAndObject(input);
  }
}
