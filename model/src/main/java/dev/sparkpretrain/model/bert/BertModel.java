package dev.sparkpretrain.model.bert;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.layers.ClsPooler;
import dev.sparkpretrain.model.layers.EmbeddingTables;
import dev.sparkpretrain.model.layers.LinearSoftmaxCrossEntropy;
import dev.sparkpretrain.model.layers.MultiInputLayerVertex;
import dev.sparkpretrain.model.layers.NormLayer;

import dev.sparkpretrain.model.layers.Projection;
import dev.sparkpretrain.model.layers.SoftmaxCrossEntropy;
import dev.sparkpretrain.model.layers.TransformerBlock;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.ops.Norm;
import dev.sparkpretrain.model.vertices.EmbeddingLookup;
import dev.sparkpretrain.model.vertices.GatherPositions;
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
 * BERT for pre-training (Devlin et al. 2019; google-research/bert {@code modeling.py} and {@code run_pretraining.py})
 * as a DL4J {@link ComputationGraph}:
 *
 * <pre>
 *   input_ids ─► embeddingTables ─┬─────────────────────────────────────────────► mlm (tied head + loss)
 *   input_ids, segment_ids ─► embeddings (word + position + type) ─► embeddingNorm (LN, dropout)
 *     ─► encoder0 … encoderN-1 (post-LN blocks) ─┬─► mlmGather(masked_lm_positions) ─► mlmTransform ─┘
 *                                                └─► pooler (tanh on [CLS]) ─► nspLogits ─► nsp (2 classes)
 * </pre>
 *
 * Inputs, in order: {@code input_ids [B,T]}, {@code segment_ids [B,T]}, {@code masked_lm_positions [B,P]} (ids as
 * floats), with the input mask {@code [B,T]} as the feature mask of {@code input_ids}. Outputs: {@code mlm}
 * (probabilities {@code [B,P,V]}, labels {@code masked_lm_ids [B,P]}, label mask = weights) and {@code nsp}
 * (probabilities {@code [B,2]}, labels {@code [B,1]}: 0 IsNext, 1 random). Score = mean MLM cross-entropy over real predictions + mean NSP
 * cross-entropy (+ DL4J's regularisation term).
 *
 * <p>Example: {@code ComputationGraph g = BertModel.build(TransformerConfig.preset("bert-tiny"),
 * OptimizerConfig.bertDefaults(100, 10_000), 42); g.fit(BertModel.toMultiDataSet(batch));}
 */
public final class BertModel {
    public static final String INPUT_IDS = "input_ids";
    public static final String SEGMENT_IDS = "segment_ids";
    public static final String MASKED_LM_POSITIONS = "masked_lm_positions";
    public static final String MLM = "mlm";
    public static final String NSP = "nsp";

    private BertModel() {}

    /** An initialised FP32 graph. */
    public static ComputationGraph build(TransformerConfig config, OptimizerConfig optimizer, long seed) {
        return GraphSetup.initialised(
                configuration(config, optimizer.updater(), optimizer.weightRegularization(), seed, DataType.FLOAT));
    }

    /** The graph configuration with any updater and data type (gradient checks use NoOp and DOUBLE). */
    public static ComputationGraphConfiguration configuration(TransformerConfig c, IUpdater updater,
                                                              List<Regularization> weightRegularization, long seed,
                                                              DataType dataType) {
        if (c.family() != TransformerConfig.Family.BERT) {
            throw new IllegalArgumentException("BertModel needs a BERT config, got " + c.family());
        }
        int h = c.hiddenSize();
        GraphSetup s = new GraphSetup(updater, weightRegularization, seed, dataType);
        ComputationGraphConfiguration.GraphBuilder g = s.graphBuilder(INPUT_IDS, SEGMENT_IDS, MASKED_LM_POSITIONS);

        g.addLayer("embeddingTables", s.configure(new EmbeddingTables(c.vocabSize(), c.learnedPositions(),
                c.typeVocabSize(), h, c.initializerRange(), c.initializerRange())), INPUT_IDS);
        g.addVertex("embeddings", new EmbeddingLookup(c.vocabSize(), c.learnedPositions(), c.typeVocabSize(), 0.0)
                .withSinusoidalPositions(c.sinusoidalPositions()),
                INPUT_IDS, SEGMENT_IDS, "embeddingTables");
        g.addLayer("embeddingNorm", s.configure(new NormLayer(h, Norm.LAYER, c.layerNormEps(), c.hiddenDropout())),
                "embeddings");
        String last = "embeddingNorm";
        for (int i = 0; i < c.numLayers(); i++) {
            TransformerBlock block = TransformerBlock.bert(h, c.numHeads(), c.intermediateSize(), c.hiddenDropout(),
                    c.attentionDropout(), c.layerNormEps(), c.initializerRange());
            block.setActivation(c.activation());
            block.setGatedFeedForward(c.feedForward() == TransformerConfig.FeedForward.GATED);
            String name = "encoder" + i;
            g.addLayer(name, s.configure(block), last);
            last = name;
        }
        g.addLayer("pooler", s.configure(new ClsPooler(h, c.initializerRange())), last);
        g.addLayer("nspLogits", s.configure(new Projection(h, 2, Activation.IDENTITY, null, c.layerNormEps(),
                c.initializerRange())), "pooler");
        g.addLayer(NSP, s.configure(new SoftmaxCrossEntropy(2, false)), "nspLogits");
        g.addVertex("mlmGather", new GatherPositions(), last, MASKED_LM_POSITIONS);
        g.addLayer("mlmTransform", s.configure(new Projection(h, h, c.activation(), Norm.LAYER, c.layerNormEps(),
                c.initializerRange())), "mlmGather");
        // The tied decoder, its bias and the loss in one output layer (padding predictions skipped); per-example
        // sums, so that accumulated micro-batches add up exactly (weights set by toMultiDataSet).
        g.addVertex(MLM, MultiInputLayerVertex.of(MLM, s.configure(LinearSoftmaxCrossEntropy.tied(c.vocabSize(), true,
                1.0).perExampleSum()), 2, seed, dataType), "mlmTransform", "embeddingTables");
        g.setOutputs(MLM, NSP);
        return g.build();
    }

    /**
     * Features, feature masks, labels and label masks in the graph's input and output order. The MLM loss is the
     * mean over this batch's real predictions.
     */
    public static MultiDataSet toMultiDataSet(BertBatch batch) {
        double real = 0;
        for (float[] row : batch.maskedLmWeights()) {
            for (float w : row) {
                real += w;
            }
        }
        return toMultiDataSet(batch, real == 0 ? 0 : batch.size() / real);
    }

    /**
     * As {@link #toMultiDataSet(BertBatch)}, with each real prediction's weight in the MLM loss given: for one
     * optimizer step accumulated over micro-batches, {@code (total examples) / (total real predictions)} of the
     * whole step makes the summed micro-batch gradients equal the gradient of one large batch.
     */
    public static MultiDataSet toMultiDataSet(BertBatch batch, double predictionWeight) {
        int b = batch.size();
        INDArray ids = floats(batch.inputIds());
        INDArray segments = floats(batch.segmentIds());
        INDArray positions = floats(batch.maskedLmPositions());
        INDArray inputMask = floats(batch.inputMask());
        INDArray mlmIds = floats(batch.maskedLmIds());
        INDArray mlmWeights = Nd4j.createFromArray(batch.maskedLmWeights()).muli(predictionWeight);
        float[][] nsp = new float[b][1];
        for (int i = 0; i < b; i++) {
            nsp[i][0] = batch.nextSentenceLabels()[i];
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[] {ids, segments, positions},
                new INDArray[] {mlmIds, Nd4j.createFromArray(nsp)},
                new INDArray[] {inputMask, null, null},
                new INDArray[] {mlmWeights, null});
    }

    private static INDArray floats(int[][] values) {
        int rows = values.length;
        int cols = rows == 0 ? 0 : values[0].length;
        float[] flat = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                flat[i * cols + j] = values[i][j];
            }
        }
        return Nd4j.create(flat, new long[] {rows, cols}, DataType.FLOAT);
    }

    /** Loss and accuracies on {@code batch} in inference mode (no dropout, no parameter change). */
    public static BertMetrics evaluate(ComputationGraph graph, BertBatch batch) {
        MultiDataSet mds = toMultiDataSet(batch);
        INDArray[] out = graph.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(),
                mds.getLabelsMaskArrays());
        INDArray mlm = out[0];   // [B, P, V]
        INDArray nsp = out[1];   // [B, 2]
        long v = mlm.size(2);
        int b = batch.size();
        int p = batch.maxPredictions();
        INDArray flat = mlm.dup('c').reshape('c', (long) b * p, v);
        int[] argMax = flat.argMax(1).toIntVector();
        double mlmLossSum = 0;
        double weightSum = 0;
        long mlmCorrect = 0;
        long mlmTotal = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < p; j++) {
                float w = batch.maskedLmWeights()[i][j];
                if (w == 0) {
                    continue;
                }
                int row = i * p + j;
                int label = batch.maskedLmIds()[i][j];
                mlmLossSum -= w * Math.log(Math.max(flat.getDouble(row, label), 1e-38));
                weightSum += w;
                mlmTotal++;
                if (argMax[row] == label) {
                    mlmCorrect++;
                }
            }
        }
        double nspLossSum = 0;
        long nspCorrect = 0;
        for (int i = 0; i < b; i++) {
            int label = batch.nextSentenceLabels()[i];
            double pLabel = nsp.getDouble(i, label);
            nspLossSum -= Math.log(Math.max(pLabel, 1e-38));
            if (pLabel > nsp.getDouble(i, 1 - label)) {
                nspCorrect++;
            }
        }
        double mlmLoss = weightSum == 0 ? 0 : mlmLossSum / weightSum;
        double nspLoss = nspLossSum / b;
        return new BertMetrics(mlmLoss + nspLoss, mlmLoss, nspLoss, mlmCorrect, mlmTotal, nspCorrect, b);
    }
}
