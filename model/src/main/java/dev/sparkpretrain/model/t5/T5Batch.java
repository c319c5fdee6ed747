package dev.sparkpretrain.model.t5;

/**
 * One batch of T5 examples (span corruption or any text-to-text task): encoder inputs and decoder targets, each padded
 * with id 0 to a common length with a 1/0 mask. The decoder reads the targets shifted right behind the start token
 * (id 0, T5's {@code decoder_start_token_id}) and is trained to predict every real target token (teacher forcing).
 *
 * @param inputIds   {@code [B][S]} encoder token ids
 * @param inputMask  {@code [B][S]} 1 real, 0 padding
 * @param targetIds  {@code [B][T]} target token ids (ending with EOS)
 * @param targetMask {@code [B][T]} 1 real, 0 padding
 */
public record T5Batch(int[][] inputIds, int[][] inputMask, int[][] targetIds, int[][] targetMask) {

    public T5Batch {
        int b = inputIds.length;
        if (b == 0) throw new IllegalArgumentException("inputIds must hold at least one sequence");
        if (inputMask.length != b || targetIds.length != b || targetMask.length != b) {
            throw new IllegalArgumentException("inputIds, inputMask, targetIds and targetMask must have " + b + " rows");
        }
        int s = inputIds[0].length;
        int t = targetIds[0].length;
        for (int i = 0; i < b; i++) {
            if (inputIds[i].length != s || inputMask[i].length != s) {
                throw new IllegalArgumentException("inputIds[" + i + "] / inputMask[" + i + "] must have length " + s);
            }
            if (targetIds[i].length != t || targetMask[i].length != t) {
                throw new IllegalArgumentException("targetIds[" + i + "] / targetMask[" + i + "] must have length " + t);
            }
        }
    }

    public int size() {
        return inputIds.length;
    }

    public int inputLength() {
        return inputIds[0].length;
    }

    public int targetLength() {
        return targetIds[0].length;
    }
}
