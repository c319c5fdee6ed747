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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

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
    void gpt2HasThePublishedParameterCount() {
        var conf = GptModel.configuration(TransformerConfig.preset("gpt2"), new Adam(1e-4), List.of(), 1,
                DataType.FLOAT);
        assertEquals(124_439_808L, ModelSummary.of("gpt2", conf).parameters());
    }

    @Test
    void everyParameterPassesTheGradientCheck() {
        TransformerConfig c = new TransformerConfig(TransformerConfig.Family.GPT, 11, 8, 1, 2, 12, 8, 0, 0.0, 0.0,
                1e-5, 0.5, 4, 0, 0, 0, Activation.GELU_TANH, true);
        GptBatch batch = randomBatch(new Random(3), 11, 2, 5);
        assertTrue(GradientChecks.check(() -> {
            ComputationGraph g = new ComputationGraph(GptModel.configuration(c, new NoOp(), List.of(), 3,
                    DataType.DOUBLE));
            g.init();
            return g;
        }, GptModel.toMultiDataSet(batch)));
    }
}
