package dev.sparkpretrain.model.vertices;

import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Dropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Embedding look-up against the tables of {@link dev.sparkpretrain.model.layers.EmbeddingTables}: for token ids
 * {@code [B, T]} (and, when {@code types > 0}, token types {@code [B, T]}), {@code word[id] + position[t] + tokenType[type]},
 * then dropout. Inputs: ids, [types,] tables. Output {@code [B, T, width]}, masked like the ids.
 * The tables' gradient is a dense {@code [rows, width]} matrix, rows scatter-added.
 */
public class EmbeddingLookup extends ParameterlessVertex {
    private int vocabSize;
    private int positions;
    private int types;
    private double dropout;

    public EmbeddingLookup() {
    }

    public EmbeddingLookup(int vocabSize, int positions, int types, double dropout) {
        this.vocabSize = vocabSize;
        this.positions = positions;
        this.types = types;
        this.dropout = dropout;
    }

    @Override
    public int minVertexInputs() {
        return types > 0 ? 3 : 2;
    }

    @Override
    public int maxVertexInputs() {
        return minVertexInputs();
    }

    @Override
    protected ParameterlessVertexImpl create(ComputationGraph graph, String name, int idx, DataType type) {
        return new Impl(graph, name, idx, type, this);
    }

    public int getVocabSize() { return vocabSize; }
    public void setVocabSize(int vocabSize) { this.vocabSize = vocabSize; }
    public int getPositions() { return positions; }
    public void setPositions(int positions) { this.positions = positions; }
    public int getTypes() { return types; }
    public void setTypes(int types) { this.types = types; }
    public double getDropout() { return dropout; }
    public void setDropout(double dropout) { this.dropout = dropout; }

    @Override
    public String toString() {
        return "EmbeddingLookup(vocab=" + vocabSize + ", positions=" + positions + ", types=" + types + ", dropout="
                + dropout + ")";
    }

    static final class Impl extends ParameterlessVertexImpl {
        private final EmbeddingLookup conf;
        private int[] ids;
        private int[] typeRows;
        private INDArray mask;
        private long batch;
        private long time;
        private long tableRows;

        Impl(ComputationGraph graph, String name, int idx, DataType type, EmbeddingLookup conf) {
            super(graph, name, idx, type);
            this.conf = conf;
        }

        @Override
        protected INDArray forward(INDArray[] in, boolean training) {
            INDArray table = in[in.length - 1];
            batch = in[0].size(0);
            time = in[0].size(1);
            tableRows = table.size(0);
            long width = table.size(1);
            if (conf.positions > 0 && time > conf.positions) {
                throw new IllegalArgumentException("sequence length " + time + " exceeds " + conf.positions + " positions");
            }
            ids = IndexRows.ints(in[0]);
            for (int id : ids) {
                if (id < 0 || id >= conf.vocabSize) {
                    throw new IllegalArgumentException("token id " + id + " outside [0, " + conf.vocabSize + ")");
                }
            }
            INDArray out = IndexRows.gather(table, ids);                       // [B*T, width]
            if (conf.positions > 0) {
                INDArray pos = table.get(NDArrayIndex.interval(conf.vocabSize, conf.vocabSize + time), NDArrayIndex.all());
                out.reshape('c', batch, time * width).addiRowVector(pos.dup('c').reshape('c', 1, time * width));
            }
            if (conf.types > 0) {
                typeRows = IndexRows.offset(IndexRows.ints(in[1]), conf.vocabSize + conf.positions);
                out.addi(IndexRows.gather(table, typeRows));
            }
            mask = training ? Dropout.mask(out, conf.dropout) : null;
            return Dropout.apply(out, mask).reshape('c', batch, time, width);
        }

        @Override
        protected INDArray[] backward(INDArray dy) {
            long width = dy.size(2);
            INDArray d = dy.dup('c').reshape('c', batch * time, width);
            Dropout.apply(d, mask);
            INDArray dTable = Nd4j.zeros(d.dataType(), tableRows, width);
            IndexRows.scatterAdd(dTable, ids, d);
            if (conf.positions > 0) {
                INDArray dPos = Dense.columnSums(d.reshape('c', batch, time * width)).reshape('c', time, width);
                dTable.get(NDArrayIndex.interval(conf.vocabSize, conf.vocabSize + time), NDArrayIndex.all()).addi(dPos);
            }
            if (conf.types > 0) {
                IndexRows.scatterAdd(dTable, typeRows, d);
            }
            INDArray[] out = new INDArray[inputs.length];
            for (int i = 0; i < inputs.length - 1; i++) {
                out[i] = Nd4j.zeros(IndexRows.floatType(inputs[i]), inputs[i].shape());
            }
            out[inputs.length - 1] = dTable;
            return out;
        }

        @Override
        protected INDArray outputMask(INDArray[] masks) {
            return masks[0];
        }
    }
}
