package dev.sparkpretrain.model.t5;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.layers.EmbeddingTables;
import dev.sparkpretrain.model.layers.LinearSoftmaxCrossEntropy;
import dev.sparkpretrain.model.layers.MultiInputLayerVertex;
import dev.sparkpretrain.model.layers.NormLayer;

import dev.sparkpretrain.model.layers.RelativePositionBias;
import dev.sparkpretrain.model.layers.TransformerBlock;
import dev.sparkpretrain.model.ops.Norm;
import dev.sparkpretrain.model.vertices.EmbeddingLookup;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;


import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;

/**
 * T5 (Raffel et al. 2020; Hugging Face {@code modeling_t5.py}) as a DL4J {@link ComputationGraph}: one token
 * embedding shared by encoder and decoder, pre-RMS-norm blocks without biases, unscaled attention with T5's bucketed
 * relative position bias (one table per stack, shared by its layers), ReLU feed-forward, a causal decoder with
 * cross-attention to the encoder, and the LM head tied to the embeddings with the {@code d_model^-0.5} rescaling (v1.0);
 * or, as v1.1 ({@link TransformerConfig#t5v11}), the gated-GELU feed-forward ({@code FeedForward.GATED}, activation
 * {@code GELU_TANH}) and the LM head untied and unscaled ({@code tieWordEmbeddings = false}).
 *
 * <pre>
 *   input_ids ─► embeddingTables (shared) ──────────────┬────────────────────────┬──────► lm (tied head + loss)
 *   input_ids ─► encoderEmbeddings ─► encoder0..N-1 (+encoderPositionBias) ─► encoderNorm
 *   decoder_input_ids ─► decoderEmbeddings ─► decoder0..N-1 (+decoderPositionBias, encoderNorm) ─► decoderNorm ─┘
 * </pre>
 *
 * Inputs: {@code input_ids [B,S]} (mask: input mask), {@code decoder_input_ids [B,T]} = targets shifted right behind
 * id 0 (mask: target mask). Output {@code lm}: probabilities {@code [B,T,V]}; labels the targets, label mask the target
 * mask. Score = mean cross-entropy over real target tokens: the output layer sums per example and the label mask
 * carries each real token's weight ({@link #toMultiDataSet(T5Batch, double)}), so micro-batches accumulated into one
 * optimizer step can be weighted by the step's token count and add up to exactly one large batch.
 */
public final class T5Model {
    public static final String INPUT_IDS = "input_ids";
    public static final String DECODER_INPUT_IDS = "decoder_input_ids";
    public static final String LM = "lm";
    /** T5's decoder_start_token_id (= pad). */
    public static final int DECODER_START = 0;

    private T5Model() {}

    /** An initialised FP32 graph. */
    public static ComputationGraph build(TransformerConfig config, OptimizerConfig optimizer, long seed) {
        return GraphSetup.initialised(
                configuration(config, optimizer.updater(), optimizer.weightRegularization(), seed, DataType.FLOAT));
    }

    public static ComputationGraphConfiguration configuration(TransformerConfig c, IUpdater updater,
                                                              List<Regularization> weightRegularization, long seed,
                                                              DataType dataType) {
        if (c.family() != TransformerConfig.Family.T5) {
            throw new IllegalArgumentException("T5Model needs a T5 config, got " + c.family());
        }
        int h = c.hiddenSize();
        double factor = c.initializerRange();
        GraphSetup s = new GraphSetup(updater, weightRegularization, seed, dataType);
        ComputationGraphConfiguration.GraphBuilder g = s.graphBuilder(INPUT_IDS, DECODER_INPUT_IDS);

        g.addLayer("embeddingTables", s.configure(new EmbeddingTables(c.vocabSize(), 0, 0, h, factor, factor)),
                INPUT_IDS);
        g.addVertex("encoderEmbeddings", new EmbeddingLookup(c.vocabSize(), 0, 0, c.hiddenDropout()), INPUT_IDS,
                "embeddingTables");
        g.addLayer("encoderPositionBias", s.configure(new RelativePositionBias(c.relativeBuckets(),
                c.relativeMaxDistance(), c.numHeads(), true, factor / Math.sqrt(h))), "encoderEmbeddings");
        String last = "encoderEmbeddings";
        for (int i = 0; i < c.numLayers(); i++) {
            TransformerBlock b = TransformerBlock.t5(h, c.numHeads(), c.headSize(), c.intermediateSize(), false,
                    c.hiddenDropout(), c.layerNormEps(), factor);
            b.setActivation(c.activation());
            b.setGatedFeedForward(c.feedForward() == TransformerConfig.FeedForward.GATED);
            b.setAttentionDropout(c.attentionDropout());
            String name = "encoder" + i;
            g.addVertex(name, MultiInputLayerVertex.of(name, s.configure(b), 2, seed, dataType), last,
                    "encoderPositionBias");
            last = name;
        }
        g.addLayer("encoderNorm", s.configure(new NormLayer(h, Norm.RMS, c.layerNormEps(), c.hiddenDropout())), last);

        g.addVertex("decoderEmbeddings", new EmbeddingLookup(c.vocabSize(), 0, 0, c.hiddenDropout()),
                DECODER_INPUT_IDS, "embeddingTables");
        g.addLayer("decoderPositionBias", s.configure(new RelativePositionBias(c.relativeBuckets(),
                c.relativeMaxDistance(), c.numHeads(), false, factor / Math.sqrt(h))), "decoderEmbeddings");
        last = "decoderEmbeddings";
        for (int i = 0; i < c.numDecoderLayers(); i++) {
            TransformerBlock b = TransformerBlock.t5(h, c.numHeads(), c.headSize(), c.intermediateSize(), true,
                    c.hiddenDropout(), c.layerNormEps(), factor);
            b.setActivation(c.activation());
            b.setGatedFeedForward(c.feedForward() == TransformerConfig.FeedForward.GATED);
            b.setAttentionDropout(c.attentionDropout());
            String name = "decoder" + i;
            g.addVertex(name, MultiInputLayerVertex.of(name, s.configure(b), 3, seed, dataType), last,
                    "decoderPositionBias", "encoderNorm");
            last = name;
        }
        g.addLayer("decoderNorm", s.configure(new NormLayer(h, Norm.RMS, c.layerNormEps(), c.hiddenDropout())), last);
        // The projection and the loss in one output layer (padded targets skipped, no [B*T, V] logits); per-example
        // sums, so that accumulated micro-batches add up exactly (weights set by toMultiDataSet).
        if (c.tieWordEmbeddings()) {
            g.addVertex(LM, MultiInputLayerVertex.of(LM, s.configure(LinearSoftmaxCrossEntropy.tied(c.vocabSize(),
                    false, 1.0 / Math.sqrt(h)).perExampleSum()), 2, seed, dataType), "decoderNorm", "embeddingTables");
        } else {
            g.addLayer(LM, s.configure(LinearSoftmaxCrossEntropy.untied(h, c.vocabSize(), false, factor)
                    .perExampleSum()), "decoderNorm");
        }
        g.setOutputs(LM);
        return g.build();
    }

    /**
     * Features (inputs, shifted targets), their masks, labels (targets) and label mask (target mask). The loss is the
     * mean over this batch's real target tokens.
     */
    public static MultiDataSet toMultiDataSet(T5Batch batch) {
        long real = 0;
        for (int[] row : batch.targetMask()) {
            for (int m : row) {
                real += m;
            }
        }
        return toMultiDataSet(batch, real == 0 ? 0 : (double) batch.size() / real);
    }

    /**
     * As {@link #toMultiDataSet(T5Batch)}, with each real target token's weight in the loss given: for one optimizer
     * step accumulated over micro-batches, {@code (total examples) / (total real target tokens)} of the whole step
     * makes the summed micro-batch gradients equal the gradient of one large batch.
     */
    public static MultiDataSet toMultiDataSet(T5Batch batch, double tokenWeight) {
        int b = batch.size();
        int s = batch.inputLength();
        int t = batch.targetLength();
        float[] in = new float[b * s];
        float[] inMask = new float[b * s];
        float[] dec = new float[b * t];
        float[] decMask = new float[b * t];
        float[] labels = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < s; j++) {
                in[i * s + j] = batch.inputIds()[i][j];
                inMask[i * s + j] = batch.inputMask()[i][j];
            }
            for (int j = 0; j < t; j++) {
                dec[i * t + j] = j == 0 ? DECODER_START : batch.targetIds()[i][j - 1];
                decMask[i * t + j] = batch.targetMask()[i][j];
                labels[i * t + j] = batch.targetIds()[i][j];
            }
        }
        INDArray targetMask = Nd4j.create(decMask, new long[] {b, t}, DataType.FLOAT);
        return new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {Nd4j.create(in, new long[] {b, s}, DataType.FLOAT),
                        Nd4j.create(dec, new long[] {b, t}, DataType.FLOAT)},
                new INDArray[] {Nd4j.create(labels, new long[] {b, t}, DataType.FLOAT)},
                new INDArray[] {Nd4j.create(inMask, new long[] {b, s}, DataType.FLOAT), targetMask},
                new INDArray[] {targetMask.mul(tokenWeight)});
    }

    /** Mean cross-entropy over real target tokens and top-1 accuracy, in inference mode with teacher forcing. */
    public static T5Metrics evaluate(ComputationGraph graph, T5Batch batch) {
        MultiDataSet mds = toMultiDataSet(batch);
        INDArray probs = graph.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(),
                mds.getLabelsMaskArrays())[0];
        long v = probs.size(2);
        int b = batch.size();
        int t = batch.targetLength();
        INDArray flat = probs.dup('c').reshape('c', (long) b * t, v);
        int[] argMax = flat.argMax(1).toIntVector();
        double loss = 0;
        long correct = 0;
        long total = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                if (batch.targetMask()[i][j] == 0) continue;
                int row = i * t + j;
                int label = batch.targetIds()[i][j];
                loss -= Math.log(Math.max(flat.getDouble(row, label), 1e-38));
                total++;
                if (argMax[row] == label) correct++;
            }
        }
        return new T5Metrics(total == 0 ? 0 : loss / total, correct, total);
    }
}
