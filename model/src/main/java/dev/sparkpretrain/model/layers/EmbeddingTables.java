package dev.sparkpretrain.model.layers;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The embedding tables of a model — token ({@code word}), learned position ({@code position}) and token type
 * ({@code tokenType}) rows, all {@code width} wide — as one layer whose <em>output is the tables themselves</em>:
 * a {@code [vocab + positions + types, width]} matrix, rows in that order. Its input is ignored (connect it to the
 * token ids). Because the tables are an activation of the graph, the embedding lookup and the output projection can
 * both consume them, and DL4J sums their gradients: that is how the output layer is tied to the input embeddings.
 */
public class EmbeddingTables extends ParameterizedLayer {
    private int vocabSize;
    private int positions;
    private int types;
    private int width;
    private double initStd = 0.02;
    private double positionInitStd = 0.02;

    public EmbeddingTables() {
    }

    public EmbeddingTables(int vocabSize, int positions, int types, int width, double initStd, double positionInitStd) {
        this.vocabSize = vocabSize;
        this.positions = positions;
        this.types = types;
        this.width = width;
        this.initStd = initStd;
        this.positionInitStd = positionInitStd;
    }

    /** Total rows of the output matrix. */
    public long rows() {
        return (long) vocabSize + positions + types;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.weight("word", initStd, vocabSize, width));
        if (positions > 0) p.add(ParamSpec.weight("position", positionInitStd, positions, width));
        if (types > 0) p.add(ParamSpec.weight("tokenType", positionInitStd, types, width));
        return p;
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    public int getVocabSize() { return vocabSize; }
    public void setVocabSize(int vocabSize) { this.vocabSize = vocabSize; }
    public int getPositions() { return positions; }
    public void setPositions(int positions) { this.positions = positions; }
    public int getTypes() { return types; }
    public void setTypes(int types) { this.types = types; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }
    public double getPositionInitStd() { return positionInitStd; }
    public void setPositionInitStd(double positionInitStd) { this.positionInitStd = positionInitStd; }

    /** Runtime: the output is a copy of the flattened parameter slice; backward copies the epsilon into the gradient. */
    public static final class Impl extends ParameterizedLayerImpl<EmbeddingTables> {
        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            EmbeddingTables c = layerConf();
            return paramsFlattened.reshape('c', c.rows(), c.getWidth()).dup('c');
        }

        @Override
        protected INDArray backward(INDArray dy) {
            EmbeddingTables c = layerConf();
            gradientsFlattened.reshape('c', c.rows(), c.getWidth()).assign(dy);
            // Token ids are not differentiable; a zero epsilon (not null) keeps DL4J's epsilon bookkeeping aligned.
            return Nd4j.zeros(input.dataType(), input.shape());
        }

        @Override
        protected void clearState() {
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                              int minibatchSize) {
            return null;  // the tables have no time axis
        }
    }
}
