package dev.sparkpretrain.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.PairTask;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BertExamplesTest {
  static final BertVocab VOCAB = MaskedLmTest.VOCAB;

  /** Documents of sentences whose ids encode (document, sentence): id = 5 + doc * 50 + sentence. */
  static List<TokenizedDocument> corpus(int docs, SplittableRandom rng) {
    List<TokenizedDocument> out = new ArrayList<>();
    for (int d = 0; d < docs; d++) {
      int sentences = 1 + rng.nextInt(12);
      List<int[]> s = new ArrayList<>();
      List<boolean[]> w = new ArrayList<>();
      for (int j = 0; j < sentences; j++) {
        int len = 3 + rng.nextInt(20);
        int[] ids = new int[len];
        java.util.Arrays.fill(ids, 5 + (d % 19) * 50 + j);
        s.add(ids);
        boolean[] starts = new boolean[len];
        java.util.Arrays.fill(starts, true);
        w.add(starts);
      }
      out.add(new TokenizedDocument(1000L + d, s, w));
    }
    return out;
  }

  static BertObjectiveConfig config(int maxSeq) {
    return new BertObjectiveConfig(maxSeq, 0.1, 0.15, 20, 1, false, null, null, null);
  }

  static BertObjectiveConfig sop(int maxSeq, double maskedLmProb) {
    return new BertObjectiveConfig(maxSeq, 0.1, maskedLmProb, 20, 1, false, null, null, PairTask.SOP);
  }

  @Test
  void examplesHaveTheBertLayoutAndFit() {
    SplittableRandom rng = new SplittableRandom(3);
    List<TokenizedDocument> docs = corpus(300, rng);
    RandomNextPool pool = new RandomNextPool(docs);
    int count = 0;
    for (TokenizedDocument d : docs) {
      for (BertExample e : BertExamples.create(d, 0, pool, config(64), VOCAB, new SplittableRandom(d.key()))) {
        count++;
        int[] ids = e.inputIds();
        assertTrue(ids.length <= 64, "fits max_seq_length");
        assertEquals(VOCAB.cls(), ids[0]);
        assertEquals(VOCAB.sep(), ids[ids.length - 1]);
        int firstSep = -1;
        for (int i = 1; i < ids.length - 1; i++) {
          if (ids[i] == VOCAB.sep()) {
            firstSep = i;
            break;
          }
        }
        assertTrue(firstSep > 1 && firstSep < ids.length - 2, "A and B are both non-empty");
        for (int i = 0; i < ids.length; i++) {
          assertEquals(i <= firstSep ? 0 : 1, e.segmentIds()[i], "segment id at " + i);
        }
        assertEquals(e.maskedLmPositions().length, e.maskedLmIds().length);
      }
    }
    assertTrue(count > 300, "several examples per long document, got " + count);
  }

  @Test
  void nextSentenceLabelIsRandomHalfTheTimeOverManyTokens() {
    long seed = 77;
    System.out.println("BertExamplesTest NSP seed " + seed);
    List<TokenizedDocument> docs = corpus(6000, new SplittableRandom(seed));
    RandomNextPool pool = new RandomNextPool(docs);
    long tokens = 0;
    long count = 0;
    long randomNext = 0;
    for (TokenizedDocument d : docs) {
      tokens += d.tokenCount();
      for (BertExample e : BertExamples.create(d, 0, pool, config(64), VOCAB, new SplittableRandom(d.key()))) {
        count++;
        randomNext += e.nextSentenceLabel();
      }
    }
    assertTrue(tokens > 100_000, "tokens " + tokens);
    double share = (double) randomNext / count;
    assertEquals(0.5, share, 0.01, "random-next share over " + count + " examples");
  }

  @Test
  void sameSeedSameExamples() {
    List<TokenizedDocument> docs = corpus(50, new SplittableRandom(5));
    RandomNextPool pool = new RandomNextPool(docs);
    for (TokenizedDocument d : docs) {
      List<BertExample> a = BertExamples.create(d, 0, pool, config(48), VOCAB, new SplittableRandom(d.key()));
      List<BertExample> b = BertExamples.create(d, 0, pool, config(48), VOCAB, new SplittableRandom(d.key()));
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i).inputIds(), b.get(i).inputIds());
        assertArrayEquals(a.get(i).maskedLmPositions(), b.get(i).maskedLmPositions());
        assertEquals(a.get(i).exampleId(), b.get(i).exampleId());
      }
    }
  }

  @Test
  void actualNextKeepsDocumentOrder() {
    // With a non-random B, B's sentences follow A's in the same document: ids only increase.
    List<TokenizedDocument> docs = corpus(200, new SplittableRandom(9));
    RandomNextPool pool = new RandomNextPool(docs);
    int checked = 0;
    for (TokenizedDocument d : docs) {
      BertObjectiveConfig config = new BertObjectiveConfig(128, 0.0, 0.01, 1, 1, false, null, null, null);
      for (BertExample e : BertExamples.create(d, 0, pool, config, VOCAB, new SplittableRandom(d.key()))) {
        if (e.nextSentenceLabel() == 0) {
          int prev = -1;
          for (int i = 0; i < e.inputIds().length; i++) {
            int id = e.inputIds()[i];
            boolean isPrediction = false;
            for (int p : e.maskedLmPositions()) {
              isPrediction |= p == i;
            }
            if (id >= 5 && !isPrediction) {
              assertTrue(id >= prev, "document order");
              prev = id;
            }
          }
          checked++;
        }
      }
    }
    assertTrue(checked > 50);
  }

  @Test
  void sentenceOrderIsSwappedHalfTheTimeOverManyTokens() {
    long seed = 78;
    System.out.println("BertExamplesTest SOP seed " + seed);
    List<TokenizedDocument> docs = corpus(6000, new SplittableRandom(seed));
    long tokens = 0;
    long count = 0;
    long swapped = 0;
    for (TokenizedDocument d : docs) {
      tokens += d.tokenCount();
      // No pool: sentence-order prediction never draws from another document.
      for (BertExample e : BertExamples.create(d, 0, null, sop(64, 0.15), VOCAB, new SplittableRandom(d.key()))) {
        count++;
        swapped += e.nextSentenceLabel();
      }
    }
    assertTrue(tokens > 100_000, "tokens " + tokens);
    assertEquals(0.5, (double) swapped / count, 0.01, "swapped share over " + count + " examples");
  }

  @Test
  void sentenceOrderPairsAreConsecutiveTextOfTheSameDocument() {
    // Ids encode (document, sentence) and rise through a document: in order, every id of A is <= every id of B;
    // swapped, every id of B is <= every id of A. Masking is almost off so ids stay readable.
    List<TokenizedDocument> docs = corpus(300, new SplittableRandom(11));
    int[] byLabel = new int[2];
    for (TokenizedDocument d : docs) {
      int docBase = 5 + (int) ((d.key() - 1000) % 19) * 50;
      for (BertExample e : BertExamples.create(d, 0, null, sop(128, 0.01), VOCAB, new SplittableRandom(d.key()))) {
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < e.inputIds().length; i++) {
          int id = e.inputIds()[i];
          int position = i;
          if (id < 5 || java.util.Arrays.stream(e.maskedLmPositions()).anyMatch(p -> p == position)) {
            continue;
          }
          assertTrue(id >= docBase && id < docBase + 50, "id " + id + " from document " + d.key());
          (e.segmentIds()[i] == 0 ? a : b).add(id);
        }
        List<Integer> first = e.nextSentenceLabel() == 0 ? a : b;
        List<Integer> second = e.nextSentenceLabel() == 0 ? b : a;
        if (!first.isEmpty() && !second.isEmpty()) {
          assertTrue(java.util.Collections.max(first) <= java.util.Collections.min(second),
              "label " + e.nextSentenceLabel() + ": A " + a + " B " + b);
        }
        byLabel[e.nextSentenceLabel()]++;
      }
    }
    assertTrue(byLabel[0] > 100 && byLabel[1] > 100, "both orders seen: " + java.util.Arrays.toString(byLabel));
  }
}
