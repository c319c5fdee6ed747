package dev.sparkpretrain.objective;

import java.io.Serializable;

/**
 * One BERT pretraining example, the columns of a BERT shard (google-research/bert's names).
 *
 * @param exampleId stable id: derived from the document key, the copy (dupe) and the position in the document
 * @param inputIds [CLS] A [SEP] B [SEP], unpadded; masked positions replaced once masked (see {@link MaskedLm})
 * @param segmentIds 0 for [CLS] A [SEP], 1 for B [SEP]
 * @param maskedLmPositions ascending positions of the predictions; empty while unmasked (dynamic masking)
 * @param maskedLmIds the original ids at those positions
 * @param nextSentenceLabel NSP: 0 when B follows A in the document, 1 when B is random (google-research/bert);
 *     SOP: 0 when A and B are in document order, 1 when swapped (ALBERT)
 * @param wordStarts per position, whether the token begins a word (false for special tokens), what whole-word
 *     masking needs; empty when read from statically masked shards, which do not store it
 */
public record BertExample(long exampleId, int[] inputIds, int[] segmentIds, int[] maskedLmPositions,
    int[] maskedLmIds, int nextSentenceLabel, boolean[] wordStarts) implements Serializable {}
