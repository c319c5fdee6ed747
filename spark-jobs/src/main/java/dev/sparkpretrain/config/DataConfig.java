package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/**
 * Where the corpus comes from and how it is cleaned.
 *
 * @param input paths, globs or directories on any Hadoop file system
 * @param format how documents are delimited in the input files
 * @param textField the JSON field (jsonl) or column (parquet) holding the text
 * @param normalization Unicode normalization applied before everything else
 * @param removeControlChars drop C0/C1 control characters except tab and newline
 * @param normalizeWhitespace collapse runs of spaces/tabs, trim lines
 * @param minChars documents shorter than this (after cleaning) are rejected
 * @param maxChars documents longer than this are rejected (a 50 MB line should not stall one task)
 * @param dedup exact deduplication by content hash
 * @param nearDedup near-duplicate removal with MinHash (off by default)
 * @param validationFraction share of documents (decided by content hash) that go to the validation split
 */
public record DataConfig(
    List<String> input,
    InputFormat format,
    @JsonProperty("text_field") String textField,
    Normalization normalization,
    @JsonProperty("remove_control_chars") Boolean removeControlChars,
    @JsonProperty("normalize_whitespace") Boolean normalizeWhitespace,
    @JsonProperty("min_chars") Integer minChars,
    @JsonProperty("max_chars") Integer maxChars,
    Boolean dedup,
    @JsonProperty("near_dedup") NearDedupConfig nearDedup,
    @JsonProperty("validation_fraction") Double validationFraction,
    @JsonProperty("target_shard_mb") Integer targetShardMb)
    implements Serializable {

  public enum InputFormat {
    /** one document per line */
    @JsonProperty("lines") LINES,
    /** documents separated by blank lines; lines inside a document are joined with spaces */
    @JsonProperty("paragraphs") PARAGRAPHS,
    /** one JSON object per line, text in {@code text_field} */
    @JsonProperty("jsonl") JSONL,
    /** Parquet files, text in the string column {@code text_field} */
    @JsonProperty("parquet") PARQUET
  }

  public enum Normalization {
    @JsonProperty("none") NONE,
    @JsonProperty("nfc") NFC,
    @JsonProperty("nfkc") NFKC
  }

  public DataConfig {
    input = input == null ? List.of() : List.copyOf(input);
    format = format == null ? InputFormat.LINES : format;
    textField = textField == null ? "text" : textField;
    normalization = normalization == null ? Normalization.NFC : normalization;
    removeControlChars = removeControlChars == null || removeControlChars;
    normalizeWhitespace = normalizeWhitespace == null || normalizeWhitespace;
    minChars = minChars == null ? 1 : minChars;
    maxChars = maxChars == null ? 10_000_000 : maxChars;
    dedup = dedup == null || dedup;
    nearDedup = nearDedup == null ? NearDedupConfig.defaults() : nearDedup;
    validationFraction = validationFraction == null ? 0.01 : validationFraction;
    targetShardMb = targetShardMb == null ? 128 : targetShardMb;
    ConfigException.require(minChars >= 0, "data.min_chars", ">= 0", minChars);
    ConfigException.require(maxChars >= minChars, "data.max_chars", ">= data.min_chars (" + minChars + ")", maxChars);
    ConfigException.require(validationFraction >= 0 && validationFraction < 1,
        "data.validation_fraction", "a value in [0, 1)", validationFraction);
    // Near-dedup compares distinct documents: exact copies share a content hash and must be removed first.
    ConfigException.require(dedup || !nearDedup.enabled(), "data.dedup", "true when data.near_dedup.enabled is true",
        dedup);
    ConfigException.require(targetShardMb >= 1, "data.target_shard_mb", ">= 1", targetShardMb);
  }

  public static DataConfig defaults() {
    return new DataConfig(null, null, null, null, null, null, null, null, null, null, null, null);
  }

  public DataConfig withInput(List<String> paths) {
    return new DataConfig(paths, format, textField, normalization, removeControlChars, normalizeWhitespace,
        minChars, maxChars, dedup, nearDedup, validationFraction, targetShardMb);
  }
}
