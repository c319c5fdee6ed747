package dev.sparkpretrain.model.gpt;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.layers.EmbeddingTables;
import dev.sparkpretrain.model.layers.LinearSoftmaxCrossEntropy;
import dev.sparkpretrain.model.layers.MultiInputLayerVertex;
import dev.sparkpretrain.model.layers.NormLayer;
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
 * GPT-2 (Radford et al. 2019; openai/gpt-2 {@code model.py}) as a DL4J {@link ComputationGraph}: token + learned
 * position embeddings, dropout, pre-LN causal decoder blocks with tanh-GELU, a final layer norm and the LM head tied
 * to the token embeddings (no bias).
 *
 * <pre>
 *   input_ids ─► embeddingTables ─┬──────────────────────────────────────────────────────► lm (tied head + loss)
 *   input_ids ─► embeddings (word + position, dropout) ─► decoder0 … decoderN-1 ─► finalNorm ─┘
 * </pre>
 *
 * Input {@code input_ids [B,T]} (ids as floats); output {@code lm}: probabilities {@code [B,T,V]}, labels the next
 * tokens {@code [B,T]}. Score = mean next-token cross-entropy.
 */
public final class GptModel {
    public static final String INPUT_IDS = "input_ids";
    public static final String LM = "lm";

    private GptModel() {}

    /** An initialised FP32 graph. */
    public static ComputationGraph build(TransformerConfig config, OptimizerConfig optimizer, long seed) {
        return GraphSetup.initialised(
                configuration(config, optimizer.updater(), optimizer.weightRegularization(), seed, DataType.FLOAT));
    }

    /** The graph configuration with any updater and data type. */
    public static ComputationGraphConfiguration configuration(TransformerConfig c, IUpdater updater,
                                                              List<Regularization> weightRegularization, long seed,
                                                              DataType dataType) {
        if (c.family() != TransformerConfig.Family.GPT) {
            throw new IllegalArgumentException("GptModel needs a GPT config, got " + c.family());
        }
        int h = c.hiddenSize();
        GraphSetup s = new GraphSetup(updater, weightRegularization, seed, dataType);
        ComputationGraphConfiguration.GraphBuilder g = s.graphBuilder(INPUT_IDS);
        g.addLayer("embeddingTables", s.configure(new EmbeddingTables(c.vocabSize(), c.learnedPositions(), 0, h,
                c.initializerRange(), c.initializerRange())), INPUT_IDS);
        g.addVertex("embeddings", new EmbeddingLookup(c.vocabSize(), c.learnedPositions(), 0, c.hiddenDropout())
                .withSinusoidalPositions(c.sinusoidalPositions()),
                INPUT_IDS, "embeddingTables");
        // GPT-2 scales the init of the projections that feed the residual stream by 1/sqrt(2 * layers).
        double residualStd = c.initializerRange() / Math.sqrt(2.0 * c.numLayers());
        String last = "embeddings";
        for (int i = 0; i < c.numLayers(); i++) {
            TransformerBlock block = TransformerBlock.bert(h, c.numHeads(), c.intermediateSize(), c.hiddenDropout(),
                    c.attentionDropout(), c.layerNormEps(), c.initializerRange());
            block.setPlacement(TransformerBlock.Placement.PRE);
            block.setCausal(true);
            block.setActivation(c.activation());
            block.setGatedFeedForward(c.feedForward() == TransformerConfig.FeedForward.GATED);
            block.setOutputInitStd(residualStd);
            String name = "decoder" + i;
            g.addLayer(name, s.configure(block), last);
            last = name;
        }
        g.addLayer("finalNorm", s.configure(new NormLayer(h, Norm.LAYER, c.layerNormEps(), 0.0)), last);
        // The tied projection and the loss in one output layer: training never materialises the [B*T, V] logits.
        g.addVertex(LM, MultiInputLayerVertex.of(LM, s.configure(LinearSoftmaxCrossEntropy.tied(c.vocabSize(), false,
                1.0)), 2, seed, dataType), "finalNorm", "embeddingTables");
        g.setOutputs(LM);
        return g.build();
    }

    /** Features {@code windows[:, :T]} and labels {@code windows[:, 1:]}, no masks. */
    public static MultiDataSet toMultiDataSet(GptBatch batch) {
        int b = batch.size();
        int t = batch.sequenceLength();
        float[] in = new float[b * t];
        float[] out = new float[b * t];
        for (int i = 0; i < b; i++) {
            int[] w = batch.windows()[i];
            for (int j = 0; j < t; j++) {
                in[i * t + j] = w[j];
                out[i * t + j] = w[j + 1];
            }
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {Nd4j.create(in, new long[] {b, t}, DataType.FLOAT)},
                new INDArray[] {Nd4j.create(out, new long[] {b, t}, DataType.FLOAT)});
    }

    /** Mean next-token cross-entropy and accuracy on {@code batch} in inference mode. */
    public static GptMetrics evaluate(ComputationGraph graph, GptBatch batch) {
        MultiDataSet mds = toMultiDataSet(batch);
        INDArray probs = graph.output(false, mds.getFeatures(), null, null)[0];   // [B, T, V]
        long v = probs.size(2);
        int b = batch.size();
        int t = batch.sequenceLength();
        INDArray flat = probs.dup('c').reshape('c', (long) b * t, v);
        int[] argMax = flat.argMax(1).toIntVector();
        double loss = 0;
        long correct = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int row = i * t + j;
                int label = batch.windows()[i][j + 1];
                loss -= Math.log(Math.max(flat.getDouble(row, label), 1e-38));
                if (argMax[row] == label) correct++;
            }
        }
        long total = (long) b * t;
        return new GptMetrics(loss / total, correct, total);
    }
}
