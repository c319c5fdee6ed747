package dev.sparkpretrain.model.bert;

/**
 * One batch of BERT pre-training examples, as google-research/bert's {@code create_pretraining_data.py} writes them.
 * All sequences share one length T (padded with id 0 = [PAD], {@code inputMask} 0); the masked-LM arrays share one
 * length P = max_predictions_per_seq (padded with weight 0).
 *
 * @param inputIds           {@code [B][T]} token ids
 * @param segmentIds         {@code [B][T]} token types (0 = sentence A, 1 = sentence B)
 * @param inputMask          {@code [B][T]} 1 for real tokens, 0 for padding
 * @param maskedLmPositions  {@code [B][P]} positions whose tokens are predicted
 * @param maskedLmIds        {@code [B][P]} the original tokens at those positions
 * @param maskedLmWeights    {@code [B][P]} 1 for a real prediction, 0 for padding
 * @param nextSentenceLabels {@code [B]} 0 = IsNext, 1 = random next sentence (as google-research/bert)
 */
public record BertBatch(int[][] inputIds, int[][] segmentIds, int[][] inputMask, int[][] maskedLmPositions,
                        int[][] maskedLmIds, float[][] maskedLmWeights, int[] nextSentenceLabels) {

    public BertBatch {
        int b = inputIds.length;
        if (b == 0) throw new IllegalArgumentException("inputIds must hold at least one sequence");
        int t = inputIds[0].length;
        int p = maskedLmPositions.length > 0 ? maskedLmPositions[0].length : 0;
        check("segmentIds", segmentIds.length, b);
        check("inputMask", inputMask.length, b);
        check("maskedLmPositions", maskedLmPositions.length, b);
        check("maskedLmIds", maskedLmIds.length, b);
        check("maskedLmWeights", maskedLmWeights.length, b);
        check("nextSentenceLabels", nextSentenceLabels.length, b);
        for (int i = 0; i < b; i++) {
            check("inputIds[" + i + "]", inputIds[i].length, t);
            check("segmentIds[" + i + "]", segmentIds[i].length, t);
            check("inputMask[" + i + "]", inputMask[i].length, t);
            check("maskedLmPositions[" + i + "]", maskedLmPositions[i].length, p);
            check("maskedLmIds[" + i + "]", maskedLmIds[i].length, p);
            check("maskedLmWeights[" + i + "]", maskedLmWeights[i].length, p);
            if (nextSentenceLabels[i] != 0 && nextSentenceLabels[i] != 1) {
                throw new IllegalArgumentException("nextSentenceLabels[" + i + "] must be 0 or 1, got "
                        + nextSentenceLabels[i]);
            }
        }
    }

    private static void check(String field, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(field + " has length " + actual + ", expected " + expected);
        }
    }

    /** B, the number of sequences. */
    public int size() {
        return inputIds.length;
    }

    /** T, the sequence length. */
    public int sequenceLength() {
        return inputIds[0].length;
    }

    /** P, the padded number of predictions per sequence. */
    public int maxPredictions() {
        return maskedLmPositions[0].length;
    }
}
