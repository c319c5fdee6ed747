package dev.sparkpretrain.tokenization.normalize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What a trainer does to text before counting, as chosen per run: a Unicode normalization form (or none)
 * and lowercasing. The trained tokenizer applies the same steps, so encoding sees text as training saw it.
 * Each family adds its own steps after these (BERT's cleaning, SentencePiece's space collapsing).
 *
 * @param form null for none
 */
public record Normalization(UnicodeNormalizer.Form form, boolean lowercase) implements Serializable {

  /** Text as it comes (GPT-2). */
  public static final Normalization NONE = new Normalization(null, false);

  /** The steps in HF's terms: the form, then lowercasing; empty for {@link #NONE}. */
  public List<Normalizer> steps() {
    List<Normalizer> steps = new ArrayList<>(2);
    if (form != null) {
      steps.add(new UnicodeNormalizer(form));
    }
    if (lowercase) {
      steps.add(new Lowercase());
    }
    return steps;
  }
}
