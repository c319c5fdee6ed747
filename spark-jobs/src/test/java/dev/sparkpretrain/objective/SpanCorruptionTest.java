package dev.sparkpretrain.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpanCorruptionTest {
  @Test
  void lengthsMatchT5RandomSpansHelper() {
    // 512 -> (568, 114) is the value quoted in T5's code and configs. The others come from running the body of
    // t5.data.preprocessors.random_spans_helper in Python 3 (whose round() rounds half to even).
    assertEquals(new SpanCorruption.Lengths(568, 114), SpanCorruption.lengths(512, 0.15, 3.0));
    assertEquals(new SpanCorruption.Lengths(141, 29), SpanCorruption.lengths(128, 0.15, 3.0));
    assertEquals(new SpanCorruption.Lengths(70, 14), SpanCorruption.lengths(64, 0.15, 3.0));
    assertEquals(new SpanCorruption.Lengths(284, 58), SpanCorruption.lengths(256, 0.15, 3.0));
  }

  @Test
  void noiseDensityAndSpanLengthOverManyTokens() {
    long seed = 4242;
    System.out.println("SpanCorruptionTest seed " + seed);
    SplittableRandom rng = new SplittableRandom(seed);
    long tokens = 0;
    long noise = 0;
    long spans = 0;
    while (tokens < 200_000) {
      boolean[] m = SpanCorruption.noiseMask(568, 0.15, 3.0, rng);
      tokens += m.length;
      assertTrue(!m[0], "the first span is never noise");
      for (int i = 0; i < m.length; i++) {
        if (m[i]) {
          noise++;
          if (i == 0 || !m[i - 1]) {
            spans++;
          }
        }
      }
    }
    assertEquals(0.15, (double) noise / tokens, 0.005, "noise density");
    assertEquals(3.0, (double) noise / spans, 0.1, "mean noise span length");
  }

  @Test
  void inputsAndTargetsInterleaveBackToTheOriginal() {
    SplittableRandom rng = new SplittableRandom(1);
    int vocab = 1000;
    int eos = 1;
    for (int trial = 0; trial < 100; trial++) {
      int[] tokens = new int[568];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = 2 + rng.nextInt(800);
      }
      SpanCorruption.Example e = SpanCorruption.corrupt(tokens, 0.15, 3.0, vocab, eos, rng);
      assertEquals(512, e.inputs().length, "inputs fill the 512 budget exactly");
      assertEquals(114, e.targets().length);
      // Rebuild the original: each sentinel in the inputs is replaced by what follows it in the targets.
      List<Integer> rebuilt = new ArrayList<>();
      int t = 0;
      for (int i = 0; i < e.inputs().length - 1; i++) {
        int id = e.inputs()[i];
        if (id >= 900) {
          assertEquals(id, e.targets()[t++], "sentinels appear in the same order");
          while (e.targets()[t] < 900 && e.targets()[t] != eos) {
            rebuilt.add(e.targets()[t++]);
          }
        } else {
          rebuilt.add(id);
        }
      }
      assertArrayEquals(tokens, rebuilt.stream().mapToInt(Integer::intValue).toArray());
      assertEquals(vocab - 1, e.inputs()[indexOfFirstSentinel(e.inputs())], "<extra_id_0> is the last id");
    }
  }

  private static int indexOfFirstSentinel(int[] ids) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] >= 900) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void gptWindowsAreFullExceptTheLast() {
    GptPacking packing = new GptPacking(8, 0);
    List<int[]> windows = new ArrayList<>();
    SplittableRandom rng = new SplittableRandom(2);
    long total = 0;
    for (int d = 0; d < 500; d++) {
      int[] doc = new int[1 + rng.nextInt(30)];
      java.util.Arrays.fill(doc, d + 1);
      total += doc.length + 1;
      windows.addAll(packing.add(doc));
    }
    int[] last = packing.finish();
    for (int[] w : windows) {
      assertEquals(9, w.length);
    }
    assertEquals(total, windows.size() * 9L + last.length, "no token lost");
  }
}
