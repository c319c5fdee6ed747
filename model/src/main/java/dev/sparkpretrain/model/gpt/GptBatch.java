package dev.sparkpretrain.model.gpt;

/**
 * One batch of causal language-model examples: {@code windows[b]} holds T+1 consecutive token ids of a packed
 * stream (documents joined by an end-of-text token, no padding); the model reads positions {@code 0..T-1} and
 * predicts {@code 1..T}.
 */
public record GptBatch(int[][] windows) {

    public GptBatch {
        if (windows.length == 0) throw new IllegalArgumentException("windows must hold at least one window");
        int n = windows[0].length;
        if (n < 2) throw new IllegalArgumentException("windows must be at least 2 tokens long, got " + n);
        for (int i = 0; i < windows.length; i++) {
            if (windows[i].length != n) {
                throw new IllegalArgumentException("windows[" + i + "] has length " + windows[i].length + ", expected " + n);
            }
        }
    }

    /** B. */
    public int size() {
        return windows.length;
    }

    /** T, the number of positions read (window length - 1). */
    public int sequenceLength() {
        return windows[0].length - 1;
    }
}
