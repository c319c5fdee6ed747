package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Attention;
import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Dropout;
import dev.sparkpretrain.model.ops.Norm;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runtime of {@link TransformerBlock}. Shapes: B batch, T time, H hidden, N = B*T rows, h heads, d head size. */
public class TransformerBlockImpl extends ParameterizedLayerImpl<TransformerBlock> {

    // Forward state kept for backward (all [N, .] unless noted).
    private long batch;
    private long time;
    private INDArray attnIn;        // input of the QKV projection
    private Attention.State attn;
    private INDArray ctx;           // merged heads, [N, h*d]
    private INDArray attnDrop;
    private Norm.State norm1;
    private INDArray ffnIn;         // input of the first FFN projection
    private INDArray ffnPre;        // pre-activation [N, F]
    private Activation.Result ffnAct;  // activation [N, F] and its auxiliary array
    private INDArray ffnDrop;
    private Norm.State norm2;

    public TransformerBlockImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean pre() {
        return layerConf().getPlacement() == TransformerBlock.Placement.PRE;
    }

    private INDArray normForward(int which, INDArray x) {
        TransformerBlock c = layerConf();
        Norm.State[] st = new Norm.State[1];
        INDArray y = c.getNorm().forward(x, param("ln" + which + "g"),
                c.getNorm().hasBias() ? param("ln" + which + "b") : null, c.getNormEps(), st);
        if (which == 1) norm1 = st[0]; else norm2 = st[0];
        return y;
    }

    private INDArray normBackward(int which, INDArray dy) {
        TransformerBlock c = layerConf();
        return c.getNorm().backward(dy, which == 1 ? norm1 : norm2, param("ln" + which + "g"),
                grad("ln" + which + "g"), c.getNorm().hasBias() ? grad("ln" + which + "b") : null);
    }

    private INDArray linear(INDArray x, String w, String b) {
        return Dense.forward(x, param(w), layerConf().isUseBias() ? param(b) : null);
    }

    /** Fills the gradients of {@code y = x W + b} and returns dx. */
    private INDArray linearBackward(INDArray x, INDArray dy, String w, String b) {
        return Dense.backward(x, dy, param(w), grad(w), layerConf().isUseBias() ? grad(b) : null, true);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training) {
        TransformerBlock c = layerConf();
        batch = input.size(0);
        time = input.size(1);
        long h = c.getHiddenSize();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        INDArray x = Dense.rows(input, h);

        attnIn = pre() ? normForward(1, x) : x;
        INDArray qkv = linear(attnIn, "Wqkv", "bqkv");
        INDArray split = qkv.reshape('c', batch, time, 3, heads, d).permute(2, 0, 3, 1, 4).dup('c');
        Attention.State[] st = new Attention.State[1];
        INDArray keyBias = Attention.keyBias(maskArray, batch, time);
        INDArray causal = c.isCausal() ? Attention.causalBias(x.dataType(), (int) time, (int) time) : null;
        double scale = c.isScaleScores() ? 1.0 / Math.sqrt(d) : 1.0;
        INDArray context = Attention.forward(Attention.part(split, 0), Attention.part(split, 1),
                Attention.part(split, 2), scale, keyBias, null, causal, c.getAttentionDropout(), training, st);
        attn = st[0];
        ctx = Attention.mergeHeads(context, batch, time, heads, d);
        INDArray a = linear(ctx, "Wo", "bo");
        attnDrop = training ? Dropout.mask(a, c.getHiddenDropout()) : null;
        INDArray hsum = Dropout.apply(a, attnDrop).addi(x);
        INDArray hidden = pre() ? hsum : normForward(1, hsum);

        ffnIn = pre() ? normForward(2, hidden) : hidden;
        ffnPre = linear(ffnIn, "W1", "b1");
        ffnAct = c.getActivation().forward(ffnPre);
        INDArray f = linear(ffnAct.y(), "W2", "b2");
        ffnDrop = training ? Dropout.mask(f, c.getHiddenDropout()) : null;
        INDArray out = Dropout.apply(f, ffnDrop).addi(hidden);
        if (!pre()) {
            out = normForward(2, out);
        }
        if (!training) {
            clearState();
        }
        return out.reshape('c', batch, time, h);
    }

    @Override
    protected INDArray backward(INDArray epsilon) {
        TransformerBlock c = layerConf();
        long h = c.getHiddenSize();
        long heads = c.getNumHeads();
        long d = c.getHeadSize();
        INDArray dy = Dense.rows(epsilon, h);

        INDArray dOut = pre() ? dy : normBackward(2, dy);       // gradient of (hidden + f)
        INDArray df = ffnDrop == null ? dOut : dOut.mul(ffnDrop);
        INDArray dAct = linearBackward(ffnAct.y(), df, "W2", "b2");
        INDArray dPre = c.getActivation().backward(ffnPre, ffnAct, dAct);
        INDArray dFfnIn = linearBackward(ffnIn, dPre, "W1", "b1");
        INDArray dHidden = pre() ? normBackward(2, dFfnIn).addi(dOut) : dFfnIn.addi(dOut);

        INDArray dSum = pre() ? dHidden : normBackward(1, dHidden);  // gradient of (x + attention)
        INDArray da = attnDrop == null ? dSum : dSum.mul(attnDrop);
        INDArray dCtx2 = linearBackward(ctx, da, "Wo", "bo");
        INDArray dCtx = Attention.splitHeads(dCtx2, batch, time, heads, d);
        INDArray dSplit = Nd4j.createUninitialized(dy.dataType(), new long[] {3, batch, heads, time, d}, 'c');
        Attention.backward(dCtx, attn, Attention.part(dSplit, 0), Attention.part(dSplit, 1),
                Attention.part(dSplit, 2), false);
        INDArray dQkv = dSplit.permute(1, 3, 0, 2, 4).dup('c').reshape('c', batch * time, 3 * heads * d);
        INDArray dAttnIn = linearBackward(attnIn, dQkv, "Wqkv", "bqkv");
        INDArray dx = pre() ? normBackward(1, dAttnIn).addi(dSum) : dAttnIn.addi(dSum);
        return dx.reshape('c', batch, time, h);
    }

    @Override
    protected void clearState() {
        attnIn = null;
        attn = null;
        ctx = null;
        attnDrop = null;
        norm1 = null;
        ffnIn = null;
        ffnPre = null;
        ffnAct = null;
        ffnDrop = null;
        norm2 = null;
    }
}
