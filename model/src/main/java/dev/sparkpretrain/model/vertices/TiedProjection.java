package dev.sparkpretrain.model.vertices;

import dev.sparkpretrain.model.ops.Layout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The output projection tied to the token embeddings: inputs hidden states {@code [..., H]} and the embedding tables
 * {@code [rows, H]} of {@link dev.sparkpretrain.model.layers.EmbeddingTables}; output logits
 * {@code [..., vocab] = x word^T} using the first {@code vocabSize} rows. Optionally multiplies x by
 * {@code scale} first (T5 v1.0 rescales by {@code 1/sqrt(H)} before its tied output projection).
 *
 * <p>The models no longer use it: their heads are {@link dev.sparkpretrain.model.layers.LinearSoftmaxCrossEntropy},
 * which computes this projection and the loss together, chunk by chunk. It stays so that graph configurations saved
 * before (TiedProjection then SoftmaxCrossEntropy) still load, and as the reference that layer is tested against.
 */
public class TiedProjection extends ParameterlessVertex {
    private int vocabSize;
    private double scale = 1.0;

    public TiedProjection() {
    }

    public TiedProjection(int vocabSize, double scale) {
        this.vocabSize = vocabSize;
        this.scale = scale;
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
        return new Impl(graph, name, idx, type, this);
    }

    public int getVocabSize() { return vocabSize; }
    public void setVocabSize(int vocabSize) { this.vocabSize = vocabSize; }
    public double getScale() { return scale; }
    public void setScale(double scale) { this.scale = scale; }

    @Override
    public String toString() {
        return "TiedProjection(vocab=" + vocabSize + ", scale=" + scale + ")";
    }

    static final class Impl extends ParameterlessVertexImpl {
        private final TiedProjection conf;
        private INDArray x2;
        private long[] inShape;
        private long tableRows;

        Impl(ComputationGraph graph, String name, int idx, DataType type, TiedProjection conf) {
            super(graph, name, idx, type);
            this.conf = conf;
        }

        private INDArray words(INDArray table) {
            return table.get(NDArrayIndex.interval(0, conf.vocabSize), NDArrayIndex.all());
        }

        @Override
        protected INDArray forward(INDArray[] in, boolean training) {
            inShape = in[0].shape();
            long h = inShape[inShape.length - 1];
            tableRows = in[1].size(0);
            x2 = in[0].dup('c').reshape('c', in[0].length() / h, h);
            if (conf.scale != 1.0) {
                x2.muli(conf.scale);
            }
            INDArray logits = Nd4j.gemm(x2, words(in[1]), false, true);
            long[] outShape = inShape.clone();
            outShape[outShape.length - 1] = conf.vocabSize;
            return logits.reshape('c', outShape);
        }

        @Override
        protected INDArray[] backward(INDArray dy) {
            long h = inShape[inShape.length - 1];
            INDArray d = Layout.rows(dy, conf.vocabSize);
            INDArray dx = Nd4j.gemm(d, words(inputs[1]), false, false);
            if (conf.scale != 1.0) {
                dx.muli(conf.scale);
            }
            INDArray dTable = Nd4j.zeros(d.dataType(), tableRows, h);
            Nd4j.gemm(d, x2, words(dTable), true, false, 1.0, 0.0);
            return new INDArray[] {dx.reshape('c', inShape), dTable};
        }

        @Override
        protected INDArray outputMask(INDArray[] masks) {
            return null;
        }
    }
}
