package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.CharClasses;
import dev.sparkpretrain.tokenization.PreTokenizedString;
import java.util.Objects;

/**
 * HF type {@code Punctuation}: every punctuation character (as BERT counts them: ASCII punctuation and
 * symbols, Unicode P*) is a delimiter of its own, kept per {@link SplitBehavior} (HF's default: isolated).
 */
public final class Punctuation implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  private final SplitBehavior behavior;

  public Punctuation(SplitBehavior behavior) {
    this.behavior = Objects.requireNonNull(behavior, "behavior");
  }

  public SplitBehavior behavior() {
    return behavior;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    text.refine((s, start, end, sink) -> behavior.split(s, start, end,
        Delimiters.characters(CharClasses::isBertPunctuation), false, sink));
  }
}
