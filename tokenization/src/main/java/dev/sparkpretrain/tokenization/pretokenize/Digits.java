package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.PreTokenizedString;

/**
 * HF type {@code Digits}: numeric characters (Rust's {@code char::is_numeric}: Nd, Nl, No) are cut from
 * the rest, each on its own with {@code individualDigits} ("a123" → a, 1, 2, 3), else as one run
 * ("a123" → a, 123).
 */
public final class Digits implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  private final boolean individualDigits;

  public Digits(boolean individualDigits) {
    this.individualDigits = individualDigits;
  }

  public boolean individualDigits() {
    return individualDigits;
  }

  static boolean isNumeric(int cp) {
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    SplitBehavior behavior = individualDigits ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS;
    text.refine((s, start, end, sink) -> behavior.split(s, start, end,
        Delimiters.characters(Digits::isNumeric), false, sink));
  }
}
