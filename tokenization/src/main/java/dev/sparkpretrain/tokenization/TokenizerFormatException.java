package dev.sparkpretrain.tokenization;

/**
 * A tokenizer file that is malformed or uses something this project does not implement. The message names
 * the offending field as a path, e.g. {@code model.vocab} or {@code pre_tokenizer.pretokenizers[1].type}.
 */
public final class TokenizerFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public TokenizerFormatException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  public TokenizerFormatException(String field, String problem, Throwable cause) {
    super(field + ": " + problem, cause);
    this.field = field;
  }

  /** Path of the offending field. */
  public String field() {
    return field;
  }
}
