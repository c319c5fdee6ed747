package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Norm;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * One Transformer layer, parameterised to be BERT's (post-LN, exact GELU, biases), GPT-2's (pre-LN, causal, tanh GELU)
 * or a T5 encoder layer (pre-RMS-norm, ReLU, no biases, unscaled scores): multi-head self-attention with padding mask
 * and optional causal mask, then a position-wise feed-forward network, each with a residual connection and dropout.
 * Q, K and V come from one fused {@code [H, 3*heads*headSize]} projection.
 *
 * <p>Input and output {@code [B, T, H]}; the {@code [B, T]} feature mask (1 real, 0 padding) masks keys.
 */
public class TransformerBlock extends ParameterizedLayer {

    /** Where the norms sit: after each residual sum (BERT) or at the start of each branch (GPT-2, T5). */
    public enum Placement { POST, PRE }

    private int hiddenSize;
    private int numHeads;
    private int headSize;
    private int intermediateSize;
    private Activation activation = Activation.GELU;
    private Norm norm = Norm.LAYER;
    private Placement placement = Placement.POST;
    private boolean causal;
    private boolean useBias = true;
    private boolean scaleScores = true;
    private double hiddenDropout;
    private double attentionDropout;
    private double normEps = 1e-12;
    private double initStd = 0.02;
    private double outputInitStd = 0.02;

    public TransformerBlock() {
    }

    /** A block as BERT's: post-LN, GELU, biases, bidirectional. */
    public static TransformerBlock bert(int hidden, int heads, int ff, double hiddenDropout, double attentionDropout,
                                        double eps, double initStd) {
        TransformerBlock b = new TransformerBlock();
        b.hiddenSize = hidden;
        b.numHeads = heads;
        b.headSize = hidden / heads;
        b.intermediateSize = ff;
        b.hiddenDropout = hiddenDropout;
        b.attentionDropout = attentionDropout;
        b.normEps = eps;
        b.initStd = initStd;
        b.outputInitStd = initStd;
        return b;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        long h = hiddenSize;
        long inner = (long) numHeads * headSize;
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.weight("Wqkv", initStd, h, 3 * inner));
        if (useBias) p.add(ParamSpec.bias("bqkv", 3 * inner));
        p.add(ParamSpec.weight("Wo", outputInitStd, inner, h));
        if (useBias) p.add(ParamSpec.bias("bo", h));
        p.add(ParamSpec.gain("ln1g", h));
        if (norm.hasBias()) p.add(ParamSpec.normBias("ln1b", h));
        p.add(ParamSpec.weight("W1", initStd, h, intermediateSize));
        if (useBias) p.add(ParamSpec.bias("b1", intermediateSize));
        p.add(ParamSpec.weight("W2", outputInitStd, intermediateSize, h));
        if (useBias) p.add(ParamSpec.bias("b2", h));
        p.add(ParamSpec.gain("ln2g", h));
        if (norm.hasBias()) p.add(ParamSpec.normBias("ln2b", h));
        return p;
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new TransformerBlockImpl(conf, dataType);
    }

    public int getHiddenSize() { return hiddenSize; }
    public void setHiddenSize(int hiddenSize) { this.hiddenSize = hiddenSize; }
    public int getNumHeads() { return numHeads; }
    public void setNumHeads(int numHeads) { this.numHeads = numHeads; }
    public int getHeadSize() { return headSize; }
    public void setHeadSize(int headSize) { this.headSize = headSize; }
    public int getIntermediateSize() { return intermediateSize; }
    public void setIntermediateSize(int intermediateSize) { this.intermediateSize = intermediateSize; }
    public Activation getActivation() { return activation; }
    public void setActivation(Activation activation) { this.activation = activation; }
    public Norm getNorm() { return norm; }
    public void setNorm(Norm norm) { this.norm = norm; }
    public Placement getPlacement() { return placement; }
    public void setPlacement(Placement placement) { this.placement = placement; }
    public boolean isCausal() { return causal; }
    public void setCausal(boolean causal) { this.causal = causal; }
    public boolean isUseBias() { return useBias; }
    public void setUseBias(boolean useBias) { this.useBias = useBias; }
    public boolean isScaleScores() { return scaleScores; }
    public void setScaleScores(boolean scaleScores) { this.scaleScores = scaleScores; }
    public double getHiddenDropout() { return hiddenDropout; }
    public void setHiddenDropout(double hiddenDropout) { this.hiddenDropout = hiddenDropout; }
    public double getAttentionDropout() { return attentionDropout; }
    public void setAttentionDropout(double attentionDropout) { this.attentionDropout = attentionDropout; }
    public double getNormEps() { return normEps; }
    public void setNormEps(double normEps) { this.normEps = normEps; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }
    public double getOutputInitStd() { return outputInitStd; }
    public void setOutputInitStd(double outputInitStd) { this.outputInitStd = outputInitStd; }
}
