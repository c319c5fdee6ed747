package dev.sparkpretrain.model.vertices;

import dev.sparkpretrain.model.ops.Layout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Picks positions out of each sequence: inputs hidden states {@code [B, T, H]} and positions {@code [B, P]}, output
 * {@code [B, P, H]} with {@code out[b, p] = hidden[b, positions[b, p]]}. BERT scores the masked-LM loss only at the
 * masked positions this way, instead of a full-vocabulary softmax at every position.
 */
public class GatherPositions extends ParameterlessVertex {

    public GatherPositions() {
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    protected ParameterlessVertexImpl create(ComputationGraph graph, String name, int idx, DataType type) {
        return new Impl(graph, name, idx, type);
    }

    @Override
    public String toString() {
        return "GatherPositions()";
    }

    static final class Impl extends ParameterlessVertexImpl {
        private int[] rows;
        private long[] hiddenShape;

        Impl(ComputationGraph graph, String name, int idx, DataType type) {
            super(graph, name, idx, type);
        }

        @Override
        protected INDArray forward(INDArray[] in, boolean training) {
            INDArray hidden = in[0];
            hiddenShape = hidden.shape();
            long b = hiddenShape[0];
            long t = hiddenShape[1];
            long h = hiddenShape[2];
            long p = in[1].size(1);
            int[] pos = IndexRows.ints(in[1]);
            rows = new int[pos.length];
            for (int i = 0; i < pos.length; i++) {
                if (pos[i] < 0 || pos[i] >= t) {
                    throw new IllegalArgumentException("position " + pos[i] + " outside [0, " + t + ")");
                }
                rows[i] = (int) ((i / p) * t + pos[i]);
            }
            // A view of the hidden states where they are dense (they are: a block's output), not a copy.
            return IndexRows.gather(Layout.rows(hidden, h), rows).reshape('c', b, p, h);
        }

        @Override
        protected INDArray[] backward(INDArray dy) {
            long h = hiddenShape[2];
            INDArray d = Nd4j.zeros(dy.dataType(), hiddenShape[0] * hiddenShape[1], h);
            IndexRows.scatterAdd(d, rows, Layout.rows(dy, h));
            return new INDArray[] {d.reshape('c', hiddenShape),
                    Nd4j.zeros(IndexRows.floatType(inputs[1]), inputs[1].shape())};
        }

        @Override
        protected INDArray outputMask(INDArray[] masks) {
            return null;
        }
    }
}
