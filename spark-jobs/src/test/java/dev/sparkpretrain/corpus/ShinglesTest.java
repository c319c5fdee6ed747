package dev.sparkpretrain.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShinglesTest {
  @Test
  void oneIndexPerDistinctShingleSortedAndInRange() {
    // "abcabcab" has the 3-grams abc, bca, cab, abc, bca, cab: three distinct.
    int[] s = Shingles.indices("abcabcab", 3);
    assertEquals(3, s.length);
    for (int i = 0; i < s.length; i++) {
      assertTrue(s[i] >= 0 && s[i] < Shingles.DIMENSION);
      assertTrue(i == 0 || s[i] > s[i - 1], "sorted and distinct");
    }
    assertEquals(3, Shingles.indices("abcdefg", 5).length);
  }

  @Test
  void caseAndWhitespaceRunsDoNotMatter() {
    assertArrayEquals(Shingles.indices("Call me Ishmael.", 5), Shingles.indices("  call   ME\n\tishmael. ", 5));
    assertFalse(Arrays.equals(Shingles.indices("Call me Ishmael.", 5), Shingles.indices("Call me Ahab.", 5)));
  }

  @Test
  void rollingHashEqualsHashingEachShingleAlone() {
    // The rolling window must forget the outgoing character exactly: a shingle gets one index wherever it is.
    String text = "the whale, the whale, and the white whale";
    int[] all = Shingles.indices(text, 4);
    java.util.Set<String> distinct = new java.util.HashSet<>();
    for (int i = 0; i + 4 <= text.length(); i++) {
      distinct.add(text.substring(i, i + 4));
    }
    assertEquals(distinct.size(), all.length);
    for (int i = 0; i + 4 <= text.length(); i++) {
      if (text.charAt(i) == ' ' || text.charAt(i + 3) == ' ') {
        continue; // alone, leading or trailing whitespace would be ignored
      }
      int[] one = Shingles.indices(text.substring(i, i + 4), 4);
      assertEquals(1, one.length);
      assertTrue(Arrays.binarySearch(all, one[0]) >= 0, "shingle '" + text.substring(i, i + 4) + "'");
    }
  }

  @Test
  void textShorterThanAShingleIsOneShingle() {
    assertEquals(1, Shingles.indices("ab", 5).length);
    assertNotEquals(Shingles.indices("ab", 5)[0], Shingles.indices("ac", 5)[0]);
  }
}
