package dev.sparkpretrain.tokenization;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text, as HF's {@code AddedVocabulary}: leftmost-longest, non-overlapping matches
 * (HF uses Aho-Corasick with that match kind), then the single-word, lstrip and rstrip rules. One matcher
 * holds either the tokens matched on original text or those matched on normalized text.
 */
final class AddedVocabulary implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Candidates by first UTF-16 unit, longest first, so the first hit at a position is the longest. */
  private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
  private final boolean empty;
  /** Bit c set when some token starts with UTF-16 unit c: the scan tests this before the map. */
  private final long[] firstChars = new long[1024];
  /** The first unit shared by all tokens (BERT's '[', GPT-2's '<'), or -1: then String.indexOf scans. */
  private final int onlyFirstChar;

  AddedVocabulary(List<AddedToken> tokens) {
    Map<Character, List<AddedToken>> groups = new HashMap<>();
    for (AddedToken t : tokens) {
      groups.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
    }
    groups.forEach((c, list) -> {
      firstChars[c >>> 6] |= 1L << c;
      list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
      byFirstChar.put(c, list.toArray(new AddedToken[0]));
    });
    empty = tokens.isEmpty();
    onlyFirstChar = groups.size() == 1 ? groups.keySet().iterator().next() : -1;
  }

  boolean isEmpty() {
    return empty;
  }

  /** Receives the pieces of a text: plain stretches ({@code token == null}) and added-token matches. */
  interface PieceSink {
    void piece(int start, int end, AddedToken token);
  }

  /** Whether {@link #split} would find a token in {@code text[from, to)}. */
  boolean occursIn(CharSequence text, int from, int to) {
    if (empty) {
      return false;
    }
    boolean[] found = new boolean[1];
    split(text, from, to, (start, end, token) -> found[0] |= token != null);
    return found[0];
  }

  /** Cuts {@code text[from, to)} into plain stretches and matches, in order. */
  void split(CharSequence text, int from, int to, PieceSink sink) {
    int plainStart = from;
    int i = from;
    while (i < to) {
      if (onlyFirstChar >= 0 && text instanceof String str) {
        // String.indexOf is vectorized by the JDK: most texts hold no '[' at all.
        int at = str.indexOf(onlyFirstChar, i);
        if (at < 0 || at >= to) {
          break;
        }
        i = at;
      }
      char first = text.charAt(i);
      if ((firstChars[first >>> 6] & (1L << first)) == 0) {
        i++;
        continue;
      }
      AddedToken[] candidates = byFirstChar.get(first);
      AddedToken match = null;
      if (candidates != null) {
        for (AddedToken t : candidates) {
          String c = t.content();
          if (i + c.length() <= to && regionMatches(text, i, c)) {
            match = t;
            break;
          }
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      int start = i;
      int stop = i + match.content().length();
      if (match.singleWord() && !(isWordBoundary(text, from, start, to, stop))) {
        i = stop; // HF's iterator resumes after the skipped match
        continue;
      }
      if (match.lstrip()) {
        while (start > plainStart && CharClasses.isWhitespace(text.charAt(start - 1))) {
          start--;
        }
      }
      if (match.rstrip()) {
        while (stop < to && CharClasses.isWhitespace(text.charAt(stop))) {
          stop++;
        }
      }
      if (plainStart < start) {
        sink.piece(plainStart, start, null);
      }
      sink.piece(start, stop, match);
      plainStart = stop;
      i = stop;
    }
    if (plainStart < to) {
      sink.piece(plainStart, to, null);
    }
  }

  private static boolean regionMatches(CharSequence text, int at, String s) {
    for (int k = 0; k < s.length(); k++) {
      if (text.charAt(at + k) != s.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** HF's single-word rule: no word character (\w) right before or right after the match. */
  private static boolean isWordBoundary(CharSequence text, int from, int start, int to, int stop) {
    boolean before = start == from || !isWordChar(Character.codePointBefore(text, start));
    boolean after = stop == to || !isWordChar(Character.codePointAt(text, stop));
    return before && after;
  }

  private static boolean isWordChar(int cp) {
    return Character.isLetterOrDigit(cp) || cp == '_' || Character.getType(cp) == Character.NON_SPACING_MARK
        || Character.getType(cp) == Character.CONNECTOR_PUNCTUATION;
  }
}
