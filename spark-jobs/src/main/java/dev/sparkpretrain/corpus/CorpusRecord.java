package dev.sparkpretrain.corpus;

import java.io.Serializable;

/** What a reader yields per input record: a document, or a rejection saying why there is none. */
public record CorpusRecord(Document document, Rejection rejection) implements Serializable {
  public static CorpusRecord ok(Document d) {
    return new CorpusRecord(d, null);
  }

  public static CorpusRecord rejected(Rejection r) {
    return new CorpusRecord(null, r);
  }

  public boolean isRejected() {
    return rejection != null;
  }
}
