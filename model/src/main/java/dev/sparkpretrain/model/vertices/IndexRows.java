package dev.sparkpretrain.model.vertices;

import dev.sparkpretrain.model.ops.FloatKernels;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/** Row gather and scatter-add on {@code [rows, width]} matrices, the look-up primitives of embeddings and gathers. */
public final class IndexRows {
    private IndexRows() {}

    /** {@code out[i] = table[index[i]]}, a new {@code [index.length, width]} matrix. */
    public static INDArray gather(INDArray table, int[] index) {
        return Nd4j.pullRows(table, 1, index, 'c');
    }

    /**
     * {@code target[index[i]] += updates[i]} for every i in order, repeated indices accumulating. FLOAT matrices go
     * through heap copies of the rows (libnd4j's locked {@code scatter_add} took ~6 ms for the 4,096 rows of a tiny
     * BERT batch, one thread); other types through that op. Both add in index order, so the sums are the same.
     */
    public static void scatterAdd(INDArray target, int[] index, INDArray updates) {
        if (target.dataType() == DataType.FLOAT && updates.dataType() == DataType.FLOAT && dense(target)) {
            scatterAddFloats(target, index, updates);
            return;
        }
        INDArray idx = Nd4j.createFromArray(index);
        // lock = true serialises the updates so that repeated indices accumulate correctly.
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(target, idx, updates)
                .addOutputs(target)
                .addBooleanArguments(true)
                .build());
    }

    private static boolean dense(INDArray x) {
        return x.rank() == 2 && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) && x.offset() == 0
                && x.length() <= Integer.MAX_VALUE;
    }

    private static void scatterAddFloats(INDArray target, int[] index, INDArray updates) {
        int width = Math.toIntExact(target.size(1));
        long rows = target.size(0);
        if (updates.size(0) != index.length || updates.size(1) != width) {
            throw new IllegalArgumentException("updates " + updates.shapeInfoToString() + " for " + index.length
                    + " indices of width " + width);
        }
        float[] u = FloatKernels.read(updates);
        FloatBuffer t = target.data().asNioFloat();
        float[] row = new float[width];
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= rows) {
                throw new IllegalArgumentException("index " + index[i] + " outside [0, " + rows + ")");
            }
            int at = index[i] * width;
            t.get(at, row, 0, width);
            addRow(row, u, i * width, width);
            t.put(at, row, 0, width);
        }
    }

    private static void addRow(float[] row, float[] u, int from, int width) {
        for (int j = 0; j < width; j++) {
            row[j] += u[from + j];
        }
    }

    static int[] ints(INDArray ids) {
        return ids.dup('c').reshape(ids.length()).toIntVector();
    }

    static int[] offset(int[] ids, int by) {
        int[] r = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            r[i] = ids[i] + by;
        }
        return r;
    }

    static DataType floatType(INDArray like) {
        return like.dataType().isFPType() ? like.dataType() : DataType.FLOAT;
    }
}
