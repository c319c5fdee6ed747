package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Layout;
import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Dropout;
import dev.sparkpretrain.model.ops.Norm;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Layer norm or RMS norm over the last dimension, then dropout: BERT's embedding norm, GPT-2's and T5's final norms.
 * Input and output {@code [..., width]}.
 */
public class NormLayer extends ParameterizedLayer {
    private int width;
    private Norm norm = Norm.LAYER;
    private double eps = 1e-12;
    private double dropout;

    public NormLayer() {
    }

    public NormLayer(int width, Norm norm, double eps, double dropout) {
        this.width = width;
        this.norm = norm;
        this.eps = eps;
        this.dropout = dropout;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.gain("gamma", width));
        if (norm.hasBias()) p.add(ParamSpec.normBias("beta", width));
        return p;
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public Norm getNorm() { return norm; }
    public void setNorm(Norm norm) { this.norm = norm; }
    public double getEps() { return eps; }
    public void setEps(double eps) { this.eps = eps; }
    public double getDropout() { return dropout; }
    public void setDropout(double dropout) { this.dropout = dropout; }

    public static final class Impl extends ParameterizedLayerImpl<NormLayer> {
        private Norm.State state;
        private INDArray mask;
        private long[] shape;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            NormLayer c = layerConf();
            shape = x.shape();
            Norm.State[] st = new Norm.State[1];
            INDArray y = c.getNorm().forward(Layout.rows(x, c.getWidth()),
                    param("gamma"), c.getNorm().hasBias() ? param("beta") : null, c.getEps(), st);
            state = st[0];
            mask = training ? Dropout.mask(y, c.getDropout()) : null;
            return Dropout.apply(y, mask).reshape('c', shape);
        }

        @Override
        protected INDArray backward(INDArray dy) {
            NormLayer c = layerConf();
            INDArray d = mask == null ? Layout.rows(dy, c.getWidth()) : Layout.rows(dy, c.getWidth()).mul(mask);
            INDArray dx = c.getNorm().backward(d, state, param("gamma"), grad("gamma"),
                    c.getNorm().hasBias() ? grad("beta") : null);
            return dx.reshape('c', shape);
        }

        @Override
        protected void clearState() {
            state = null;
            mask = null;
        }
    }
}
