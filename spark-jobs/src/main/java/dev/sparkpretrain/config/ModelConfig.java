package dev.sparkpretrain.config;

import java.io.Serializable;

/**
 * Which architecture to train: a preset name from {@code conf/models/} (the vocabulary size always comes from
 * the tokenizer).
 */
public record ModelConfig(String preset) implements Serializable {
  public ModelConfig {
    preset = preset == null ? "bert-tiny" : preset;
  }

  public static ModelConfig defaults() {
    return new ModelConfig(null);
  }
}
