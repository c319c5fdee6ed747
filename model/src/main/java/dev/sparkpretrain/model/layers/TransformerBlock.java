package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Norm;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * One Transformer layer, parameterised to be BERT's (post-LN, GELU, biases), GPT-2's (pre-LN, causal, tanh GELU) or
 * T5's encoder or decoder layer (pre-RMS-norm, ReLU, no biases, unscaled scores, relative position bias, and for the
 * decoder cross-attention to the encoder): multi-head self-attention with padding mask and optional causal mask,
 * optional cross-attention, then a position-wise feed-forward network, each sublayer with a residual connection and
 * dropout. Q, K and V come from one fused {@code [H, 3*heads*headSize]} projection (K and V of the cross-attention
 * from one {@code [H, 2*heads*headSize]}). With {@link #isGatedFeedForward()} the feed-forward network is T5 v1.1's
 * gated one, {@code (act(x W1) * (x W1linear)) W2} (Hugging Face's {@code wi_0}, {@code wi_1}, {@code wo}).
 *
 * <p>Inputs: the stream {@code [B, T, H]} (its mask, 1 real / 0 padding, masks keys); then, if
 * {@link #isPositionBias()}, an additive attention bias {@code [heads, T, T]} (from {@link RelativePositionBias});
 * then, if {@link #isCrossAttention()}, the encoder output {@code [B, S, H]} (its mask masks the cross-attention keys).
 * With more than one input the block goes into the graph through {@link MultiInputLayerVertex}. Output {@code [B, T, H]}.
 */
public class TransformerBlock extends ParameterizedLayer {

    /** Where the norms sit: after each residual sum (BERT) or at the start of each branch (GPT-2, T5). */
    public enum Placement { POST, PRE }

    /**
     * How weights are initialised: NORMAL draws N(0, initStd²), the matrices feeding the residual stream
     * N(0, outputInitStd²) (GPT-2 shrinks those by 1/sqrt(2 layers)); T5 scales by fan-in with factor initStd:
     * Q by (H d)^-1/2, K, V and the FFN input by H^-1/2, outputs by their input width^-1/2 (mesh-tensorflow's scheme).
     */
    public enum InitScheme { NORMAL, T5 }

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
    private InitScheme initScheme = InitScheme.NORMAL;
    private boolean positionBias;
    private boolean crossAttention;
    private boolean gatedFeedForward;

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

    /** Number of inputs: the stream, plus the position bias and the encoder output when configured. */
    public int numInputs() {
        return 1 + (positionBias ? 1 : 0) + (crossAttention ? 1 : 0);
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        long h = hiddenSize;
        long inner = (long) numHeads * headSize;
        boolean t5 = initScheme == InitScheme.T5;
        double query = t5 ? initStd / Math.sqrt((double) h * headSize) : initStd;
        double keyValue = t5 ? initStd / Math.sqrt(h) : initStd;
        double attnOut = t5 ? initStd / Math.sqrt(inner) : outputInitStd;
        double ffnIn = t5 ? initStd / Math.sqrt(h) : initStd;
        double ffnOut = t5 ? initStd / Math.sqrt(intermediateSize) : outputInitStd;
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.weightBlocks("Wqkv", new double[] {query, keyValue, keyValue}, h, 3 * inner));
        if (useBias) p.add(ParamSpec.bias("bqkv", 3 * inner));
        p.add(ParamSpec.weight("Wo", attnOut, inner, h));
        if (useBias) p.add(ParamSpec.bias("bo", h));
        p.add(ParamSpec.gain("ln1g", h));
        if (norm.hasBias()) p.add(ParamSpec.normBias("ln1b", h));
        if (crossAttention) {
            p.add(ParamSpec.weight("Wq2", query, h, inner));
            if (useBias) p.add(ParamSpec.bias("bq2", inner));
            p.add(ParamSpec.weight("Wkv2", keyValue, h, 2 * inner));
            if (useBias) p.add(ParamSpec.bias("bkv2", 2 * inner));
            p.add(ParamSpec.weight("Wo2", attnOut, inner, h));
            if (useBias) p.add(ParamSpec.bias("bo2", h));
            p.add(ParamSpec.gain("lnxg", h));
            if (norm.hasBias()) p.add(ParamSpec.normBias("lnxb", h));
        }
        p.add(ParamSpec.weight("W1", ffnIn, h, intermediateSize));
        if (useBias) p.add(ParamSpec.bias("b1", intermediateSize));
        if (gatedFeedForward) {
            p.add(ParamSpec.weight("W1linear", ffnIn, h, intermediateSize));
            if (useBias) p.add(ParamSpec.bias("b1linear", intermediateSize));
        }
        p.add(ParamSpec.weight("W2", ffnOut, intermediateSize, h));
        if (useBias) p.add(ParamSpec.bias("b2", h));
        p.add(ParamSpec.gain("ln2g", h));
        if (norm.hasBias()) p.add(ParamSpec.normBias("ln2b", h));
        return p;
    }

    /** A T5 layer: pre-RMS-norm, ReLU, no biases, unscaled scores, relative position bias; decoder: causal + cross. */
    public static TransformerBlock t5(int hidden, int heads, int headSize, int ff, boolean decoder, double dropout,
                                      double eps, double initFactor) {
        TransformerBlock b = new TransformerBlock();
        b.hiddenSize = hidden;
        b.numHeads = heads;
        b.headSize = headSize;
        b.intermediateSize = ff;
        b.activation = Activation.RELU;
        b.norm = Norm.RMS;
        b.placement = Placement.PRE;
        b.useBias = false;
        b.scaleScores = false;
        b.hiddenDropout = dropout;
        b.attentionDropout = dropout;
        b.normEps = eps;
        b.initStd = initFactor;
        b.outputInitStd = initFactor;
        b.initScheme = InitScheme.T5;
        b.positionBias = true;
        b.causal = decoder;
        b.crossAttention = decoder;
        return b;
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
    public InitScheme getInitScheme() { return initScheme; }
    public void setInitScheme(InitScheme initScheme) { this.initScheme = initScheme; }
    public boolean isPositionBias() { return positionBias; }
    public void setPositionBias(boolean positionBias) { this.positionBias = positionBias; }
    public boolean isCrossAttention() { return crossAttention; }
    public void setCrossAttention(boolean crossAttention) { this.crossAttention = crossAttention; }
    public boolean isGatedFeedForward() { return gatedFeedForward; }
    public void setGatedFeedForward(boolean gatedFeedForward) { this.gatedFeedForward = gatedFeedForward; }
}
