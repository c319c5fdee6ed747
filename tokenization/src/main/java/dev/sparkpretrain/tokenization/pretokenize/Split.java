package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.PreTokenizedString;
import dev.sparkpretrain.tokenization.normalize.Replace;
import java.util.Objects;

/**
 * HF type {@code Split}: cuts at every match of a literal or a regex (HF's {@code {"String": ...}} or
 * {@code {"Regex": ...}}, the pattern type {@link Replace} uses too), keeping or joining the matches per
 * {@link SplitBehavior}; with {@code invert} the matches are the pieces and the text between them the
 * delimiters. HF runs Oniguruma regexes; Java's engine agrees on the usual syntax (classes, alternation,
 * lookaround, possessive and lazy quantifiers), with {@code \w \d \s} Unicode-aware as there.
 *
 * <pre>{@code
 * new Split(Replace.Pattern.literal("-"), SplitBehavior.MERGED_WITH_PREVIOUS, false); // "a-b" → "a-", "b"
 * }</pre>
 */
public final class Split implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  private final Replace.Pattern pattern;
  private final SplitBehavior behavior;
  private final boolean invert;
  private transient java.util.regex.Pattern compiled;

  public Split(Replace.Pattern pattern, SplitBehavior behavior, boolean invert) {
    this.pattern = Objects.requireNonNull(pattern, "pattern");
    this.behavior = Objects.requireNonNull(behavior, "behavior");
    this.invert = invert;
    this.compiled = pattern.compile();
  }

  public Replace.Pattern pattern() {
    return pattern;
  }

  public SplitBehavior behavior() {
    return behavior;
  }

  public boolean invert() {
    return invert;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    if (compiled == null) {
      compiled = pattern.compile(); // after deserialization
    }
    SplitBehavior.Matches matches = Delimiters.regex(compiled);
    text.refine((s, start, end, sink) -> behavior.split(s, start, end, matches, invert, sink));
  }
}
