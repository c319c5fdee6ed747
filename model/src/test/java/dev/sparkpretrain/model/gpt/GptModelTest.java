package dev.sparkpretrain.model.gpt;

import dev.sparkpretrain.model.GradientChecks;
import dev.sparkpretrain.model.ModelSummary;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.ops.Activation;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptModelTest {
    private static final long SEED = 99;

    static TransformerConfig tiny() {
        return new TransformerConfig(TransformerConfig.Family.GPT, 30, 16, 2, 2, 32, 16, 0, 0.0, 0.0, 1e-5, 0.02, 8,
                0, 0, 0, Activation.GELU_TANH, true);
    }

    static GptBatch randomBatch(Random rng, int vocab, int b, int t) {
        int[][] w = new int[b][t + 1];
        for (int[] row : w) {
            for (int j = 0; j < row.length; j++) row[j] = rng.nextInt(vocab);
        }
        return new GptBatch(w);
    }

    private static INDArray output(ComputationGraph g, GptBatch batch) {
        return g.output(false, GptModel.toMultiDataSet(batch).getFeatures(), null, null)[0];
    }

    @Test
    void outputAtPositionTDoesNotDependOnLaterTokens() {
        ComputationGraph g = GptModel.build(tiny(), OptimizerConfig.constant(1e-3), SEED);
        GptBatch a = randomBatch(new Random(1), 30, 2, 10);
        int[][] changed = new int[2][];
        for (int i = 0; i < 2; i++) {
            changed[i] = a.windows()[i].clone();
            for (int j = 6; j < changed[i].length; j++) changed[i][j] = (changed[i][j] + 7) % 30;
        }
        INDArray oa = output(g, a);
        INDArray ob = output(g, new GptBatch(changed));
        assertArrayEquals(new long[] {2, 10, 30}, oa.shape());
        INDArray upTo = oa.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all());
        INDArray upToB = ob.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all());
        assertTrue(upTo.equalsWithEps(upToB, 1e-6), "outputs before the change moved");
        assertFalse(oa.get(NDArrayIndex.all(), NDArrayIndex.point(6), NDArrayIndex.all())
                .equalsWithEps(ob.get(NDArrayIndex.all(), NDArrayIndex.point(6), NDArrayIndex.all()), 1e-6),
                "output at the changed position should change");
    }

    @Test
    void aFewStepsLowerTheLossAndRoundTripIsExact(@TempDir File dir) throws Exception {
        ComputationGraph g = GptModel.build(tiny(), OptimizerConfig.constant(3e-3), SEED);
        GptBatch batch = randomBatch(new Random(2), 30, 4, 12);
        MultiDataSet mds = GptModel.toMultiDataSet(batch);
        double before = GptModel.evaluate(g, batch).loss();
        assertEquals(Math.log(30), before, 0.3);
        for (int i = 0; i < 20; i++) g.fit(mds);
        double after = GptModel.evaluate(g, batch).loss();
        assertTrue(after < before - 0.5, before + " -> " + after);
        File f = new File(dir, "gpt.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), r.params());
        assertEquals(g.getUpdater().getStateViewArray(), r.getUpdater().getStateViewArray());
        assertEquals(output(g, batch), output(r, batch));
    }

    @Test
    void sinusoidalEmbeddingsAreTheTokenRowPlusTheFixedEncoding() {
        TransformerConfig c = tiny().withPositionEncoding(TransformerConfig.PositionEncoding.SINUSOIDAL);
        ComputationGraph g = GptModel.build(c, OptimizerConfig.constant(1e-3), SEED);
        assertEquals(GptModel.build(tiny(), OptimizerConfig.constant(1e-3), SEED).numParams()
                - (long) c.maxPositions() * c.hiddenSize(), g.numParams(), "no learned position table");
        GptBatch batch = randomBatch(new Random(4), 30, 2, 16);
        INDArray emb = g.feedForward(GptModel.toMultiDataSet(batch).getFeatures(), false).get("embeddings");
        double[][] word = g.getLayer("embeddingTables").getParam("word").toDoubleMatrix();
        int d = c.hiddenSize();
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 16; t++) {
                int id = batch.windows()[b][t];
                for (int j = 0; j < d; j++) {
                    double angle = t / Math.pow(10000.0, (j - j % 2) / (double) d);
                    double pe = j % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
                    assertEquals(word[id][j] + pe, emb.getDouble(b, t, j), 1e-6, "b " + b + ", t " + t + ", j " + j);
                }
            }
        }
        IllegalArgumentException tooLong = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> output(g, randomBatch(new Random(5), 30, 1, 17)));
        assertTrue(tooLong.getMessage().contains("exceeds 16 positions"), tooLong.getMessage());
    }

    @Test
    void sinusoidalModelTrainsAndStaysCausal() {
        TransformerConfig c = tiny().withPositionEncoding(TransformerConfig.PositionEncoding.SINUSOIDAL);
        ComputationGraph g = GptModel.build(c, OptimizerConfig.constant(3e-3), SEED);
        GptBatch batch = randomBatch(new Random(2), 30, 4, 12);
        double before = GptModel.evaluate(g, batch).loss();
        // Slower than with the learned table: the unit-amplitude sinusoids dwarf the N(0, 0.02) token rows at first.
        for (int i = 0; i < 40; i++) g.fit(GptModel.toMultiDataSet(batch));
        double after = GptModel.evaluate(g, batch).loss();
        assertTrue(after < before - 0.5, before + " -> " + after);
        int[][] changed = new int[4][];
        for (int i = 0; i < 4; i++) {
            changed[i] = batch.windows()[i].clone();
            changed[i][9] = (changed[i][9] + 1) % 30;
        }
        INDArray oa = output(g, batch).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 9), NDArrayIndex.all());
        INDArray ob = output(g, new GptBatch(changed)).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 9),
                NDArrayIndex.all());
        assertTrue(oa.equalsWithEps(ob, 1e-6), "outputs before the change moved");
    }

    @Test
    void gpt2HasThePublishedParameterCount() {
        var conf = GptModel.configuration(TransformerConfig.preset("gpt2"), new Adam(1e-4), List.of(), 1,
                DataType.FLOAT);
        assertEquals(124_439_808L, ModelSummary.of("gpt2", conf).parameters());
    }

    @ParameterizedTest
    @EnumSource(value = TransformerConfig.PositionEncoding.class, names = {"LEARNED", "SINUSOIDAL"})
    void everyParameterPassesTheGradientCheck(TransformerConfig.PositionEncoding positions) {
        TransformerConfig c = new TransformerConfig(TransformerConfig.Family.GPT, 11, 8, 1, 2, 12, 8, 0, 0.0, 0.0,
                1e-5, 0.5, 4, 0, 0, 0, Activation.GELU_TANH, true).withPositionEncoding(positions);
        GptBatch batch = randomBatch(new Random(3), 11, 2, 5);
        assertTrue(GradientChecks.check(c, GptModel.toMultiDataSet(batch)));
    }
}
