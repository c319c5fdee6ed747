package dev.sparkpretrain.tokenization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Counts agreement between our encodings and the oracle's, keeping the first few differences. */
public final class OracleComparison {
  private final String name;
  private int compared;
  private final List<String> differences = new ArrayList<>();
  private int differing;

  public OracleComparison(String name) {
    this.name = name;
  }

  /** Compares ids always, offsets/word starts/special flags when {@code full}. */
  public void check(String text, Encoding ours, Encoding expected, boolean full) {
    compared++;
    String what = null;
    if (!Arrays.equals(ours.ids(), expected.ids())) {
      what = "ids";
    } else if (full && !Arrays.equals(ours.typeIds(), expected.typeIds())) {
      what = "typeIds";
    } else if (full && !Arrays.equals(ours.specialTokens(), expected.specialTokens())) {
      what = "specialTokens";
    } else if (full && (!Arrays.equals(ours.starts(), expected.starts())
        || !Arrays.equals(ours.ends(), expected.ends()))) {
      what = "offsets";
    } else if (full && !Arrays.equals(ours.wordStarts(), expected.wordStarts())) {
      what = "wordStarts";
    }
    if (what != null) {
      differ(what, text, ours + "\n  expected " + expected);
    }
  }

  public void checkIds(String text, int[] ours, int[] expected) {
    compared++;
    if (!Arrays.equals(ours, expected)) {
      differ("ids", text, Arrays.toString(ours) + "\n  expected " + Arrays.toString(expected));
    }
  }

  public void checkText(String input, String ours, String expected) {
    compared++;
    if (!ours.equals(expected)) {
      differ("text", input, "'" + ours + "'\n  expected '" + expected + "'");
    }
  }

  private void differ(String what, String text, String detail) {
    differing++;
    if (differences.size() < 8) {
      String shown = text.length() > 160 ? text.substring(0, 160) + "..." : text;
      differences.add(what + " differ for " + escape(shown) + "\n  ours     " + detail);
    }
  }

  public int compared() {
    return compared;
  }

  public int differing() {
    return differing;
  }

  /** A one-line summary, printed by the tests so agreement numbers land in the Surefire output. */
  public String summary() {
    return String.format(java.util.Locale.ROOT, "%s: %d/%d agree", name, compared - differing, compared);
  }

  /** Fails listing the first differences, if any. */
  public void assertAllAgree() {
    System.out.println(summary());
    if (differing > 0) {
      throw new AssertionError(summary() + "\n" + String.join("\n", differences));
    }
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || Character.getType(cp) == Character.FORMAT
          || Character.isSurrogate((char) cp) && cp < 0x10000) {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", cp));
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }
}
