package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * The tokenizer: either an existing file ({@code file}: tokenizer.json, vocab.txt or .model) or one trained
 * on the corpus by a distributed count.
 *
 * @param file an existing tokenizer; when set, nothing is trained
 * @param model the algorithm to train when {@code file} is not set
 * @param vocabSize target vocabulary size including special tokens
 * @param minFrequency words seen fewer times are not counted
 * @param lowercase lowercase and strip accents (BERT uncased)
 */
public record TokenizerConfig(
    String file,
    Model model,
    @JsonProperty("vocab_size") Integer vocabSize,
    @JsonProperty("min_frequency") Long minFrequency,
    Boolean lowercase)
    implements Serializable {

  public enum Model {
    @JsonProperty("wordpiece") WORDPIECE,
    @JsonProperty("bpe") BPE,
    @JsonProperty("unigram") UNIGRAM
  }

  public TokenizerConfig {
    model = model == null ? Model.WORDPIECE : model;
    vocabSize = vocabSize == null ? 8000 : vocabSize;
    minFrequency = minFrequency == null ? 2L : minFrequency;
    lowercase = lowercase == null || lowercase;
    // 5 special tokens + at least a few hundred characters/pieces; 1M keeps the embedding sane.
    ConfigException.require(vocabSize >= 100 && vocabSize <= 1_000_000, "tokenizer.vocab_size",
        "an integer in [100, 1000000]", vocabSize);
    ConfigException.require(minFrequency >= 1, "tokenizer.min_frequency", ">= 1", minFrequency);
  }

  public static TokenizerConfig defaults() {
    return new TokenizerConfig(null, null, null, null, null);
  }

  public TokenizerConfig withFile(String path) {
    return new TokenizerConfig(path, model, vocabSize, minFrequency, lowercase);
  }
}
