package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.corpus.Rejection;
import java.io.Serializable;

/**
 * A document after cleaning: its key and text, or the reason it was set aside. It also carries the tallies of the
 * documents read that it stands for, so that the counts need no pass over the cleaned text: {@code copies} read
 * documents (1, or more once exact duplicates are merged into the earliest), {@code invalidUtf8} of which had
 * invalid UTF-8. A near-duplicate keeps its tallies and loses its text ({@link #nearDuplicate()}).
 */
public record CleanedDocument(long key, String source, long position, String text, int copies, int invalidUtf8,
    Rejection rejection) implements Serializable {

  /** One document read. */
  public CleanedDocument(long key, String source, long position, String text, boolean invalidUtf8,
      Rejection rejection) {
    this(key, source, position, text, 1, invalidUtf8 ? 1 : 0, rejection);
  }

  /** Whether this is a near-duplicate whose text was dropped (its copies all count as duplicates). */
  public boolean isNearDuplicate() {
    return text == null && rejection == null;
  }

  /** This document's tallies without its text: all its copies are near-duplicates of another document. */
  CleanedDocument nearDuplicate() {
    return new CleanedDocument(key, source, position, null, copies, invalidUtf8, null);
  }

  /**
   * Exact duplicates merged: the earliest (source, position) of the two survives, deterministically, with the
   * tallies of both. (Rejections are keyed by themselves, so two meet only when one file was read twice: the
   * second then counts as a duplicate.)
   */
  static CleanedDocument earliest(CleanedDocument a, CleanedDocument b) {
    int c = a.source().compareTo(b.source());
    CleanedDocument first = c < 0 || (c == 0 && a.position() <= b.position()) ? a : b;
    return new CleanedDocument(first.key, first.source, first.position, first.text, a.copies + b.copies,
        a.invalidUtf8 + b.invalidUtf8, first.rejection);
  }
}
