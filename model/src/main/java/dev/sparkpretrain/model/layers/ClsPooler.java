package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Dense;
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
        private Activation.Result pooled;
        private long[] inShape;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            inShape = x.shape();
            first = x.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c');
            pooled = Activation.TANH.forward(Dense.forward(first, param("W"), param("b")));
            return pooled.y();
        }

        @Override
        protected INDArray backward(INDArray dy) {
            INDArray dPre = Activation.TANH.backward(null, pooled, dy.dup('c'));
            INDArray dFirst = Dense.backward(first, dPre, param("W"), grad("W"), grad("b"), true);
            INDArray dx = Nd4j.zeros(dy.dataType(), inShape);
            dx.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(dFirst);
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
