package dev.sparkpretrain.model.vertices;

import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Dropout;
import dev.sparkpretrain.model.ops.SinusoidalPositions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Embedding look-up against the tables of {@link dev.sparkpretrain.model.layers.EmbeddingTables}: for token ids
 * {@code [B, T]} (and, when {@code types > 0}, token types {@code [B, T]}), {@code word[id] + position[t] + tokenType[type]},
 * then dropout. {@code position[t]} is a row of the learned table when {@code positions > 0}, or of the fixed
 * {@link SinusoidalPositions} encoding when {@code sinusoidalPositions > 0} (which then bounds the sequence length).
 * Inputs: ids, [types,] tables. Output {@code [B, T, width]}, masked like the ids.
 * The tables' gradient is a dense {@code [rows, width]} matrix, rows scatter-added.
 */
public class EmbeddingLookup extends ParameterlessVertex {
    private int vocabSize;
    private int positions;
    private int types;
    private double dropout;
    private int sinusoidalPositions;

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
    public int getSinusoidalPositions() { return sinusoidalPositions; }
    public void setSinusoidalPositions(int sinusoidalPositions) { this.sinusoidalPositions = sinusoidalPositions; }

    /** This look-up adding the fixed sinusoidal encoding, for sequences up to {@code maxPositions}. */
    public EmbeddingLookup withSinusoidalPositions(int maxPositions) {
        this.sinusoidalPositions = maxPositions;
        return this;
    }

    @Override
    public String toString() {
        return "EmbeddingLookup(vocab=" + vocabSize + ", positions=" + positions + ", types=" + types + ", dropout="
                + dropout + ", sinusoidalPositions=" + sinusoidalPositions + ")";
    }

    static final class Impl extends ParameterlessVertexImpl {
        private final EmbeddingLookup conf;
        private int[] ids;
        private int[] typeRows;
        private INDArray mask;
        private long batch;
        private long time;
        private long tableRows;
        private INDArray sinusoids;   // [T, width] flattened to [1, T*width], cached for the last T

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
            long maxTime = conf.positions > 0 ? conf.positions : conf.sinusoidalPositions;
            if (maxTime > 0 && time > maxTime) {
                throw new IllegalArgumentException("sequence length " + time + " exceeds " + maxTime + " positions");
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
            if (conf.sinusoidalPositions > 0) {
                out.reshape('c', batch, time * width).addiRowVector(sinusoids(width, out.dataType()));
            }
            if (conf.types > 0) {
                typeRows = IndexRows.offset(IndexRows.ints(in[1]), conf.vocabSize + conf.positions);
                out.addi(IndexRows.gather(table, typeRows));
            }
            mask = training ? Dropout.mask(out, conf.dropout) : null;
            return Dropout.apply(out, mask).reshape('c', batch, time, width);
        }

        private INDArray sinusoids(long width, DataType type) {
            if (sinusoids == null || sinusoids.length() != time * width || sinusoids.dataType() != type) {
                // Outside DL4J's workspaces: a workspace array would be overwritten by the next iteration's.
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    sinusoids = SinusoidalPositions.table((int) time, (int) width, type).reshape('c', 1, time * width);
                }
            }
            return sinusoids;
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
