package dev.sparkpretrain.model.gpt;

/** Mean next-token cross-entropy over all predicted positions, and top-1 accuracy counts. */
public record GptMetrics(double loss, long correct, long total) {

    public double perplexity() {
        return Math.exp(loss);
    }

    public double accuracy() {
        return total == 0 ? 0 : (double) correct / total;
    }
}
