package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * T5 span corruption as seqio's {@code span_corruption}: {@code max_seq_length} is the inputs length (512 in T5),
 * from which the raw chunk and targets lengths follow ({@code random_spans_helper}).
 */
public record T5ObjectiveConfig(
    @JsonProperty("max_seq_length") Integer maxSeqLength,
    @JsonProperty("noise_density") Double noiseDensity,
    @JsonProperty("mean_noise_span_length") Double meanNoiseSpanLength,
    @JsonProperty("eos_token") String eosToken)
    implements ObjectiveConfig {

  public T5ObjectiveConfig {
    maxSeqLength = maxSeqLength == null ? 512 : maxSeqLength;
    noiseDensity = noiseDensity == null ? 0.15 : noiseDensity;
    meanNoiseSpanLength = meanNoiseSpanLength == null ? 3.0 : meanNoiseSpanLength;
    eosToken = eosToken == null ? "</s>" : eosToken;
    ConfigException.require(maxSeqLength >= 8 && maxSeqLength <= 65536, "objective.max_seq_length",
        "an integer in [8, 65536]", maxSeqLength);
    ConfigException.require(noiseDensity > 0 && noiseDensity < 1, "objective.noise_density", "a value in (0, 1)",
        noiseDensity);
    ConfigException.require(meanNoiseSpanLength >= 1, "objective.mean_noise_span_length", ">= 1",
        meanNoiseSpanLength);
  }
}
