package dev.sparkpretrain.model.bert;

import dev.sparkpretrain.model.ModelSummary;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.File;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BertModelTest {
    private static final long SEED = 12345;

    private static ComputationGraph tinyGraph(double lr) {
        return BertModel.build(BertFixtures.tiny(), OptimizerConfig.constant(lr), SEED);
    }

    /** One optimizer step the way the parameter-averaging trainer takes it. */
    static double step(ComputationGraph graph, MultiDataSet mds) {
        graph.setInputs(mds.getFeatures());
        graph.setLabels(mds.getLabels());
        graph.setLayerMaskArrays(mds.getFeaturesMaskArrays(), mds.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        double score = graph.score();
        Gradient g = graph.gradient();
        int batch = (int) mds.getFeatures(0).size(0);
        graph.getUpdater().update(g, graph.getIterationCount(), graph.getEpochCount(), batch,
                LayerWorkspaceMgr.noWorkspaces());
        graph.params().subi(g.gradient());
        graph.getConfiguration().setIterationCount(graph.getIterationCount() + 1);
        graph.clearLayerMaskArrays();
        return score;
    }

    @Test
    void outputsHaveTheDocumentedShapes() {
        ComputationGraph graph = tinyGraph(1e-3);
        BertBatch batch = BertFixtures.randomBatch(new Random(1), 40, 3, 12, 4);
        MultiDataSet mds = BertModel.toMultiDataSet(batch);
        INDArray[] out = graph.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(), mds.getLabelsMaskArrays());
        assertArrayEquals(new long[] {3, 4, 40}, out[0].shape());
        assertArrayEquals(new long[] {3, 2}, out[1].shape());
        assertEquals(3 * 4, out[0].sumNumber().doubleValue(), 1e-4, "MLM probabilities sum to 1 per slot");
        BertMetrics m = BertModel.evaluate(graph, batch);
        assertEquals(9, m.mlmTotal());
        assertEquals(3, m.nspTotal());
        // Near-uniform predictions at initialisation.
        assertEquals(Math.log(40), m.mlmLoss(), 0.5);
        assertEquals(Math.log(2), m.nspLoss(), 0.2);
    }

    @Test
    void aFewStepsLowerTheLoss() {
        ComputationGraph graph = tinyGraph(3e-3);
        BertBatch batch = BertFixtures.randomBatch(new Random(2), 40, 4, 12, 4);
        MultiDataSet mds = BertModel.toMultiDataSet(batch);
        double before = BertModel.evaluate(graph, batch).loss();
        double firstScore = step(graph, mds);
        assertEquals(before, firstScore, 1e-3, "training score equals evaluate() loss without dropout or decay");
        for (int i = 0; i < 24; i++) {
            step(graph, mds);
        }
        double after = BertModel.evaluate(graph, batch).loss();
        assertTrue(after < before - 0.5, "loss " + before + " -> " + after);
    }

    @Test
    void paddingDoesNotChangeOutputsAtRealPositions() {
        ComputationGraph graph = tinyGraph(1e-3);
        BertBatch batch = BertFixtures.randomBatch(new Random(3), 40, 3, 10, 4);
        BertBatch longer = BertFixtures.padTo(batch, 16, 7);
        BertBatch otherPad = BertFixtures.padTo(batch, 10, 11);
        INDArray[] a = output(graph, batch);
        INDArray[] b = output(graph, longer);
        INDArray[] c = output(graph, otherPad);
        assertTrue(a[0].equalsWithEps(b[0], 1e-5), "MLM output changed with longer padding");
        assertTrue(a[1].equalsWithEps(b[1], 1e-5), "NSP output changed with longer padding");
        assertTrue(a[0].equalsWithEps(c[0], 1e-5), "MLM output changed with other pad ids");
        assertTrue(a[1].equalsWithEps(c[1], 1e-5), "NSP output changed with other pad ids");
    }

    private static INDArray[] output(ComputationGraph graph, BertBatch batch) {
        MultiDataSet mds = BertModel.toMultiDataSet(batch);
        return graph.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(), mds.getLabelsMaskArrays());
    }

    @Test
    void saveAndRestoreGiveIdenticalParametersOutputsAndUpdaterState(@TempDir File dir) throws Exception {
        ComputationGraph graph = BertModel.build(BertFixtures.tiny(),
                new OptimizerConfig(1e-3, 0.9, 0.999, 1e-6, 0.01, 2, 10, OptimizerConfig.Decay.LINEAR), SEED);
        BertBatch batch = BertFixtures.randomBatch(new Random(4), 40, 2, 12, 3);
        MultiDataSet mds = BertModel.toMultiDataSet(batch);
        for (int i = 0; i < 3; i++) {
            step(graph, mds);
        }
        File file = new File(dir, "bert.zip");
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(graph.params(), restored.params());
        assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(graph.getIterationCount(), restored.getIterationCount());
        assertEquals(output(graph, batch)[0], output(restored, batch)[0]);
        step(graph, mds);
        step(restored, mds);
        assertEquals(graph.params(), restored.params(), "one more step after restore diverged");
    }

    @Test
    void configurationSurvivesJsonAndJavaSerialization() {
        ComputationGraph graph = BertModel.build(BertFixtures.tiny(),
                new OptimizerConfig(1e-3, 0.9, 0.98, 1e-6, 0.01, 5, 50, OptimizerConfig.Decay.COSINE), SEED);
        ComputationGraphConfiguration conf = graph.getConfiguration();
        BertBatch batch = BertFixtures.randomBatch(new Random(5), 40, 2, 12, 3);
        INDArray expected = output(graph, batch)[0];
        for (ComputationGraphConfiguration copy : List.of(ComputationGraphConfiguration.fromJson(conf.toJson()),
                SerializationUtils.clone(conf))) {
            assertEquals(conf.toJson(), copy.toJson());
            ComputationGraph rebuilt = new ComputationGraph(copy);
            rebuilt.init(graph.params().dup(), false);
            assertEquals(expected, output(rebuilt, batch)[0]);
            var layer = (dev.sparkpretrain.model.layers.TransformerBlock)
                    rebuilt.getLayer("encoder1").conf().getLayer();
            assertEquals(16, layer.getHiddenSize());
            Adam adam = assertInstanceOf(Adam.class, layer.getIUpdater());
            assertEquals(0.98, adam.getBeta2());
            assertEquals(1e-3 * 3 / 5, adam.getLearningRate(3, 0), 1e-12);
            assertInstanceOf(WeightDecay.class, layer.getRegularizationByParam("Wqkv").get(0));
            assertTrue(layer.getRegularizationByParam("bqkv").isEmpty());
            assertTrue(layer.getRegularizationByParam("ln1g").isEmpty());
        }
    }

    @Test
    void bertBaseHasThePublishedParameterCount() {
        TransformerConfig base = TransformerConfig.preset("bert-base");
        ComputationGraphConfiguration conf = BertModel.configuration(base, new Adam(1e-4), List.of(), 1, DataType.FLOAT);
        ModelSummary summary = ModelSummary.of("bert-base", conf);
        assertEquals(110_106_428L, summary.parameters());
        long heads = summary.entries().stream()
                .filter(e -> e.name().startsWith("mlm") || e.name().startsWith("nsp"))
                .mapToLong(ModelSummary.Entry::parameters).sum();
        assertEquals(109_482_240L, summary.parameters() - heads);
        ComputationGraphConfiguration sinusoidal = BertModel.configuration(
                base.withPositionEncoding(TransformerConfig.PositionEncoding.SINUSOIDAL), new Adam(1e-4), List.of(), 1,
                DataType.FLOAT);
        assertEquals(110_106_428L - 512L * 768, ModelSummary.of("bert-base", sinusoidal).parameters(),
                "the 512 x 768 position table is gone");
    }

    @Test
    void tinyGraphCountsMatchTheBuiltGraph() {
        ComputationGraph graph = tinyGraph(1e-3);
        assertEquals(graph.params().length(), ModelSummary.of("t", graph.getConfiguration()).parameters());
        assertEquals(graph.params().length(), graph.numParams());
    }
}
