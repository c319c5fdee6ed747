package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Layout;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Norm;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * A dense layer on the last dimension, {@code act(x W + b)}, optionally followed by a norm: BERT's masked-LM transform
 * (dense + GELU + layer norm). Input {@code [..., nIn]}, output {@code [..., nOut]}.
 */
public class Projection extends ParameterizedLayer {
    private int nIn;
    private int nOut;
    private Activation activation = Activation.IDENTITY;
    private Norm norm;          // null: no norm
    private double normEps = 1e-12;
    private double initStd = 0.02;
    private boolean useBias = true;

    public Projection() {
    }

    public Projection(int nIn, int nOut, Activation activation, Norm norm, double normEps, double initStd) {
        this.nIn = nIn;
        this.nOut = nOut;
        this.activation = activation;
        this.norm = norm;
        this.normEps = normEps;
        this.initStd = initStd;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.weight("W", initStd, nIn, nOut));
        if (useBias) p.add(ParamSpec.bias("b", nOut));
        if (norm != null) {
            p.add(ParamSpec.gain("lng", nOut));
            if (norm.hasBias()) p.add(ParamSpec.normBias("lnb", nOut));
        }
        return p;
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    public int getNIn() { return nIn; }
    public void setNIn(int nIn) { this.nIn = nIn; }
    public int getNOut() { return nOut; }
    public void setNOut(int nOut) { this.nOut = nOut; }
    public Activation getActivation() { return activation; }
    public void setActivation(Activation activation) { this.activation = activation; }
    public Norm getNorm() { return norm; }
    public void setNorm(Norm norm) { this.norm = norm; }
    public double getNormEps() { return normEps; }
    public void setNormEps(double normEps) { this.normEps = normEps; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }
    public boolean isUseBias() { return useBias; }
    public void setUseBias(boolean useBias) { this.useBias = useBias; }

    public static final class Impl extends ParameterizedLayerImpl<Projection> {
        private INDArray x2;
        private INDArray pre;
        private Activation.Result act;
        private Norm.State normState;
        private long[] inShape;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            Projection c = layerConf();
            inShape = x.shape();
            x2 = Layout.rows(x, c.getNIn());
            pre = Dense.forward(x2, param("W"), c.isUseBias() ? param("b") : null);
            act = c.getActivation().forward(pre);
            INDArray y = act.y();
            if (c.getNorm() != null) {
                Norm.State[] st = new Norm.State[1];
                y = c.getNorm().forward(y, param("lng"), c.getNorm().hasBias() ? param("lnb") : null,
                        c.getNormEps(), st);
                normState = st[0];
            }
            long[] outShape = inShape.clone();
            outShape[outShape.length - 1] = c.getNOut();
            return y.reshape('c', outShape);
        }

        @Override
        protected INDArray backward(INDArray dy) {
            Projection c = layerConf();
            INDArray d = Layout.rows(dy, c.getNOut());
            if (c.getNorm() != null) {
                d = c.getNorm().backward(d, normState, param("lng"), grad("lng"),
                        c.getNorm().hasBias() ? grad("lnb") : null);
            }
            INDArray dPre = c.getActivation().backward(pre, act, d);
            return Dense.backward(x2, dPre, param("W"), grad("W"), c.isUseBias() ? grad("b") : null, true)
                    .reshape('c', inShape);
        }

        @Override
        protected void clearState() {
            x2 = null;
            pre = null;
            act = null;
            normState = null;
        }
    }
}
