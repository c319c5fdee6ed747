package dev.sparkpretrain.model.ops;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Softmax over the rows of a matrix. libnd4j's {@code softmax} of a rank-2 array is 3-4x slower than the same memory
 * viewed as rank 4 (one thread: {@code [4096, 8000]} 272 ms against 74 ms, {@code [16384, 128]} 17 ms against
 * 3.8 ms; the results are bit-identical), so the rows go through a {@code [N, 1, 1, C]} view.
 *
 * <p>The language-model heads' form, {@link #rowsWithArgMax}, adds the output bias and finds each row's argmax in
 * the same pass: with the Vector API (see {@link FloatKernels#VECTOR}), FLOAT data on the CPU backend and dense
 * arrays, one kernel goes over each row while it is in the cache (one thread, {@code [512, 8000]}: 4.5 ms against
 * 6.0 ms for ND4J's ops; docs/BENCHMARKS.md, "LM head: softmax and argmax in one pass"); otherwise ND4J's bias add,
 * softmax and argMax. The probabilities differ by float rounding (the kernel's {@code exp} and its 1 / sum); the
 * argmax is the kernel's of the logits, the fallback's of the probabilities (the same unless two round equal).
 */
public final class Softmax {
    private Softmax() {}

    /** Tests switch the kernel off to compare it with ND4J's ops. */
    static volatile boolean kernel = FloatKernels.VECTOR && FloatKernels.CPU_BACKEND;

    /**
     * Writes {@code softmax} of each row of {@code x [N, C]} into {@code z [N, C]} (may be {@code x}); both must be
     * dense row-major (see {@link Layout#contiguous}). Returns {@code z}.
     */
    public static INDArray rows(INDArray x, INDArray z) {
        long n = x.size(0);
        long c = x.size(1);
        Nd4j.exec(new SoftMax(x.reshape('c', n, 1, 1, c), z.reshape('c', n, 1, 1, c), -1));
        return z;
    }

    /**
     * Writes {@code softmax(x + bias)} of each row of {@code x [N, C]} into {@code z [N, C]} (may be {@code x}; both
     * dense row-major); {@code bias} holds C values or is null. Returns {@code z}.
     */
    public static INDArray rows(INDArray x, INDArray bias, INDArray z) {
        if (usesKernel(x, bias, z)) {
            VectorKernels.softmaxArgMax(x, bias, z, null);
            return z;
        }
        return rows(biased(x, bias, z), z);
    }

    /**
     * {@link #rows(INDArray, INDArray, INDArray)}, and returns the argmax of each row of {@code x + bias}: the lowest
     * place of equal largest values, as ND4J's {@code argMax} (which the fallback takes of the probabilities).
     * Example: {@code int[] predicted = Softmax.rowsWithArgMax(logits, bias, logits)}.
     */
    public static int[] rowsWithArgMax(INDArray x, INDArray bias, INDArray z) {
        if (usesKernel(x, bias, z)) {
            int[] argMax = new int[Math.toIntExact(x.size(0))];
            VectorKernels.softmaxArgMax(x, bias, z, argMax);
            return argMax;
        }
        rows(biased(x, bias, z), z);
        return z.argMax(1).toIntVector();
    }

    /** {@code x + bias} into z (returned), or x itself without a bias. */
    private static INDArray biased(INDArray x, INDArray bias, INDArray z) {
        if (bias == null) {
            return x;
        }
        Nd4j.getExecutioner().exec(new BroadcastAddOp(x, bias, z, 1));
        return z;
    }

    /** Whether the kernel applies: FLOAT arrays alike in shape, laid out as {@link #startsDense} says. */
    private static boolean usesKernel(INDArray x, INDArray bias, INDArray z) {
        return kernel && x.rank() == 2 && Arrays.equals(x.shape(), z.shape()) && FloatKernels.applies(x, z)
                && startsDense(x) && startsDense(z)
                && (bias == null || FloatKernels.applies(bias) && bias.length() == x.size(1));
    }

    /**
     * Dense, row-major, at the start of a buffer of under 2^29 elements (byte offsets are ints): the layout the
     * kernels read through {@code data().asNio()}.
     */
    private static boolean startsDense(INDArray a) {
        return FloatKernels.startsBuffer(a) && a.data().length() < 1L << 29;
    }
}
