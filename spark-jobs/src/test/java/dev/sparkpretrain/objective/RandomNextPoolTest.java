package dev.sparkpretrain.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RandomNextPoolTest {
  static TokenizedDocument doc(int... sentenceLengths) {
    List<int[]> sentences = new java.util.ArrayList<>();
    List<boolean[]> starts = new java.util.ArrayList<>();
    int id = 0;
    for (int n : sentenceLengths) {
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = id++;
      }
      sentences.add(ids);
      starts.add(new boolean[n]);
    }
    return new TokenizedDocument(42, sentences, starts);
  }

  @Test
  void excerptKeepsTheLeadingSentencesUpToTheLimit() {
    TokenizedDocument e = RandomNextPool.excerpt(doc(3, 4, 5, 6), 10);
    assertEquals(42, e.key());
    assertEquals(10, e.tokenCount(), "3 + 4 + the first 3 of 5");
    assertEquals(3, e.sentences().size());
    assertArrayEquals(new int[] {7, 8, 9}, e.sentences().get(2));
    assertEquals(3, e.wordStarts().get(2).length);
    assertEquals(doc(3, 4).tokenCount(), RandomNextPool.excerpt(doc(3, 4), 10).tokenCount(), "short: whole");
  }

  @Test
  void aHugeSingleSentenceIsCut() {
    TokenizedDocument e = RandomNextPool.excerpt(doc(5_000_000), 1024);
    assertEquals(1, e.sentences().size());
    assertEquals(1024, e.tokenCount());
  }
}
