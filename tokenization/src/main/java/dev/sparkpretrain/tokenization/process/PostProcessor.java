package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;
import java.io.Serializable;

/**
 * Fourth stage: adds special tokens around one sequence or a pair and sets type ids. Implementations are
 * immutable and thread-safe.
 */
public interface PostProcessor extends Serializable {
  /**
   * Combines {@code a} and (when not null) {@code b}, encoded from {@code textA} and {@code textB} (which
   * processors that adjust offsets look at). The inputs arrive with type ids 0 and 1; without
   * {@code addSpecialTokens} only type ids and offsets may change, as in HF.
   */
  Encoding process(Encoding a, String textA, Encoding b, String textB, boolean addSpecialTokens);
}
