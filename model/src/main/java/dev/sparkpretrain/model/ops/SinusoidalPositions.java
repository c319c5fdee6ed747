package dev.sparkpretrain.model.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fixed position encoding of Vaswani et al. 2017 ("Attention Is All You Need", section 3.5):
 * {@code PE(pos, 2i) = sin(pos / 10000^(2i/d))}, {@code PE(pos, 2i+1) = cos(pos / 10000^(2i/d))}, sines on the even
 * columns and cosines on the odd ones (as tensor2tensor's interleaved form, not its concatenated one).
 *
 * <p>Example: {@code SinusoidalPositions.table(128, 256, DataType.FLOAT)} is a {@code [128, 256]} matrix whose row
 * {@code t} is added to the token embedding at position {@code t}.
 */
public final class SinusoidalPositions {
    private SinusoidalPositions() {}

    /** Rows {@code 0 .. positions-1} of the encoding for an even width {@code d}, computed in double precision. */
    public static INDArray table(int positions, int d, DataType type) {
        if (d % 2 != 0) {
            throw new IllegalArgumentException("width must be even, got " + d);
        }
        double[] pe = new double[positions * d];
        for (int i = 0; i < d / 2; i++) {
            double timescale = Math.pow(10000.0, 2.0 * i / d);
            for (int pos = 0; pos < positions; pos++) {
                double angle = pos / timescale;
                pe[pos * d + 2 * i] = Math.sin(angle);
                pe[pos * d + 2 * i + 1] = Math.cos(angle);
            }
        }
        return Nd4j.create(pe, new long[] {positions, d}, type);
    }
}
