package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * GPT causal-LM packing: documents joined by {@code end_of_text} and cut into windows of
 * {@code max_seq_length + 1} ids (Megatron-LM / nanoGPT style), no padding except possibly the very last window.
 */
public record GptObjectiveConfig(
    @JsonProperty("max_seq_length") Integer maxSeqLength,
    @JsonProperty("end_of_text") String endOfText)
    implements ObjectiveConfig {

  public GptObjectiveConfig {
    maxSeqLength = maxSeqLength == null ? 1024 : maxSeqLength;
    endOfText = endOfText == null ? "<|endoftext|>" : endOfText;
    ConfigException.require(maxSeqLength >= 2 && maxSeqLength <= 65536, "objective.max_seq_length",
        "an integer in [2, 65536]", maxSeqLength);
  }
}
