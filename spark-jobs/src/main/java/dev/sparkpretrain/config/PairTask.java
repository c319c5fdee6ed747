package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The sentence-pair task trained beside BERT's masked LM ({@code objective.pair_task}). Both write their label to
 * {@code next_sentence_label}, as ALBERT's {@code create_pretraining_data.py} also does.
 */
public enum PairTask {
  /** Next-sentence prediction (BERT): 0 = B follows A in the document, 1 = B comes from another document. */
  @JsonProperty("nsp") NSP,
  /**
   * Sentence-order prediction (ALBERT, Lan et al. 2019): A and B are always consecutive text of one document;
   * 0 = in order, 1 = swapped. The task cannot be solved by topic alone, unlike NSP.
   */
  @JsonProperty("sop") SOP
}
