package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sparkpretrain.model.TransformerConfig;
import java.io.Serializable;
import java.util.Locale;

/**
 * Which architecture to train: a preset name from {@code conf/models/} (the vocabulary size always comes from
 * the tokenizer), optionally with another position encoding.
 *
 * @param preset a model preset, e.g. {@code bert-tiny}
 * @param positionEncoding {@code learned} or {@code sinusoidal} (fixed sines, no position table) for a BERT or GPT
 *     preset; unset keeps the preset's own (T5 presets only take {@code relative})
 */
public record ModelConfig(String preset, @JsonProperty("position_encoding") String positionEncoding)
    implements Serializable {
  public ModelConfig {
    preset = preset == null ? "bert-tiny" : preset;
    if (positionEncoding != null && TransformerConfig.presetNames().contains(preset)) {
      try {
        architecture(preset, positionEncoding);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("model.position_encoding: " + e.getMessage());
      }
    }
  }

  /** A preset with its own position encoding. */
  public ModelConfig(String preset) {
    this(preset, null);
  }

  public static ModelConfig defaults() {
    return new ModelConfig(null, null);
  }

  /** The preset with the position encoding applied (vocabulary size still the preset's). */
  public TransformerConfig architecture() {
    return architecture(preset, positionEncoding);
  }

  private static TransformerConfig architecture(String preset, String positionEncoding) {
    TransformerConfig c = TransformerConfig.preset(preset);
    if (positionEncoding == null) {
      return c;
    }
    TransformerConfig.PositionEncoding encoding;
    try {
      encoding = TransformerConfig.PositionEncoding.valueOf(positionEncoding.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("model.position_encoding: expected learned, sinusoidal or relative, got "
          + positionEncoding);
    }
    return c.withPositionEncoding(encoding);
  }
}
