package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * BERT example creation, with google-research/bert {@code create_pretraining_data.py}'s names and defaults
 * (except {@code dupe_factor}, 10 there: static masking copies are cheap to ask for and costly to store).
 * {@code masking: dynamic} (RoBERTa) leaves the shards unmasked, with word starts, and the trainer masks every
 * epoch anew; copies would then be identical, so {@code dupe_factor} must be 1.
 */
public record BertObjectiveConfig(
    @JsonProperty("max_seq_length") Integer maxSeqLength,
    @JsonProperty("short_seq_prob") Double shortSeqProb,
    @JsonProperty("masked_lm_prob") Double maskedLmProb,
    @JsonProperty("max_predictions_per_seq") Integer maxPredictionsPerSeq,
    @JsonProperty("dupe_factor") Integer dupeFactor,
    @JsonProperty("whole_word_masking") Boolean wholeWordMasking,
    @JsonProperty("random_next_pool") Integer randomNextPool,
    Masking masking,
    @JsonProperty("pair_task") PairTask pairTask)
    implements ObjectiveConfig {

  /** Where masked-LM masks are drawn: once, in the shards ({@code static}), or by the trainer every epoch. */
  public enum Masking {
    @JsonProperty("static") STATIC,
    @JsonProperty("dynamic") DYNAMIC
  }

  public BertObjectiveConfig {
    maxSeqLength = maxSeqLength == null ? 128 : maxSeqLength;
    shortSeqProb = shortSeqProb == null ? 0.1 : shortSeqProb;
    maskedLmProb = maskedLmProb == null ? 0.15 : maskedLmProb;
    maxPredictionsPerSeq = maxPredictionsPerSeq == null ? 20 : maxPredictionsPerSeq;
    dupeFactor = dupeFactor == null ? 1 : dupeFactor;
    wholeWordMasking = wholeWordMasking != null && wholeWordMasking;
    // Random "next sentence" segments are drawn from a bounded sample of the whole corpus, so driver and
    // executor memory do not grow with the corpus.
    randomNextPool = randomNextPool == null ? 20_000 : randomNextPool;
    masking = masking == null ? Masking.STATIC : masking;
    pairTask = pairTask == null ? PairTask.NSP : pairTask;
    ConfigException.require(maxSeqLength >= 8 && maxSeqLength <= 8192, "objective.max_seq_length",
        "an integer in [8, 8192]", maxSeqLength);
    ConfigException.require(shortSeqProb >= 0 && shortSeqProb <= 1, "objective.short_seq_prob", "a value in [0, 1]",
        shortSeqProb);
    ConfigException.require(maskedLmProb > 0 && maskedLmProb < 1, "objective.masked_lm_prob", "a value in (0, 1)",
        maskedLmProb);
    ConfigException.require(maxPredictionsPerSeq >= 1 && maxPredictionsPerSeq <= maxSeqLength,
        "objective.max_predictions_per_seq", "an integer in [1, max_seq_length]", maxPredictionsPerSeq);
    ConfigException.require(dupeFactor >= 1 && dupeFactor <= 100, "objective.dupe_factor", "an integer in [1, 100]",
        dupeFactor);
    ConfigException.require(masking == Masking.STATIC || dupeFactor == 1, "objective.dupe_factor",
        "1 with masking: dynamic (the trainer draws new masks every epoch)", dupeFactor);
    ConfigException.require(randomNextPool >= 10, "objective.random_next_pool", ">= 10", randomNextPool);
  }

  public static BertObjectiveConfig defaults() {
    return new BertObjectiveConfig(null, null, null, null, null, null, null, null, null);
  }
}
