package dev.sparkpretrain.tokenization.io;

import dev.sparkpretrain.tokenization.TokenizerFormatException;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, just enough to read SentencePiece's {@code ModelProto}: varints, 32-bit
 * fixed (floats) and length-delimited fields (strings, bytes, nested messages). Fields this project does
 * not use are skipped by wire type, so newer SentencePiece files still load.
 */
final class ProtobufReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int FIXED32 = 5;

  private final byte[] data;
  private final int end;
  private final String path;
  private int pos;

  ProtobufReader(byte[] data, String path) {
    this(data, 0, data.length, path);
  }

  private ProtobufReader(byte[] data, int from, int to, String path) {
    this.data = data;
    this.pos = from;
    this.end = to;
    this.path = path;
  }

  boolean hasMore() {
    return pos < end;
  }

  /** Reads a tag; returns {@code fieldNumber << 3 | wireType}. */
  int readTag() {
    long tag = readVarint();
    if (tag <= 0 || tag > Integer.MAX_VALUE) {
      throw error("bad field tag " + tag);
    }
    return (int) tag;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error("truncated varint");
      }
      byte b = data[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error("varint longer than 10 bytes");
  }

  float readFloat() {
    return Float.intBitsToFloat(readFixed32());
  }

  int readFixed32() {
    if (pos + 4 > end) {
      throw error("truncated fixed32");
    }
    int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
        | (data[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  private int readLength() {
    long len = readVarint();
    if (len < 0 || pos + len > end) {
      throw error("length " + len + " runs past the end of the message");
    }
    return (int) len;
  }

  byte[] readBytes() {
    int len = readLength();
    byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + len);
    pos += len;
    return out;
  }

  String readString() {
    int len = readLength();
    String s = new String(data, pos, len, StandardCharsets.UTF_8);
    pos += len;
    return s;
  }

  /** A reader over the nested message at the current position, named {@code child} in errors. */
  ProtobufReader readMessage(String child) {
    int len = readLength();
    ProtobufReader r = new ProtobufReader(data, pos, pos + len, path + "." + child);
    pos += len;
    return r;
  }

  void skip(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case FIXED64 -> {
        if (pos + 8 > end) {
          throw error("truncated fixed64");
        }
        pos += 8;
      }
      case LENGTH_DELIMITED -> {
        int len = readLength(); // read before adding: "pos += readLength()" would add to the old pos
        pos += len;
      }
      case FIXED32 -> readFixed32();
      default -> throw error("unsupported wire type " + wireType);
    }
  }

  TokenizerFormatException error(String problem) {
    return new TokenizerFormatException(path, problem + " at byte " + pos);
  }

  String path() {
    return path;
  }
}
