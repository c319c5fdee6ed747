package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.io.Serializable;

/** The pretraining objective, selected in YAML by {@code objective.type}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = BertObjectiveConfig.class, name = "bert"),
    @JsonSubTypes.Type(value = GptObjectiveConfig.class, name = "gpt"),
    @JsonSubTypes.Type(value = T5ObjectiveConfig.class, name = "t5")})
public sealed interface ObjectiveConfig extends Serializable
    permits BertObjectiveConfig, GptObjectiveConfig, T5ObjectiveConfig {
  /** Longest example in tokens, special tokens included. */
  Integer maxSeqLength();
}
