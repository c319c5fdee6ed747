package dev.sparkpretrain.model.t5;

/** Mean cross-entropy over the real target tokens, and top-1 accuracy counts. */
public record T5Metrics(double loss, long correct, long total) {

    public double accuracy() {
        return total == 0 ? 0 : (double) correct / total;
    }
}
