package dev.sparkpretrain.model.bench;

import dev.sparkpretrain.model.GraphSetup;
import dev.sparkpretrain.model.layers.EmbeddingTables;
import dev.sparkpretrain.model.layers.LinearSoftmaxCrossEntropy;
import dev.sparkpretrain.model.layers.MultiInputLayerVertex;
import dev.sparkpretrain.model.layers.SoftmaxCrossEntropy;
import dev.sparkpretrain.model.vertices.TiedProjection;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * CPU time of the tied LM head alone: {@code computeGradientAndScore} of a graph holding only the embedding tables and
 * the head, on random hidden states and labels (no mask), FP32. Compares the two-layer head the models used before
 * ({@link TiedProjection} then {@link SoftmaxCrossEntropy}) with {@link LinearSoftmaxCrossEntropy} at the given chunk
 * sizes (0 = automatic), the graphs interleaved in one JVM; prints the median and minimum thread CPU time.
 *
 * <p>Run: {@code OMP_NUM_THREADS=1 java -cp ... dev.sparkpretrain.model.bench.LmHeadBenchmark VOCAB HIDDEN ROWS REPS
 * CHUNKS}, e.g. {@code 8000 128 4096 12 0} (tiny causal) or {@code 30522 256 4096 6 0,256} (mini causal).
 */
public final class LmHeadBenchmark {
    private LmHeadBenchmark() {}

    private static ComputationGraph graph(int vocab, int hidden, Integer chunkRows) {
        GraphSetup s = new GraphSetup(new NoOp(), List.of(), 5, DataType.FLOAT);
        ComputationGraphConfiguration.GraphBuilder g = s.graphBuilder("ids", "hidden");
        g.addLayer("embeddingTables", s.configure(new EmbeddingTables(vocab, 128, 0, hidden, 0.02, 0.02)), "ids");
        if (chunkRows != null) {
            LinearSoftmaxCrossEntropy head = LinearSoftmaxCrossEntropy.tied(vocab, false, 1.0);
            head.setRowsPerChunk(chunkRows);
            g.addVertex("lm", MultiInputLayerVertex.of("lm", s.configure(head), 2, 5, DataType.FLOAT), "hidden",
                    "embeddingTables");
        } else {
            g.addVertex("logits", new TiedProjection(vocab, 1.0), "hidden", "embeddingTables");
            g.addLayer("lm", s.configure(new SoftmaxCrossEntropy(vocab, false)), "logits");
        }
        g.setOutputs("lm");
        return GraphSetup.initialised(g.build());
    }

    public static void main(String[] args) {
        int vocab = Integer.parseInt(args[0]);
        int hidden = Integer.parseInt(args[1]);
        int rows = Integer.parseInt(args[2]);
        int reps = Integer.parseInt(args[3]);
        int[] chunks = Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        INDArray ids = Nd4j.zeros(DataType.FLOAT, 1, rows);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, rows, hidden).subi(0.5);
        INDArray labels = Nd4j.rand(DataType.FLOAT, 1, rows).muli(vocab - 1).castTo(DataType.INT32)
                .castTo(DataType.FLOAT);
        List<String> names = new ArrayList<>(List.of("TiedProjection + SoftmaxCrossEntropy"));
        List<ComputationGraph> graphs = new ArrayList<>(List.of(graph(vocab, hidden, null)));
        for (int c : chunks) {
            names.add("LinearSoftmaxCrossEntropy, chunk " + (c == 0 ? "auto" : String.valueOf(c)));
            graphs.add(graph(vocab, hidden, c));
        }
        double[][] ms = new double[graphs.size()][reps];
        for (int r = -2; r < reps; r++) {
            for (int i = 0; i < graphs.size(); i++) {
                ComputationGraph g = graphs.get(i);
                g.setInputs(ids, x);
                g.setLabels(labels);
                long t0 = mx.getCurrentThreadCpuTime();
                g.computeGradientAndScore();
                long t1 = mx.getCurrentThreadCpuTime();
                if (r >= 0) {
                    ms[i][r] = (t1 - t0) / 1e6;
                }
            }
        }
        for (int i = 0; i < graphs.size(); i++) {
            double[] sorted = ms[i].clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "%s: V %d, H %d, %d rows: median %.1f ms CPU (min %.1f), score %.6f%n",
                    names.get(i), vocab, hidden, rows, sorted[sorted.length / 2], sorted[0], graphs.get(i).score());
        }
    }
}
