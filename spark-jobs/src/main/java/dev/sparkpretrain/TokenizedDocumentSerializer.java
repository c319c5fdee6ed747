package dev.sparkpretrain;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.sparkpretrain.objective.TokenizedDocument;
import java.util.ArrayList;
import java.util.List;

/**
 * Kryo serializer for {@link TokenizedDocument}, the bulk of prepare's cache: the key, the number of sentences, then
 * per sentence its length, its ids as variable-length ints and its word-start flags packed eight per byte. The same
 * bytes per id as {@link RecordSerializer} writes, without its per-array tags, reflective accessors and boxed values
 * (record (de)serialization was ~8% of the job's task time in a profile, docs/BENCHMARKS.md).
 */
final class TokenizedDocumentSerializer extends Serializer<TokenizedDocument> {

  @Override
  public void write(Kryo kryo, Output output, TokenizedDocument d) {
    List<int[]> sentences = d.sentences();
    List<boolean[]> starts = d.wordStarts();
    output.writeLong(d.key());
    output.writeVarInt(sentences.size(), true);
    byte[] packed = new byte[0];
    for (int s = 0; s < sentences.size(); s++) {
      int[] ids = sentences.get(s);
      boolean[] flags = starts.get(s);
      if (flags.length != ids.length) {
        throw new IllegalArgumentException("sentence " + s + ": " + ids.length + " ids, " + flags.length + " flags");
      }
      output.writeVarInt(ids.length, true);
      output.writeInts(ids, true); // token ids: mostly 2-3 bytes each
      int bytes = (flags.length + 7) >>> 3;
      if (packed.length < bytes) {
        packed = new byte[Math.max(bytes, 2 * packed.length)];
      } else {
        java.util.Arrays.fill(packed, 0, bytes, (byte) 0);
      }
      for (int i = 0; i < flags.length; i++) {
        if (flags[i]) {
          packed[i >>> 3] |= (byte) (1 << (i & 7));
        }
      }
      output.writeBytes(packed, 0, bytes);
    }
  }

  @Override
  public TokenizedDocument read(Kryo kryo, Input input, Class<TokenizedDocument> type) {
    long key = input.readLong();
    int n = input.readVarInt(true);
    List<int[]> sentences = new ArrayList<>(n);
    List<boolean[]> starts = new ArrayList<>(n);
    for (int s = 0; s < n; s++) {
      int length = input.readVarInt(true);
      sentences.add(input.readInts(length, true));
      boolean[] flags = new boolean[length];
      byte[] packed = input.readBytes((length + 7) >>> 3);
      for (int i = 0; i < length; i++) {
        flags[i] = (packed[i >>> 3] & (1 << (i & 7))) != 0;
      }
      starts.add(flags);
    }
    return new TokenizedDocument(key, sentences, starts);
  }
}
