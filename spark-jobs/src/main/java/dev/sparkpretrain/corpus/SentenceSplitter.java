package dev.sparkpretrain.corpus;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sentence boundaries from {@link BreakIterator} (Unicode UAX #29 rules: handles CJK full stops 。！？ as well as
 * Latin punctuation). Not thread-safe: one instance per task.
 */
public final class SentenceSplitter {
  private final BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);

  public List<String> split(String text) {
    List<String> out = new ArrayList<>();
    it.setText(text);
    int start = it.first();
    for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
      String s = text.substring(start, end).strip();
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }
}
