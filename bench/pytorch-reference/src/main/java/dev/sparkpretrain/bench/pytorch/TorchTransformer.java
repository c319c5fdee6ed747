package dev.sparkpretrain.bench.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;

import java.util.ArrayList;
import java.util.List;

/**
 * BERT (post-LN, MLM + NSP heads) and GPT-2 (pre-LN, tied LM head) written as a good PyTorch training script writes
 * them, with DJL's NDArray ops, each of which is one libtorch op: fused QKV projection, attention as two batched
 * matmuls over [B, heads, T, d], the MLM head on the gathered masked rows only.
 *
 * <p>Parameters live in the manager given to the constructor and require gradients; every op of a forward pass takes
 * its first operand from the batch, so all intermediates land in the batch's (per-step) manager and go when it closes.
 * Weights are stored [out, in] as torch.nn.Linear stores them.
 */
final class TorchTransformer {
    /** Which model and objective: BERT post-LN with MLM + NSP, or GPT-2 pre-LN causal LM. */
    enum Family { BERT, GPT }

    /** The ThroughputBenchmark shapes. */
    record Shape5(int layers, int hidden, int heads, int ff, int seq, int vocab) {}

    /** One trainable tensor; {@code decay}: AdamW weight decay applies (weights, not biases or norms). */
    record Param(String name, NDArray value, boolean decay) {}

    private final Family family;
    private final Shape5 s;
    private final float dropout;
    private final float eps;
    /** GPT: compose the tanh GELU from elementwise ops instead of libtorch's one exact-GELU kernel. */
    private final boolean composedTanhGelu;
    private final List<Param> params = new ArrayList<>();

    private final NDArray wordEmb; // [V, H], tied to the output layer
    private final NDArray posEmb; // [T, H]
    private NDArray typeEmb; // [2, H] (BERT)
    private NDArray embLnG;
    private NDArray embLnB;
    private final List<NDArray[]> blocks = new ArrayList<>();
    private NDArray finalLnG; // GPT
    private NDArray finalLnB;
    private NDArray poolW; // BERT heads
    private NDArray poolB;
    private NDArray nspW;
    private NDArray nspB;
    private NDArray mlmW;
    private NDArray mlmB;
    private NDArray mlmLnG;
    private NDArray mlmLnB;
    private NDArray mlmBias;
    /** GPT: additive causal mask [T, T], -1e9 above the diagonal (a buffer, not a parameter). */
    private NDArray causalMask;

    TorchTransformer(NDManager m, Family family, Shape5 s, float dropout, boolean composedTanhGelu) {
        this.family = family;
        this.s = s;
        this.dropout = dropout;
        this.eps = family == Family.BERT ? 1e-12f : 1e-5f;
        this.composedTanhGelu = composedTanhGelu;
        int h = s.hidden();
        int f = s.ff();
        wordEmb = weight(m, "word_embeddings", s.vocab(), h);
        posEmb = weight(m, "position_embeddings", s.seq(), h);
        if (family == Family.BERT) {
            typeEmb = weight(m, "token_type_embeddings", 2, h);
            embLnG = ones(m, "embeddings.ln.gamma", h);
            embLnB = zeros(m, "embeddings.ln.beta", h);
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "layer" + l + ".";
            blocks.add(new NDArray[] {
                weight(m, p + "qkv.w", 3 * h, h), zeros(m, p + "qkv.b", 3 * h),
                weight(m, p + "attn_out.w", h, h), zeros(m, p + "attn_out.b", h),
                ones(m, p + "ln1.gamma", h), zeros(m, p + "ln1.beta", h),
                weight(m, p + "ffn_in.w", f, h), zeros(m, p + "ffn_in.b", f),
                weight(m, p + "ffn_out.w", h, f), zeros(m, p + "ffn_out.b", h),
                ones(m, p + "ln2.gamma", h), zeros(m, p + "ln2.beta", h)});
        }
        if (family == Family.BERT) {
            poolW = weight(m, "pooler.w", h, h);
            poolB = zeros(m, "pooler.b", h);
            nspW = weight(m, "nsp.w", 2, h);
            nspB = zeros(m, "nsp.b", 2);
            mlmW = weight(m, "mlm.transform.w", h, h);
            mlmB = zeros(m, "mlm.transform.b", h);
            mlmLnG = ones(m, "mlm.ln.gamma", h);
            mlmLnB = zeros(m, "mlm.ln.beta", h);
            mlmBias = zeros(m, "mlm.output_bias", s.vocab());
        } else {
            finalLnG = ones(m, "final_ln.gamma", h);
            finalLnB = zeros(m, "final_ln.beta", h);
            float[] mask = new float[s.seq() * s.seq()];
            for (int i = 0; i < s.seq(); i++) {
                for (int j = i + 1; j < s.seq(); j++) mask[i * s.seq() + j] = -1e9f;
            }
            causalMask = m.create(mask, new Shape(s.seq(), s.seq()));
        }
    }

    List<Param> params() {
        return params;
    }

    long numParams() {
        return params.stream().mapToLong(p -> p.value().size()).sum();
    }

    /**
     * BERT pre-training loss: mean cross-entropy over the masked positions (weights 1) + NSP cross-entropy.
     *
     * @param ids [B, T] int64 token ids; {@code types} [B, T] segment ids; {@code inputMask} [B, T] float 1/0
     * @param flatPositions [B*P] int64 row indices b*T + position of the masked tokens; {@code labels} [B*P, 1] int64
     * @param nsp [B, 1] int64 next-sentence labels
     */
    NDArray bertLoss(NDArray ids, NDArray types, NDArray inputMask, NDArray flatPositions, NDArray labels,
            NDArray nsp) {
        int b = (int) ids.getShape().get(0);
        int t = s.seq();
        int h = s.hidden();
        NDArray x = emb(ids, wordEmb).add(posEmb).add(emb(types, typeEmb)); // [B, T, H]
        x = drop(ln(x, embLnG, embLnB));
        // [B, 1, 1, T]: 0 at real tokens, -10000 at padding (BERT's additive mask)
        NDArray maskAdd = inputMask.sub(1f).mul(10000f).reshape(b, 1, 1, t);
        for (NDArray[] w : blocks) {
            x = ln(x.add(drop(attention(x, w, maskAdd))), w[4], w[5]);
            x = ln(x.add(drop(linear(Activation.gelu(linear(x, w[6], w[7])), w[8], w[9]))), w[10], w[11]);
        }
        // Pooler + NSP on the [CLS] rows.
        NDArray cls = x.get(":, 0, :"); // [B, H]
        NDArray pooled = linear(cls, poolW, poolB).tanh();
        NDArray nspLoss = crossEntropy(linear(pooled, nspW, nspB), nsp);
        // MLM on the gathered masked rows only: [B*P, H] -> transform -> tied decoder [B*P, V].
        NDArray rows = x.reshape(b * t, h).gather(flatPositions.reshape(-1, 1).broadcast(flatPositions.size(), h), 0);
        NDArray z = ln(Activation.gelu(linear(rows, mlmW, mlmB)), mlmLnG, mlmLnB);
        NDArray mlmLoss = crossEntropy(linear(z, wordEmb, mlmBias), labels);
        return mlmLoss.add(nspLoss);
    }

    /** GPT loss: mean next-token cross-entropy over all B*T positions. {@code targets} [B*T, 1] int64. */
    NDArray gptLoss(NDArray ids, NDArray targets) {
        int b = (int) ids.getShape().get(0);
        int t = s.seq();
        int h = s.hidden();
        NDArray x = drop(emb(ids, wordEmb).add(posEmb)); // [B, T, H]
        for (NDArray[] w : blocks) {
            x = x.add(drop(attention(ln(x, w[4], w[5]), w, causalMask)));
            x = x.add(drop(linear(geluTanh(linear(ln(x, w[10], w[11]), w[6], w[7])), w[8], w[9])));
        }
        x = ln(x, finalLnG, finalLnB).reshape(b * t, h);
        return crossEntropy(Linear.linear(x, wordEmb).singletonOrThrow(), targets);
    }

    /** Multi-head self-attention; {@code w}: [qkvW, qkvB, outW, outB, ...]; {@code maskAdd} broadcasts to [B, n, T, T]. */
    private NDArray attention(NDArray x, NDArray[] w, NDArray maskAdd) {
        int b = (int) x.getShape().get(0);
        int t = s.seq();
        int n = s.heads();
        int d = s.hidden() / n;
        // [B, T, 3H] -> [B, T, 3, n, d] -> [3, B, n, T, d]
        NDArray qkv = linear(x, w[0], w[1]).reshape(b, t, 3, n, d).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0).mul((float) (1.0 / Math.sqrt(d)));
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(maskAdd); // [B, n, T, T]
        NDArray ctx = drop(scores.softmax(-1)).matMul(v); // [B, n, T, d]
        return linear(ctx.transpose(0, 2, 1, 3).reshape(b, t, s.hidden()), w[2], w[3]);
    }

    private NDArray geluTanh(NDArray x) {
        if (!composedTanhGelu) {
            // libtorch's exact GELU: one kernel, as F.gelu(x, approximate="tanh") is one kernel in PyTorch
            // (DJL does not expose the approximate flag); the cost is the same, the values differ by < 1e-3.
            return Activation.gelu(x);
        }
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        NDArray inner = x.pow(3f).mul(0.044715f).add(x).mul((float) Math.sqrt(2 / Math.PI));
        return inner.tanh().add(1f).mul(x).mul(0.5f);
    }

    /** Mean of -log softmax(logits)[label]; logits [N, C], labels [N, 1] int64. */
    private static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return logits.logSoftmax(-1).gather(labels, 1).mean().neg();
    }

    private static NDArray emb(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return Linear.linear(x, w, b).singletonOrThrow();
    }

    private NDArray ln(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(s.hidden()), gamma, beta, eps).singletonOrThrow();
    }

    private NDArray drop(NDArray x) {
        // at::dropout returns its input when p = 0, so skipping the call changes nothing but the JNI round trip.
        return dropout == 0f ? x : Dropout.dropout(x, dropout, true).singletonOrThrow();
    }

    private NDArray weight(NDManager m, String name, long... shape) {
        return add(name, m.randomNormal(0f, 0.02f, new Shape(shape), DataType.FLOAT32), true);
    }

    private NDArray zeros(NDManager m, String name, long n) {
        return add(name, m.zeros(new Shape(n), DataType.FLOAT32), false);
    }

    private NDArray ones(NDManager m, String name, long n) {
        return add(name, m.ones(new Shape(n), DataType.FLOAT32), false);
    }

    private NDArray add(String name, NDArray value, boolean decay) {
        value.setRequiresGradient(true);
        params.add(new Param(name, value, decay));
        return value;
    }
}
