package dev.sparkpretrain.model.vertices;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** Row gather and scatter-add on {@code [rows, width]} matrices, the look-up primitives of embeddings and gathers. */
final class IndexRows {
    private IndexRows() {}

    /** {@code out[i] = table[index[i]]}, a new {@code [index.length, width]} matrix. */
    static INDArray gather(INDArray table, int[] index) {
        return Nd4j.pullRows(table, 1, index, 'c');
    }

    /** {@code target[index[i]] += updates[i]} for every i, repeated indices accumulating. */
    static void scatterAdd(INDArray target, int[] index, INDArray updates) {
        INDArray idx = Nd4j.createFromArray(index);
        // lock = true serialises the updates so that repeated indices accumulate correctly.
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(target, idx, updates)
                .addOutputs(target)
                .addBooleanArguments(true)
                .build());
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
