package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * Near-duplicate removal ({@code data.near_dedup}) with MinHash signatures from Spark MLlib's {@code MinHashLSH}.
 * Off by default: it costs one pass over every character per hash table.
 *
 * <p>A document is a set of character {@code shingle}-grams (lower-cased, whitespace collapsed): character grams
 * rather than word grams so that short paragraphs still have enough of them and text without spaces (Chinese,
 * Japanese) works. Signatures of {@code num_hash_tables} min-hashes are cut into bands of {@code rows_per_band};
 * documents sharing a whole band are candidates, and a candidate pair whose signatures agree on at least
 * {@code threshold} of the min-hashes (the estimated Jaccard similarity) is a near-duplicate.
 *
 * @param enabled whether to remove near-duplicates (needs {@code data.dedup}, which removes exact ones first)
 * @param threshold Jaccard similarity of the shingle sets at or above which two documents are near-duplicates
 * @param shingle characters per shingle; 5 is the usual choice for English (Leskovec et al., Mining of Massive
 *     Datasets, ch. 3: long enough that shared shingles are rare by chance in short documents)
 * @param numHashTables min-hashes per document (MLlib's name); more give a closer similarity estimate
 *     (standard error sqrt(s(1-s)/n): 0.05 at s = 0.8 with 64)
 * @param rowsPerBand min-hashes per band; a pair of similarity s becomes a candidate with probability
 *     1 - (1 - s^r)^(n/r): with 64 and 4, 0.9998 at s = 0.8 and 0.025 at s = 0.2
 */
public record NearDedupConfig(
    Boolean enabled,
    Double threshold,
    Integer shingle,
    @JsonProperty("num_hash_tables") Integer numHashTables,
    @JsonProperty("rows_per_band") Integer rowsPerBand)
    implements Serializable {

  public NearDedupConfig {
    enabled = enabled != null && enabled;
    threshold = threshold == null ? 0.8 : threshold;
    shingle = shingle == null ? 5 : shingle;
    numHashTables = numHashTables == null ? 64 : numHashTables;
    rowsPerBand = rowsPerBand == null ? 4 : rowsPerBand;
    ConfigException.require(threshold > 0 && threshold <= 1, "data.near_dedup.threshold", "a value in (0, 1]",
        threshold);
    ConfigException.require(shingle >= 1 && shingle <= 100, "data.near_dedup.shingle", "an integer in [1, 100]",
        shingle);
    ConfigException.require(numHashTables >= 1 && numHashTables <= 1024, "data.near_dedup.num_hash_tables",
        "an integer in [1, 1024]", numHashTables);
    ConfigException.require(rowsPerBand >= 1 && numHashTables % rowsPerBand == 0, "data.near_dedup.rows_per_band",
        "a divisor of num_hash_tables (" + numHashTables + ")", rowsPerBand);
  }

  public static NearDedupConfig defaults() {
    return new NearDedupConfig(null, null, null, null, null);
  }

  /** Bands per signature. */
  public int bands() {
    return numHashTables / rowsPerBand;
  }
}
