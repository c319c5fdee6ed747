package dev.sparkpretrain.model.bert;

/**
 * Loss and accuracies of a BERT model on one batch. {@code loss = mlmLoss + nspLoss}; {@code mlmLoss} is the mean
 * cross-entropy over the real (weight > 0) masked-LM predictions, {@code nspLoss} the mean over sequences. Counts let
 * callers pool accuracies over batches.
 */
public record BertMetrics(double loss, double mlmLoss, double nspLoss, long mlmCorrect, long mlmTotal, long nspCorrect,
                          long nspTotal) {

    public double mlmAccuracy() {
        return mlmTotal == 0 ? 0 : (double) mlmCorrect / mlmTotal;
    }

    public double nspAccuracy() {
        return nspTotal == 0 ? 0 : (double) nspCorrect / nspTotal;
    }
}
