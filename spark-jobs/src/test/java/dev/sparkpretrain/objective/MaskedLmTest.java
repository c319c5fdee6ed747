package dev.sparkpretrain.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaskedLmTest {
  // Tiny inline vocabulary: 0 [PAD], 1 [UNK], 2 [CLS], 3 [SEP], 4 [MASK], 5.. words.
  static final BertVocab VOCAB = new BertVocab(0, 2, 3, 4, 1000, 5);

  /** An example [CLS] w... [SEP] with ids that are never [MASK], so replacements are recognisable. */
  static int[] example(int n, SplittableRandom rng) {
    int[] t = new int[n];
    t[0] = VOCAB.cls();
    t[n - 1] = VOCAB.sep();
    for (int i = 1; i < n - 1; i++) {
      t[i] = 5 + rng.nextInt(995);
    }
    return t;
  }

  @Test
  void maskRateAndTheEightyTenTenSplitOverManyTokens() {
    long seed = 20261129L;
    System.out.println("MaskedLmTest seed " + seed);
    SplittableRandom data = new SplittableRandom(seed);
    SplittableRandom rng = new SplittableRandom(seed + 1);
    long tokens = 0;
    long predicted = 0;
    long masked = 0;
    long kept = 0;
    long random = 0;
    while (tokens < 200_000) {
      int n = 128;
      int[] original = example(n, data);
      int[] t = original.clone();
      boolean[] special = new boolean[n];
      special[0] = true;
      special[n - 1] = true;
      MaskedLm.Predictions p = MaskedLm.create(t, special, new boolean[n], 0.15, 1000, false, VOCAB, rng);
      tokens += n;
      predicted += p.positions().length;
      for (int k = 0; k < p.positions().length; k++) {
        int pos = p.positions()[k];
        assertTrue(!special[pos], "special tokens are never predicted");
        assertEquals(original[pos], p.ids()[k], "label is the original id");
        if (k > 0) {
          assertTrue(p.positions()[k] > p.positions()[k - 1], "positions ascend");
        }
        if (t[pos] == VOCAB.mask()) {
          masked++;
        } else if (t[pos] == original[pos]) {
          kept++;
        } else {
          random++;
        }
      }
      for (int i = 0; i < n; i++) {
        boolean isPredicted = false;
        for (int pos : p.positions()) {
          isPredicted |= pos == i;
        }
        if (!isPredicted) {
          assertEquals(original[i], t[i], "only predicted positions change");
        }
      }
    }
    double rate = (double) predicted / tokens;
    assertEquals(0.15, rate, 0.005, "mask rate");
    // A random replacement can draw the original id (1 in 995): it then counts as "kept".
    assertEquals(0.8, (double) masked / predicted, 0.01, "[MASK] share");
    assertEquals(0.1, (double) kept / predicted, 0.01, "unchanged share");
    assertEquals(0.1, (double) random / predicted, 0.01, "random share");
  }

  @Test
  void maxPredictionsCapsTheCount() {
    SplittableRandom rng = new SplittableRandom(7);
    int[] t = example(128, rng);
    boolean[] special = new boolean[128];
    special[0] = special[127] = true;
    MaskedLm.Predictions p = MaskedLm.create(t, special, new boolean[128], 0.15, 5, false, VOCAB, rng);
    assertEquals(5, p.positions().length);
  }

  @Test
  void wholeWordMaskingMasksEveryPieceOfAWord() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int trial = 0; trial < 200; trial++) {
      int n = 40;
      int[] t = example(n, rng);
      boolean[] special = new boolean[n];
      special[0] = special[n - 1] = true;
      boolean[] wordStart = new boolean[n];
      // Words of 1-3 pieces.
      for (int i = 1; i < n - 1; ) {
        wordStart[i] = true;
        i += 1 + rng.nextInt(3);
      }
      MaskedLm.Predictions p = MaskedLm.create(t, special, wordStart, 0.15, 20, true, VOCAB, rng);
      boolean[] chosen = new boolean[n];
      for (int pos : p.positions()) {
        chosen[pos] = true;
      }
      for (int i = 2; i < n - 1; i++) {
        if (!wordStart[i] && !special[i]) {
          assertEquals(chosen[i - 1], chosen[i], "piece " + i + " is predicted together with its word");
        }
      }
    }
  }

  @Test
  void maskFindsTheSpecialTokensFromTheLayoutAndLeavesTheInputAlone() {
    long seed = 20261130L;
    System.out.println("MaskedLmTest seed " + seed);
    SplittableRandom data = new SplittableRandom(seed);
    // [CLS] A(5) [SEP] B(6) [SEP]: positions 0, 6 and 13 are special.
    int[] ids = example(14, data);
    ids[6] = VOCAB.sep();
    int[] segments = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    boolean[] starts = new boolean[14];
    java.util.Arrays.fill(starts, true);
    BertExample unmasked = new BertExample(9L, ids.clone(), segments, new int[0], new int[0], 1, starts);
    // Everything but the specials is predicted when the budget allows it.
    MaskedLm.Rule all = new MaskedLm.Rule(0.99, 14, false, VOCAB);
    for (int trial = 0; trial < 50; trial++) {
      BertExample m = MaskedLm.mask(unmasked, all, new SplittableRandom(seed + trial));
      assertEquals(java.util.List.of(1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12),
          java.util.Arrays.stream(m.maskedLmPositions()).boxed().toList());
      assertEquals(9L, m.exampleId());
      assertEquals(1, m.nextSentenceLabel());
    }
    assertTrue(java.util.Arrays.equals(ids, unmasked.inputIds()), "the unmasked example is not modified");
    BertExample a = MaskedLm.mask(unmasked, new MaskedLm.Rule(0.15, 20, false, VOCAB), new SplittableRandom(1));
    BertExample b = MaskedLm.mask(unmasked, new MaskedLm.Rule(0.15, 20, false, VOCAB), new SplittableRandom(1));
    assertTrue(java.util.Arrays.equals(a.inputIds(), b.inputIds()), "same stream, same masks");
  }
}
