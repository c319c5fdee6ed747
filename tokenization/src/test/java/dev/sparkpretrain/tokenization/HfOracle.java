package dev.sparkpretrain.tokenization;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * HF tokenizers (Rust, through DJL) as the reference: encodes with truncation and padding off and
 * converts its answer into our {@link Encoding}, offsets turned from code points into UTF-16 indices.
 */
public final class HfOracle implements AutoCloseable {
  private final HuggingFaceTokenizer withSpecials;
  private final HuggingFaceTokenizer withoutSpecials;

  public HfOracle(Path tokenizerJson) {
    try {
      withSpecials = HuggingFaceTokenizer.newInstance(tokenizerJson, options(true));
      withoutSpecials = HuggingFaceTokenizer.newInstance(tokenizerJson, options(false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> options(boolean addSpecialTokens) {
    return Map.of("addSpecialTokens", Boolean.toString(addSpecialTokens), "truncation", "false",
        "padding", "false");
  }

  private HuggingFaceTokenizer pick(boolean addSpecialTokens) {
    return addSpecialTokens ? withSpecials : withoutSpecials;
  }

  public Encoding encode(String text, boolean addSpecialTokens) {
    return convert(pick(addSpecialTokens).encode(text), text);
  }

  public int[] encodePairIds(String a, String b, boolean addSpecialTokens) {
    return toInts(pick(addSpecialTokens).encode(a, b).getIds());
  }

  public int[] encodePairTypeIds(String a, String b, boolean addSpecialTokens) {
    return toInts(pick(addSpecialTokens).encode(a, b).getTypeIds());
  }

  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return withSpecials.decode(l, skipSpecialTokens);
  }

  private static Encoding convert(ai.djl.huggingface.tokenizers.Encoding e, String text) {
    int[] ids = toInts(e.getIds());
    int n = ids.length;
    int[] cpToUtf16 = new int[text.codePointCount(0, text.length()) + 1];
    int cp = 0;
    for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
      cpToUtf16[cp++] = i;
    }
    cpToUtf16[cp] = text.length();
    CharSpan[] spans = e.getCharTokenSpans();
    long[] words = e.getWordIds();
    long[] special = e.getSpecialTokenMask();
    int[] starts = new int[n];
    int[] ends = new int[n];
    boolean[] wordStarts = new boolean[n];
    boolean[] specials = new boolean[n];
    for (int i = 0; i < n; i++) {
      specials[i] = special[i] != 0;
      if (spans[i] != null && !specials[i]) {
        starts[i] = cpToUtf16[Math.min(spans[i].getStart(), cp)];
        ends[i] = cpToUtf16[Math.min(spans[i].getEnd(), cp)];
      }
      wordStarts[i] = specials[i] || i == 0 || specials[i - 1] || words[i] != words[i - 1];
    }
    return new Encoding(ids, toInts(e.getTypeIds()), starts, ends, wordStarts, specials);
  }

  private static int[] toInts(long[] l) {
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      out[i] = Math.toIntExact(l[i]);
    }
    return out;
  }

  @Override
  public void close() {
    withSpecials.close();
    withoutSpecials.close();
  }
}
