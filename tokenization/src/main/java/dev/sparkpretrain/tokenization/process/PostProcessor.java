package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;
import java.io.Serializable;

/**
 * Fourth stage: adds special tokens around one sequence or a pair and sets type ids. Implementations are
 * immutable and thread-safe.
 */
public interface PostProcessor extends Serializable {
  /**
   * Combines {@code a} and (when not null) {@code b}. The inputs arrive with type ids 0 and 1; without
   * {@code addSpecialTokens} only the type ids may change, as in HF.
   */
  Encoding process(Encoding a, Encoding b, boolean addSpecialTokens);
}
