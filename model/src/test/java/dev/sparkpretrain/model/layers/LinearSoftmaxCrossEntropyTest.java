package dev.sparkpretrain.model.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.ops.Activation;
import dev.sparkpretrain.model.vertices.TiedProjection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The fused head ({@link LinearSoftmaxCrossEntropy}) against the two-layer formulation it replaces ({@link TiedProjection}
 * or an untied {@link Projection}, then {@link SoftmaxCrossEntropy}) on the same parameters and data: scores, accuracy
 * counts and inference outputs equal, gradients equal up to float rounding (the weight and bias gradients are summed
 * chunk by chunk, the row scale is the products' alpha), in FP32 and in DOUBLE, for the heads of the three families
 * (GPT: no mask, mean; BERT: bias, weights with padding, per-example sums; T5: input scale, padding; T5 v1.1: untied)
 * and for chunk sizes that split the rows unevenly. A trainable projection in front of the head turns the head's
 * input gradient into parameter gradients that the comparison sees.
 */
class LinearSoftmaxCrossEntropyTest {
    private static final int B = 3;
    private static final int T = 11;
    private static final int H = 8;
    private static final int V = 37;
    private static final int POSITIONS = 5;

    /** A head variant: bias, per-example sums, input scale, masked (weighted, with padding) predictions. */
    record Head(String family, boolean bias, boolean perExample, double scale, boolean masked, boolean tied) {}

    static Stream<Arguments> cases() {
        List<Head> heads = List.of(new Head("gpt", false, false, 1.0, false, true),
                new Head("bert", true, true, 1.0, true, true),
                new Head("t5", false, true, 1.0 / Math.sqrt(H), true, true),
                new Head("t5 v1.1", false, true, 1.0, true, false));
        return heads.stream().flatMap(h -> Stream.of(DataType.FLOAT, DataType.DOUBLE)
                .flatMap(type -> Stream.of(0, 1, 7).map(chunk -> Arguments.of(h, type, chunk))));
    }

    private static ComputationGraph graph(Head head, DataType type, int chunkRows, boolean fused) {
        GraphSetup s = new GraphSetup(new NoOp(), List.of(), 5, type);
        ComputationGraphConfiguration.GraphBuilder g = head.tied() ? s.graphBuilder("ids", "hidden")
                : s.graphBuilder("hidden");
        if (head.tied()) {
            g.addLayer("embeddingTables", s.configure(new EmbeddingTables(V, POSITIONS, 0, H, 0.5, 0.5)), "ids");
        }
        g.addLayer("proj", s.configure(new Projection(H, H, Activation.IDENTITY, null, 1e-5, 0.5)), "hidden");
        if (fused) {
            LinearSoftmaxCrossEntropy out = head.tied() ? LinearSoftmaxCrossEntropy.tied(V, head.bias(), head.scale())
                    : LinearSoftmaxCrossEntropy.untied(H, V, head.bias(), 0.5);
            out.setPerExampleSum(head.perExample());
            out.setRowsPerChunk(chunkRows);
            if (head.tied()) {
                g.addVertex("out", MultiInputLayerVertex.of("out", s.configure(out), 2, 5, type), "proj",
                        "embeddingTables");
            } else {
                g.addLayer("out", s.configure(out), "proj");
            }
        } else if (!head.tied()) {
            Projection logits = new Projection(H, V, Activation.IDENTITY, null, 1e-5, 0.5);
            logits.setUseBias(false);
            g.addLayer("logits", s.configure(logits), "proj");
            SoftmaxCrossEntropy out = new SoftmaxCrossEntropy(V, head.bias());
            out.setPerExampleSum(head.perExample());
            g.addLayer("out", s.configure(out), "logits");
        } else {
            g.addVertex("logits", new TiedProjection(V, head.scale()), "proj", "embeddingTables");
            SoftmaxCrossEntropy out = new SoftmaxCrossEntropy(V, head.bias());
            out.setPerExampleSum(head.perExample());
            g.addLayer("out", s.configure(out), "logits");
        }
        g.setOutputs("out");
        return GraphSetup.initialised(g.build());
    }

    /** Features, labels and label mask (null without masking), seeded. */
    private static INDArray[] data(Head head, DataType type) {
        Random rng = new Random(17);
        INDArray ids = Nd4j.zeros(DataType.FLOAT, B, T);
        INDArray hidden = Nd4j.rand(type, B, T, H).subi(0.5).muli(4);
        float[] labels = new float[B * T];
        float[] mask = new float[B * T];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(V);
            mask[i] = i % 5 == 3 ? 0f : (float) (i % 2 == 0 ? 0.5 : 2.0);
        }
        INDArray l = Nd4j.create(labels, new long[] {B, T}, DataType.FLOAT);
        INDArray m = head.masked() ? Nd4j.create(mask, new long[] {B, T}, DataType.FLOAT).castTo(type) : null;
        return new INDArray[] {ids, hidden, l, m};
    }

    /** The graph's features: token ids (for the tables) and hidden states, or only the hidden states (untied). */
    private static INDArray[] inputs(Head head, INDArray[] d) {
        return head.tied() ? new INDArray[] {d[0], d[1]} : new INDArray[] {d[1]};
    }

    /** The fused graph's name for the old graph's parameter {@code key}: the untied weight moves into the head. */
    private static String fusedKey(String key) {
        return key.equals("logits_W") ? "out_W" : key;
    }

    private static Map<String, INDArray> gradient(ComputationGraph g, Head head, INDArray[] d, double lossScale) {
        g.setInputs(inputs(head, d));
        g.setLabels(d[2]);
        g.setLayerMaskArrays(null, d[3] == null ? null : new INDArray[] {d[3]});
        ((SoftmaxCrossEntropy.Impl) g.getLayer("out")).setGradientScale(lossScale);
        g.computeGradientAndScore();
        Map<String, INDArray> out = new java.util.TreeMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @Test
    void aBatchWithoutRealPredictionsGivesZeroLossAndGradientsAsBefore() {
        Head head = new Head("bert", true, true, 1.0, true, true);
        ComputationGraph old = graph(head, DataType.FLOAT, 0, false);
        ComputationGraph fused = graph(head, DataType.FLOAT, 0, true);
        INDArray[] d = data(head, DataType.FLOAT);
        d[3].assign(0);
        Map<String, INDArray> gOld = gradient(old, head, d, 1.0);
        Map<String, INDArray> gFused = gradient(fused, head, d, 1.0);
        assertEquals(0.0, fused.score());
        assertEquals(old.score(), fused.score());
        assertArrayEquals(new long[] {0, 0},
                ((SoftmaxCrossEntropy.Impl) fused.getLayer("out")).lastAccuracyCounts());
        for (String k : gOld.keySet()) {
            assertEquals(0.0, gFused.get(k).amaxNumber().doubleValue(), k);
            assertEquals(gOld.get(k), gFused.get(k), k);
        }
    }

    @ParameterizedTest(name = "{0} {1} chunk {2}")
    @MethodSource("cases")
    void fusedHeadEqualsProjectionThenSoftmaxCrossEntropy(Head head, DataType type, int chunkRows) {
        ComputationGraph old = graph(head, type, chunkRows, false);
        ComputationGraph fused = graph(head, type, chunkRows, true);
        assertEquals(old.numParams(), fused.numParams());
        assertEquals(old.paramTable().keySet().stream().map(LinearSoftmaxCrossEntropyTest::fusedKey)
                .collect(java.util.stream.Collectors.toSet()), fused.paramTable().keySet());
        old.paramTable().forEach((k, v) -> assertEquals(v, fused.getParam(fusedKey(k)), "initial " + k));
        if (head.bias()) {
            INDArray bias = Nd4j.rand(type, 1, V).reshape(V).subi(0.5);
            old.getParam("out_bias").assign(bias);
            fused.getParam("out_bias").assign(bias);
        }
        INDArray[] d = data(head, type);
        // Every third label is the model's own prediction, so that the accuracy counts have hits to agree on.
        int[] predicted = old.output(false, inputs(head, d), null, null)[0].reshape(B * T, V)
                .argMax(1).toIntVector();
        for (int i = 0; i < B * T; i += 3) {
            d[2].putScalar(i / T, i % T, predicted[i]);
        }
        double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        for (double lossScale : new double[] {1.0, 8.0}) {
            Map<String, INDArray> gOld = gradient(old, head, d, lossScale);
            Map<String, INDArray> gFused = gradient(fused, head, d, lossScale);
            assertEquals(old.score(), fused.score(), Math.abs(old.score()) * tolerance, "score");
            long[] counts = ((SoftmaxCrossEntropy.Impl) old.getLayer("out")).lastAccuracyCounts();
            assertTrue(counts[0] >= (head.masked() ? 5 : 10), "hits " + counts[0]);
            assertArrayEquals(counts, ((SoftmaxCrossEntropy.Impl) fused.getLayer("out")).lastAccuracyCounts(),
                    "accuracy counts");
            assertEquals(gOld.size(), gFused.size());
            for (String k : gOld.keySet()) {
                INDArray a = gOld.get(k);
                INDArray b = gFused.get(fusedKey(k));
                double scale = Math.max(a.amaxNumber().doubleValue(), 1e-30);
                double diff = a.sub(b).amaxNumber().doubleValue();
                assertTrue(diff <= tolerance * scale, k + ": max difference " + diff + " (max " + scale + ")");
            }
        }
        // Score without a backward pass (gradient checks, graph.score) and inference outputs.
        org.nd4j.linalg.dataset.MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(
                inputs(head, d), new INDArray[] {d[2]}, null,
                d[3] == null ? null : new INDArray[] {d[3]});
        double sOld = old.score(mds);
        assertEquals(sOld, fused.score(mds), Math.abs(sOld) * tolerance, "score without backward");
        INDArray pOld = old.output(false, inputs(head, d), null, null)[0];
        INDArray pFused = fused.output(false, inputs(head, d), null, null)[0];
        assertArrayEquals(pOld.shape(), pFused.shape());
        assertTrue(pOld.equalsWithEps(pFused, tolerance), "probabilities");
        INDArray eOld = old.scoreExamples(mds, false);
        INDArray eFused = fused.scoreExamples(mds, false);
        assertTrue(eOld.equalsWithEps(eFused, tolerance * Math.max(1, eOld.amaxNumber().doubleValue())),
                "per-example scores " + eOld + " vs " + eFused);
    }
}
