package dev.sparkpretrain.model.t5;

import dev.sparkpretrain.model.GradientChecks;
import dev.sparkpretrain.model.ModelSummary;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.layers.RelativePositionBias;
import dev.sparkpretrain.model.ops.Activation;
import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

class T5ModelTest {
    private static final long SEED = 7;

    static TransformerConfig tiny(int vocab, int hidden, int layers, int heads, int headSize, int ff) {
        return new TransformerConfig(TransformerConfig.Family.T5, vocab, hidden, layers, heads, ff, 64, 0, 0.0, 0.0,
                1e-6, 1.0, headSize, layers, 8, 16, Activation.RELU, true);
    }

    /** As {@link #tiny} but T5 v1.1: gated tanh-GELU feed-forward, untied LM head. */
    static TransformerConfig v11(int vocab, int hidden, int layers, int heads, int headSize, int ff) {
        return new TransformerConfig(TransformerConfig.Family.T5, vocab, hidden, layers, heads, ff, 64, 0, 0.0, 0.0,
                1e-6, 1.0, headSize, layers, 8, 16, Activation.GELU_TANH, false,
                TransformerConfig.PositionEncoding.RELATIVE, TransformerConfig.FeedForward.GATED);
    }

    static T5Batch randomBatch(Random rng, int vocab, int b, int s, int t) {
        int[][] in = new int[b][s];
        int[][] inMask = new int[b][s];
        int[][] out = new int[b][t];
        int[][] outMask = new int[b][t];
        for (int i = 0; i < b; i++) {
            int sl = s / 2 + rng.nextInt(s - s / 2 + 1);
            int tl = t / 2 + rng.nextInt(t - t / 2 + 1);
            for (int j = 0; j < sl; j++) {
                in[i][j] = 2 + rng.nextInt(vocab - 2);
                inMask[i][j] = 1;
            }
            for (int j = 0; j < tl; j++) {
                out[i][j] = 2 + rng.nextInt(vocab - 2);
                outMask[i][j] = 1;
            }
        }
        return new T5Batch(in, inMask, out, outMask);
    }

    private static INDArray output(ComputationGraph g, T5Batch batch) {
        MultiDataSet mds = T5Model.toMultiDataSet(batch);
        return g.output(false, mds.getFeatures(), mds.getFeaturesMaskArrays(), mds.getLabelsMaskArrays())[0];
    }

    @Test
    void t5SmallHasThePublishedParameterCount() {
        TransformerConfig small = TransformerConfig.preset("t5-small");
        var conf = T5Model.configuration(small, new Adam(1e-4), List.of(), 1, DataType.FLOAT);
        assertEquals(60_506_624L, ModelSummary.of("t5-small", conf).parameters());
        var untied = T5Model.configuration(small.withTieWordEmbeddings(false), new Adam(1e-4), List.of(), 1,
                DataType.FLOAT);
        assertEquals(60_506_624L + 32128L * 512, ModelSummary.of("t5-small-untied", untied).parameters());
    }

    /**
     * Parameters of a T5 v1.1 model by hand: shared embedding and untied LM head (2 V d); per encoder layer Q, K, V,
     * O ({@code 4 d h d_kv}), gated FFN wi_0, wi_1, wo ({@code 3 d f}) and two RMS gains; per decoder layer one more
     * attention and gain; one bias table (32 buckets x heads) and one final gain per stack.
     */
    static long t5v11Parameters(long v, long d, long layers, long heads, long dkv, long f) {
        long attention = 4 * d * heads * dkv;
        long ffn = 3 * d * f;
        long encoderLayer = attention + ffn + 2 * d;
        long decoderLayer = 2 * attention + ffn + 3 * d;
        return 2 * v * d + layers * (encoderLayer + decoderLayer) + 2 * (32 * heads + d);
    }

    @Test
    void t5V11PresetsHaveThePublishedParameterCounts() {
        // google/t5-v1_1-small and -base as Hugging Face counts them (num_parameters()).
        assertEquals(76_961_152L, t5v11Parameters(32128, 512, 8, 6, 64, 1024));
        assertEquals(247_577_856L, t5v11Parameters(32128, 768, 12, 12, 64, 2048));
        assertEquals(76_961_152L, ModelSummary.ofPreset("t5-v1_1-small").parameters());
        assertEquals(247_577_856L, ModelSummary.ofPreset("t5-v1_1-base").parameters());
        TransformerConfig small = TransformerConfig.preset("t5-v1_1-small");
        assertEquals(TransformerConfig.FeedForward.GATED, small.feedForward());
        assertEquals(Activation.GELU_TANH, small.activation());
        assertFalse(small.tieWordEmbeddings());
    }

    @Test
    void gatedFeedForwardComputesGeluOfWi0TimesWi1ThenWo() {
        TransformerConfig c = v11(30, 16, 1, 2, 8, 24);
        ComputationGraph g = T5Model.build(c, OptimizerConfig.constant(1e-3), SEED);
        // With the attention output projection zeroed the block is x + ffn(rms(x)): only the FFN is left to compare.
        g.getLayer("encoder0").getParam("Wo").assign(0);
        T5Batch batch = randomBatch(new Random(5), 30, 2, 6, 4);
        MultiDataSet mds = T5Model.toMultiDataSet(batch);
        var acts = g.feedForward(mds.getFeatures(), false);
        double[][] x = acts.get("encoderEmbeddings").reshape(12, 16).toDoubleMatrix();
        double[][] y = acts.get("encoder0").reshape(12, 16).toDoubleMatrix();
        double[][] wi0 = g.getLayer("encoder0").getParam("W1").toDoubleMatrix();
        double[][] wi1 = g.getLayer("encoder0").getParam("W1linear").toDoubleMatrix();
        double[][] wo = g.getLayer("encoder0").getParam("W2").toDoubleMatrix();
        for (int r = 0; r < 12; r++) {
            double ms = 0;
            for (double v : x[r]) ms += v * v / 16;
            double[] n = new double[16];
            for (int j = 0; j < 16; j++) n[j] = x[r][j] / Math.sqrt(ms + 1e-6);   // RMS gains start at 1
            double[] hidden = new double[24];
            for (int k = 0; k < 24; k++) {
                double a = 0;
                double b = 0;
                for (int j = 0; j < 16; j++) {
                    a += n[j] * wi0[j][k];
                    b += n[j] * wi1[j][k];
                }
                // Hugging Face's gelu_new
                double gelu = 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
                hidden[k] = gelu * b;
            }
            for (int j = 0; j < 16; j++) {
                double out = x[r][j];
                for (int k = 0; k < 24; k++) out += hidden[k] * wo[k][j];
                assertEquals(out, y[r][j], 1e-5, "row " + r + ", column " + j);
            }
        }
    }

    @Test
    void t5V11TrainsAndPassesTheGradientCheck() {
        ComputationGraph g = T5Model.build(v11(30, 16, 2, 2, 8, 32), OptimizerConfig.constant(3e-3), SEED);
        T5Batch batch = randomBatch(new Random(2), 30, 4, 10, 8);
        double before = T5Model.evaluate(g, batch).loss();
        for (int i = 0; i < 25; i++) g.fit(T5Model.toMultiDataSet(batch));
        double after = T5Model.evaluate(g, batch).loss();
        assertTrue(after < before - 0.5, before + " -> " + after);

        TransformerConfig c = v11(9, 8, 1, 2, 4, 12);
        T5Batch small = randomBatch(new Random(3), 9, 2, 5, 4);
        assertTrue(GradientChecks.check(c, T5Model.toMultiDataSet(small), 5));
    }

    @Test
    void bucketsMatchHuggingFace() {
        // Values of transformers' T5Attention._relative_position_bucket(rel, bidirectional, 32, 128), computed
        // with its float32 formula.
        int[] rel = {0, 1, -1, 7, -7, 8, -8, 12, -12, 20, -20, 50, -50, 127, -128, -500, 500};
        int[] bi = {0, 17, 1, 23, 7, 24, 8, 25, 9, 26, 10, 29, 13, 31, 15, 15, 31};
        int[] causal = {0, 0, 1, 0, 7, 0, 8, 0, 12, 0, 17, 0, 24, 0, 31, 31, 0};
        for (int i = 0; i < rel.length; i++) {
            assertEquals(bi[i], RelativePositionBias.bucket(rel[i], true, 32, 128), "bidirectional " + rel[i]);
            assertEquals(causal[i], RelativePositionBias.bucket(rel[i], false, 32, 128), "causal " + rel[i]);
        }
    }

    @Test
    void decoderOutputsDependOnlyOnEarlierTargetsAndPaddingIsInert() {
        ComputationGraph g = T5Model.build(tiny(30, 16, 2, 2, 8, 32), OptimizerConfig.constant(1e-3), SEED);
        T5Batch a = randomBatch(new Random(1), 30, 2, 9, 8);
        for (int[] m : a.targetMask()) java.util.Arrays.fill(m, 1);
        int[][] targets = new int[2][];
        int[][] inputs = new int[2][];
        for (int i = 0; i < 2; i++) {
            targets[i] = a.targetIds()[i].clone();
            for (int j = 4; j < 8; j++) targets[i][j] = 2 + (targets[i][j] + 5) % 28;   // change targets 4..7
            inputs[i] = a.inputIds()[i].clone();
            for (int j = 0; j < 9; j++) if (a.inputMask()[i][j] == 0) inputs[i][j] = 17;  // other padding ids
        }
        INDArray oa = output(g, a);
        INDArray ob = output(g, new T5Batch(inputs, a.inputMask(), targets, a.targetMask()));
        assertArrayEquals(new long[] {2, 8, 30}, oa.shape());
        // Decoder position j reads targets[j-1]: positions 0..4 see only targets 0..3.
        assertTrue(oa.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 5), NDArrayIndex.all())
                .equalsWithEps(ob.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 5), NDArrayIndex.all()), 1e-6));
        assertFalse(oa.get(NDArrayIndex.all(), NDArrayIndex.point(5), NDArrayIndex.all())
                .equalsWithEps(ob.get(NDArrayIndex.all(), NDArrayIndex.point(5), NDArrayIndex.all()), 1e-6));
    }

    @Test
    void trainsAndSurvivesSerialization(@TempDir File dir) throws Exception {
        ComputationGraph g = T5Model.build(tiny(30, 16, 2, 2, 8, 32), OptimizerConfig.constant(3e-3), SEED);
        T5Batch batch = randomBatch(new Random(2), 30, 4, 10, 8);
        MultiDataSet mds = T5Model.toMultiDataSet(batch);
        double before = T5Model.evaluate(g, batch).loss();
        for (int i = 0; i < 25; i++) g.fit(mds);
        double after = T5Model.evaluate(g, batch).loss();
        assertTrue(after < before - 0.5, before + " -> " + after);
        assertEquals(g.params().length(), g.numParams(), "multi-input blocks are counted as layers");

        File f = new File(dir, "t5.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), r.params());
        assertEquals(g.getUpdater().getStateViewArray(), r.getUpdater().getStateViewArray());
        assertEquals(output(g, batch), output(r, batch));

        ComputationGraphConfiguration conf = g.getConfiguration();
        for (ComputationGraphConfiguration copy : List.of(ComputationGraphConfiguration.fromJson(conf.toJson()),
                SerializationUtils.clone(conf))) {
            ComputationGraph rebuilt = new ComputationGraph(copy);
            rebuilt.init(g.params().dup(), false);
            assertEquals(output(g, batch), output(rebuilt, batch));
        }
    }

    @Test
    void everyParameterPassesTheGradientCheck() {
        TransformerConfig c = tiny(9, 8, 1, 2, 4, 12);
        T5Batch batch = randomBatch(new Random(3), 9, 2, 5, 4);
        assertTrue(GradientChecks.check(c, T5Model.toMultiDataSet(batch), 5));
    }
}
