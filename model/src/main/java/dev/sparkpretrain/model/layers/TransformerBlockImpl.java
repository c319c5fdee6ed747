package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Layout;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Attention;
import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Norm;
import dev.sparkpretrain.model.ops.Residual;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link TransformerBlock}: three sublayers (self-attention, optional cross-attention, feed-forward), each
 * {@code x + dropout(f(norm(x)))} (PRE) or {@code norm(x + dropout(f(x)))} (POST).
 * Shapes: B batch, T time, S encoder time, H hidden, N = B*T rows, h heads, d head size.
 */
public class TransformerBlockImpl extends ParameterizedLayerImpl<TransformerBlock> {

    /** What one attention sublayer keeps for backward. */
    private static final class AttentionState {
        INDArray in;           // [N, H] input of the projections (normalised for PRE)
        Norm.State norm;       // PRE: the input's norm (POST: in res)
        Attention.State core;
        INDArray ctx;          // [N, h*d] merged heads
        Residual.State res;    // residual-branch dropout mask, POST: the output's norm
        INDArray memory;       // [B*S, H] cross-attention keys/values source
        long memTime;
    }

    private long batch;
    private long time;
    private AttentionState self;
    private AttentionState cross;
    private INDArray ffnIn;
    private Norm.State ffnNorm;   // PRE only
    private INDArray ffnPre;
    private Activation.Result ffnAct;
    private INDArray ffnLinear;   // gated only: x W1linear (+ b1linear)
    private INDArray ffnHidden;   // input of W2: act(x W1), times ffnLinear when gated
    private Residual.State ffnRes;

    public TransformerBlockImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean pre() {
        return layerConf().getPlacement() == TransformerBlock.Placement.PRE;
    }

    private INDArray bias(String name) {
        return layerConf().isUseBias() ? param(name) : null;
    }

    private INDArray biasGrad(String name) {
        return layerConf().isUseBias() ? grad(name) : null;
    }

    private INDArray norm(String prefix, INDArray x, Norm.State[] st) {
        TransformerBlock c = layerConf();
        return c.getNorm().forward(x, param(prefix + "g"), c.getNorm().hasBias() ? param(prefix + "b") : null,
                c.getNormEps(), st);
    }

    /** The norm's input gradient plus {@code residual} (may be null), in one pass for FLOAT. */
    private INDArray normBackward(String prefix, INDArray dy, Norm.State st, INDArray residual) {
        TransformerBlock c = layerConf();
        return c.getNorm().backward(dy, st, param(prefix + "g"), grad(prefix + "g"),
                c.getNorm().hasBias() ? grad(prefix + "b") : null, residual);
    }

    /**
     * {@code x + dropout(out + b)}, then (POST) the sublayer's norm {@code prefix}: the residual connection around
     * a sublayer's output projection {@code out} (its GEMM without the bias), fused by {@link Residual}.
     */
    private INDArray residual(String prefix, INDArray out, INDArray b, INDArray x, boolean training,
                              Residual.State[] st) {
        return Residual.forward(out, b, x, layerConf().getHiddenDropout(), training, postNorm(prefix, false), st);
    }

    /** Returns {dSum, dOut}, see {@link Residual#backward}; writes the bias and (POST) the norm's gradients. */
    private INDArray[] residualBackward(String prefix, INDArray dy, Residual.State st, String bias) {
        return Residual.backward(dy, st, postNorm(prefix, true), biasGrad(bias));
    }

    /**
     * The norm {@code prefix} after the residual sum (POST), or null (PRE); with its gradient views in backward (there
     * are none in an inference forward pass).
     */
    private Residual.PostNorm postNorm(String prefix, boolean backward) {
        if (pre()) {
            return null;
        }
        TransformerBlock c = layerConf();
        boolean beta = c.getNorm().hasBias();
        return new Residual.PostNorm(c.getNorm(), param(prefix + "g"), beta ? param(prefix + "b") : null,
                c.getNormEps(), backward ? grad(prefix + "g") : null, backward && beta ? grad(prefix + "b") : null);
    }

    /** {@code [B*T, h*d]} rows of this block's batch as a {@code [B, h, T, d]} view. */
    private INDArray headsOf(INDArray rows) {
        return Attention.part(Attention.heads(rows, batch, time, 1, layerConf().getNumHeads(),
                layerConf().getHeadSize()), 0);
    }

    private double scale() {
        return layerConf().isScaleScores() ? 1.0 / Math.sqrt(layerConf().getHeadSize()) : 1.0;
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        return forward(new INDArray[] {input}, training);
    }

    @Override
    protected INDArray forward(INDArray[] inputs, boolean training) {
        TransformerBlock c = layerConf();
        if (inputs.length != c.numInputs()) {
            throw new IllegalArgumentException(c.getLayerName() + " expects " + c.numInputs() + " inputs, got "
                    + inputs.length);
        }
        batch = inputs[0].size(0);
        time = inputs[0].size(1);
        long h = c.getHiddenSize();
        INDArray x = Layout.rows(inputs[0], h);
        INDArray positionBias = c.isPositionBias() ? inputs[1] : null;
        self = new AttentionState();
        x = selfAttention(x, positionBias, training);
        if (c.isCrossAttention()) {
            cross = new AttentionState();
            x = crossAttention(x, inputs[inputs.length - 1], training);
        }
        x = feedForward(x, training);
        if (!training) {
            clearState();
        }
        return x.reshape('c', batch, time, h);
    }

    private INDArray selfAttention(INDArray x, INDArray positionBias, boolean training) {
        TransformerBlock c = layerConf();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        Norm.State[] st = new Norm.State[1];
        self.in = pre() ? norm("ln1", x, st) : x;
        INDArray qkv = Dense.forward(self.in, param("Wqkv"), bias("bqkv"));
        INDArray split = Attention.heads(qkv, batch, time, 3, heads, d);
        Attention.State[] core = new Attention.State[1];
        self.ctx = Nd4j.createUninitialized(x.dataType(), new long[] {batch * time, heads * d}, 'c');
        Attention.forward(Attention.part(split, 0), Attention.part(split, 1), Attention.part(split, 2),
                headsOf(self.ctx), scale(), Attention.keyBias(inputMask(0), batch, time), positionBias, c.isCausal(),
                c.getAttentionDropout(), training, core);
        self.core = core[0];
        self.norm = st[0];
        Residual.State[] res = new Residual.State[1];
        INDArray y = residual("ln1", Dense.forward(self.ctx, param("Wo"), null), bias("bo"), x, training, res);
        self.res = res[0];
        return y;
    }

    private INDArray crossAttention(INDArray x, INDArray memoryIn, boolean training) {
        TransformerBlock c = layerConf();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        long h = c.getHiddenSize();
        cross.memTime = memoryIn.size(1);
        cross.memory = Layout.rows(memoryIn, h);
        Norm.State[] st = new Norm.State[1];
        cross.in = pre() ? norm("lnx", x, st) : x;
        INDArray q = headsOf(Dense.forward(cross.in, param("Wq2"), bias("bq2")));
        INDArray kv = Attention.heads(Dense.forward(cross.memory, param("Wkv2"), bias("bkv2")), batch,
                cross.memTime, 2, heads, d);
        Attention.State[] core = new Attention.State[1];
        cross.ctx = Nd4j.createUninitialized(x.dataType(), new long[] {batch * time, heads * d}, 'c');
        Attention.forward(q, Attention.part(kv, 0), Attention.part(kv, 1), headsOf(cross.ctx), scale(),
                Attention.keyBias(inputMask(c.numInputs() - 1), batch, cross.memTime), null, false,
                c.getAttentionDropout(), training, core);
        cross.core = core[0];
        cross.norm = st[0];
        Residual.State[] res = new Residual.State[1];
        INDArray y = residual("lnx", Dense.forward(cross.ctx, param("Wo2"), null), bias("bo2"), x, training, res);
        cross.res = res[0];
        return y;
    }

    private INDArray feedForward(INDArray x, boolean training) {
        TransformerBlock c = layerConf();
        Norm.State[] st = new Norm.State[1];
        ffnIn = pre() ? norm("ln2", x, st) : x;
        // the bias goes with the non-linearity, whose kernel may add it on the way (see Activation.forward(u, b))
        ffnPre = Dense.forward(ffnIn, param("W1"), null);
        ffnAct = c.getActivation().forward(ffnPre, bias("b1"));
        ffnLinear = c.isGatedFeedForward() ? Dense.forward(ffnIn, param("W1linear"), bias("b1linear")) : null;
        ffnHidden = ffnLinear == null ? ffnAct.y() : ffnAct.y().mul(ffnLinear);
        ffnNorm = st[0];
        Residual.State[] res = new Residual.State[1];
        INDArray y = residual("ln2", Dense.forward(ffnHidden, param("W2"), null), bias("b2"), x, training, res);
        ffnRes = res[0];
        return y;
    }

    @Override
    protected INDArray backward(INDArray epsilon) {
        return backward(new INDArray[] {input}, epsilon)[0];
    }

    @Override
    protected INDArray[] backward(INDArray[] inputs, INDArray epsilon) {
        TransformerBlock c = layerConf();
        long h = c.getHiddenSize();
        INDArray[] out = new INDArray[inputs.length];
        INDArray d = feedForwardBackward(Layout.rows(epsilon, h));
        if (c.isCrossAttention()) {
            INDArray[] dx = crossAttentionBackward(d);
            d = dx[0];
            out[inputs.length - 1] = dx[1].reshape('c', inputs[inputs.length - 1].shape());
        }
        INDArray[] dx = selfAttentionBackward(d, c.isPositionBias());
        out[0] = dx[0].reshape('c', batch, time, h);
        if (c.isPositionBias()) {
            out[1] = dx[1];
        }
        return out;
    }

    /**
     * Gradient through {@code y = x + drop(ffn(norm(x)))} (PRE) or {@code y = norm(x + drop(ffn(x)))} (POST), where
     * {@code ffn(u) = h(u) W2 + b2} and {@code h(u) = act(u W1 + b1)}, times {@code u W1linear + b1linear} when gated.
     */
    private INDArray feedForwardBackward(INDArray dy) {
        TransformerBlock c = layerConf();
        INDArray[] dRes = residualBackward("ln2", dy, ffnRes, "b2");
        INDArray dSum = dRes[0];
        INDArray dHidden = Dense.backward(ffnHidden, dRes[1], param("W2"), grad("W2"), null, true);
        INDArray dLinearIn = null;
        if (ffnLinear != null) {
            // hidden = act * linear: d linear = dHidden * act, d act = dHidden * linear
            INDArray dLinear = dHidden.mul(ffnAct.y());
            dLinearIn = Dense.backward(ffnIn, dLinear, param("W1linear"), grad("W1linear"), biasGrad("b1linear"),
                    true);
            dHidden.muli(ffnLinear);
        }
        INDArray dPre = c.getActivation().backward(ffnPre, ffnAct, dHidden);
        if (dLinearIn == null && !pre()) {
            return Dense.backwardAdding(ffnIn, dPre, param("W1"), grad("W1"), biasGrad("b1"), dSum);
        }
        INDArray dIn = Dense.backward(ffnIn, dPre, param("W1"), grad("W1"), biasGrad("b1"), true);
        if (dLinearIn != null) {
            dIn.addi(dLinearIn);
        }
        return pre() ? normBackward("ln2", dIn, ffnNorm, dSum) : dIn.addi(dSum);
    }

    /** Returns {dx, dMemory}. */
    private INDArray[] crossAttentionBackward(INDArray dy) {
        TransformerBlock c = layerConf();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        INDArray[] dRes = residualBackward("lnx", dy, cross.res, "bo2");
        INDArray dSum = dRes[0];
        INDArray dCtx = headsOf(Dense.backward(cross.ctx, dRes[1], param("Wo2"), grad("Wo2"), null, true));
        INDArray dq = Nd4j.createUninitialized(dy.dataType(), new long[] {batch * time, heads * d}, 'c');
        INDArray dKv = Nd4j.createUninitialized(dy.dataType(), new long[] {batch * cross.memTime, 2 * heads * d}, 'c');
        INDArray dKvHeads = Attention.heads(dKv, batch, cross.memTime, 2, heads, d);
        Attention.backward(dCtx, cross.core, headsOf(dq), Attention.part(dKvHeads, 0), Attention.part(dKvHeads, 1),
                false);
        INDArray dMemory = Dense.backward(cross.memory, dKv, param("Wkv2"), grad("Wkv2"), biasGrad("bkv2"), true);
        INDArray dx = pre()
                ? normBackward("lnx", Dense.backward(cross.in, dq, param("Wq2"), grad("Wq2"), biasGrad("bq2"), true),
                        cross.norm, dSum)
                : Dense.backwardAdding(cross.in, dq, param("Wq2"), grad("Wq2"), biasGrad("bq2"), dSum);
        return new INDArray[] {dx, dMemory};
    }

    /** Returns {dx, dPositionBias or null}. */
    private INDArray[] selfAttentionBackward(INDArray dy, boolean wantPositionBias) {
        TransformerBlock c = layerConf();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        INDArray[] dRes = residualBackward("ln1", dy, self.res, "bo");
        INDArray dSum = dRes[0];
        INDArray dCtx = headsOf(Dense.backward(self.ctx, dRes[1], param("Wo"), grad("Wo"), null, true));
        INDArray dQkv = Nd4j.createUninitialized(dy.dataType(), new long[] {batch * time, 3 * heads * d}, 'c');
        INDArray dSplit = Attention.heads(dQkv, batch, time, 3, heads, d);
        INDArray dBias = Attention.backward(dCtx, self.core, Attention.part(dSplit, 0), Attention.part(dSplit, 1),
                Attention.part(dSplit, 2), wantPositionBias);
        INDArray dx = pre()
                ? normBackward("ln1", Dense.backward(self.in, dQkv, param("Wqkv"), grad("Wqkv"), biasGrad("bqkv"),
                        true), self.norm, dSum)
                : Dense.backwardAdding(self.in, dQkv, param("Wqkv"), grad("Wqkv"), biasGrad("bqkv"), dSum);
        return new INDArray[] {dx, dBias};
    }

    @Override
    protected void clearState() {
        self = null;
        cross = null;
        ffnIn = null;
        ffnNorm = null;
        ffnPre = null;
        ffnAct = null;
        ffnLinear = null;
        ffnHidden = null;
        ffnRes = null;
    }
}
