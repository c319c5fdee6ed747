package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Activation;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/** BERT's pooler: {@code tanh(h[:, 0, :] W + b)}, the first ([CLS]) position. Input {@code [B, T, H]}, output {@code [B, H]}. */
public class ClsPooler extends ParameterizedLayer {
    private int width;
    private double initStd = 0.02;

    public ClsPooler() {
    }

    public ClsPooler(int width, double initStd) {
        this.width = width;
        this.initStd = initStd;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("W", initStd, width, width), ParamSpec.bias("b", width));
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }

    public static final class Impl extends ParameterizedLayerImpl<ClsPooler> {
        private INDArray first;
        private INDArray pooled;
        private long[] inShape;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            inShape = x.shape();
            first = x.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
            pooled = Activation.TANH.forward(first.mmul(param("W")).addiRowVector(param("b")));
            return pooled;
        }

        @Override
        protected INDArray backward(INDArray dy) {
            INDArray dPre = Activation.TANH.backward(null, pooled, dy.dup('c'));
            grad("W").assign(first.transpose().mmul(dPre));
            grad("b").assign(dPre.sum(0));
            INDArray dx = Nd4j.zeros(dy.dataType(), inShape);
            dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dPre.mmul(param("W").transpose()));
            return dx;
        }

        @Override
        protected void clearState() {
            first = null;
            pooled = null;
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                              int minibatchSize) {
            this.maskArray = null;
            return null;  // one vector per sequence: no time mask downstream
        }
    }
}
