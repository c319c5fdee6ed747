package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Layout;
import dev.sparkpretrain.model.ops.Softmax;
import dev.sparkpretrain.model.vertices.IndexRows;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A language-model head and its loss in one output layer (the "fused linear cross-entropy" of Liger-Kernel, or
 * Megatron's chunked loss): logits {@code [.., V] = (inputScale x) W (+ bias)}, then the loss of
 * {@link SoftmaxCrossEntropy} (same labels, weights, score and gradient normalisation, same accuracy counts). The
 * weight is either
 * <ul>
 *   <li><em>tied</em> ({@link #tied}): {@code W = word^T}, {@code word} being the first {@code numClasses} rows of the
 *   {@link EmbeddingTables}; inputs, through {@link MultiInputLayerVertex}, the hidden states {@code [B, P, H]} and
 *   the tables {@code [rows, H]}. Example: {@code g.addVertex("lm", MultiInputLayerVertex.of("lm",
 *   LinearSoftmaxCrossEntropy.tied(V, false, 1.0), 2, seed, type), "finalNorm", "embeddingTables")}; or</li>
 *   <li><em>untied</em> ({@link #untied}): the layer's own parameter {@code W [H, V]} (T5 v1.1), one input.</li>
 * </ul>
 *
 * <p>Why: a projection layer followed by {@code SoftmaxCrossEntropy} materialises the logits, the probabilities and
 * their gradient, {@code [B*P, V]} each (a causal step of 32 x 128 positions over 30,522 words: 500 MB each), and
 * passes over them several times. Here backward takes the <em>scored</em> rows (non-zero weight; masked rows give
 * zero gradients and are skipped) {@code rowsPerChunk} at a time: the chunk's logits by one GEMM into a reused buffer,
 * softmax, argmax, loss and gradient on that buffer, then {@code dx rows = g W^T} and {@code dW += x^T g} by GEMM, the
 * latter accumulating straight into the tables' epsilon or the weight's gradient view. Per row the arithmetic is that
 * of the two-layer graph; the weight and bias gradients are summed chunk by chunk, and the gradient's row scale is
 * applied by the GEMMs, so they differ from it by float rounding.
 *
 * <p>The activations (inference, {@code graph.output}) are the probabilities {@code [.., V]}, as before.
 */
public class LinearSoftmaxCrossEntropy extends SoftmaxCrossEntropy {
    /**
     * Automatic chunk: {@value #MAX_CHUNK_ROWS} rows, fewer for vocabularies over 32k (at most {@code 2^24} logits,
     * 64 MiB in FP32), never under {@value #MIN_CHUNK_ROWS}. Not L2-sized on purpose: on the benchmark machine (one
     * thread, 2 MiB L2, 260 MiB L3) the softmax and argmax passes cost the same per element at 256 rows as at 4,096,
     * while the three products lost 5-15% below 512 rows (docs/BENCHMARKS.md, "LM head and loss in one layer").
     */
    static final long CHUNK_ELEMENTS = 1L << 24;
    static final int MIN_CHUNK_ROWS = 64;
    static final int MAX_CHUNK_ROWS = 512;

    private boolean tied = true;
    private int hiddenSize;
    private double initStd;
    private double inputScale = 1.0;
    private int rowsPerChunk;

    public LinearSoftmaxCrossEntropy() {
    }

    /**
     * The head tied to the embedding tables (its second input).
     *
     * @param vocabSize classes = the first {@code vocabSize} rows of the tables
     * @param hasBias a per-class output bias (BERT's MLM)
     * @param inputScale multiplies the hidden states before the projection (T5 v1.0: {@code 1/sqrt(H)})
     */
    public static LinearSoftmaxCrossEntropy tied(int vocabSize, boolean hasBias, double inputScale) {
        LinearSoftmaxCrossEntropy l = new LinearSoftmaxCrossEntropy();
        l.setNumClasses(vocabSize);
        l.setHasBias(hasBias);
        l.inputScale = inputScale;
        return l;
    }

    /**
     * The head with its own weight {@code W [hiddenSize, vocabSize]}, initialised N(0, initStd^2) (parameter
     * {@code W}, then {@code bias} if any: the layout of a {@link Projection} without norm).
     */
    public static LinearSoftmaxCrossEntropy untied(int hiddenSize, int vocabSize, boolean hasBias, double initStd) {
        LinearSoftmaxCrossEntropy l = new LinearSoftmaxCrossEntropy();
        l.setNumClasses(vocabSize);
        l.setHasBias(hasBias);
        l.tied = false;
        l.hiddenSize = hiddenSize;
        l.initStd = initStd;
        return l;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        if (tied) {
            return super.paramSpecs();
        }
        List<ParamSpec> p = new ArrayList<>();
        p.add(ParamSpec.weight("W", initStd, hiddenSize, getNumClasses()));
        p.addAll(super.paramSpecs());
        return p;
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    @Override
    public LinearSoftmaxCrossEntropy perExampleSum() {
        super.perExampleSum();
        return this;
    }

    public boolean isTied() { return tied; }
    public void setTied(boolean tied) { this.tied = tied; }
    /** Untied only: the hidden size (rows of {@code W}). */
    public int getHiddenSize() { return hiddenSize; }
    public void setHiddenSize(int hiddenSize) { this.hiddenSize = hiddenSize; }
    /** Untied only: the standard deviation of {@code W}'s initialisation. */
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }
    public double getInputScale() { return inputScale; }
    public void setInputScale(double inputScale) { this.inputScale = inputScale; }
    /** Rows per chunk in backward; 0 (the default) chooses from the vocabulary size. */
    public int getRowsPerChunk() { return rowsPerChunk; }
    public void setRowsPerChunk(int rowsPerChunk) { this.rowsPerChunk = rowsPerChunk; }

    /** The rows per chunk used for {@code vocab} classes. */
    int chunkRows(long vocab) {
        if (rowsPerChunk > 0) {
            return rowsPerChunk;
        }
        return (int) Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, CHUNK_ELEMENTS / vocab));
    }

    /**
     * The projection's weight as stored: {@code [V, H]} rows of the tables ({@code classesFirst}) or {@code [H, V]};
     * the three products of the head in either orientation.
     */
    private record Weight(INDArray w, boolean classesFirst) {
        /** {@code z = x W}. */
        void logits(INDArray x, INDArray z) {
            Nd4j.gemm(x, w, z, false, classesFirst, 1.0, 0.0);
        }

        /** {@code dx = alpha g W^T}. */
        void inputGradient(INDArray g, INDArray dx, double alpha) {
            Nd4j.gemm(g, w, dx, false, !classesFirst, alpha, 0.0);
        }

        /** {@code dW = alpha x^T g + beta dW}, in the weight's orientation. */
        void weightGradient(INDArray x, INDArray g, INDArray dw, double alpha, double beta) {
            if (classesFirst) {
                Nd4j.gemm(g, x, dw, true, false, alpha, beta);
            } else {
                Nd4j.gemm(x, g, dw, true, false, alpha, beta);
            }
        }
    }

    /** Runtime layer. */
    public static final class Impl extends SoftmaxCrossEntropy.Impl {
        /** Tied: input 1, the embedding tables, as the vertex set it (the score may be asked for on its own). */
        private INDArray tables;
        /** The chunk's logits, then probabilities, then gradient: reused across chunks and steps, outside workspaces. */
        private INDArray chunkBuffer;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private LinearSoftmaxCrossEntropy head() {
            return (LinearSoftmaxCrossEntropy) layerConf();
        }

        @Override
        protected void vertexInputSet(int index, INDArray vertexInput) {
            if (index == 1) {
                tables = vertexInput;
            }
        }

        /** The first {@code numClasses} rows of {@code table}. */
        private INDArray words(INDArray table) {
            return table.get(NDArrayIndex.interval(0, head().getNumClasses()), NDArrayIndex.all());
        }

        /** The weight: the tables' word rows (tied) or the parameter. */
        private Weight weight(INDArray table) {
            if (!head().isTied()) {
                return new Weight(param("W"), false);
            }
            if (table == null) {
                throw new IllegalStateException("embedding tables not set on " + head().getLayerName()
                        + ": a tied head goes into the graph through MultiInputLayerVertex");
            }
            return new Weight(words(table), true);
        }

        /** Inference: the probabilities {@code [.., V]} of all rows. */
        @Override
        protected INDArray forward(INDArray x, boolean training) {
            long[] shape = x.shape();
            long h = shape[shape.length - 1];
            INDArray rows = Layout.rows(x, h);
            INDArray z = Nd4j.createUninitialized(x.dataType(), new long[] {rows.size(0), head().getNumClasses()}, 'c');
            weight(tables).logits(scaled(rows), z);
            Softmax.rows(z, bias(), z);
            long[] outShape = shape.clone();
            outShape[outShape.length - 1] = head().getNumClasses();
            return z.reshape('c', outShape);
        }

        @Override
        protected INDArray forward(INDArray[] in, boolean training) {
            if (in.length > 1) {
                tables = in[1];
            }
            return forward(in[0], training);
        }

        /** {@code inputScale x}, a new array when the scale is not 1. */
        private INDArray scaled(INDArray x) {
            double s = head().getInputScale();
            return s == 1.0 ? x : x.mul(s);
        }

        /** The output bias, or null. */
        private INDArray bias() {
            return head().isHasBias() ? param("bias") : null;
        }

        /** Untied: one input; the weight's gradient goes into its view. */
        @Override
        protected INDArray backward(INDArray ignored) {
            if (head().isTied()) {
                throw new IllegalStateException(head().getLayerName() + " is tied: it needs the embedding tables "
                        + "as its second input (MultiInputLayerVertex)");
            }
            long[] shape = input.shape();
            INDArray x = Layout.rows(input, shape[shape.length - 1]);
            Targets t = targets(x.size(0));
            INDArray dx = inputGradient(x, t);
            remember(score(pass(x, weight(null), t, new Gradients(dx, grad("W")), null), t));
            return dx.reshape('c', shape);
        }

        /** Tied: the epsilons of the hidden states and of the tables (the word rows' gradient, zeros below them). */
        @Override
        protected INDArray[] backward(INDArray[] in, INDArray ignored) {
            if (!head().isTied()) {
                return new INDArray[] {backward(ignored)};
            }
            tables = in[1];
            long[] shape = in[0].shape();
            INDArray x = Layout.rows(in[0], shape[shape.length - 1]);
            Targets t = targets(x.size(0));
            INDArray dx = inputGradient(x, t);
            INDArray dTables = Nd4j.createUninitialized(in[1].dataType(), in[1].shape(), 'c');
            long v = head().getNumClasses();
            if (dTables.size(0) > v) {
                dTables.get(NDArrayIndex.interval(v, dTables.size(0)), NDArrayIndex.all()).assign(0);
            }
            remember(score(pass(x, weight(in[1]), t, new Gradients(dx, words(dTables)), null), t));
            return new INDArray[] {dx.reshape('c', shape), dTables};
        }

        /** The input gradient's array: every row is written when every row is scored, else zeros for the others. */
        private static INDArray inputGradient(INDArray x, Targets t) {
            return t.scored().length == x.size(0)
                    ? Nd4j.createUninitialized(x.dataType(), x.shape(), 'c')
                    : Nd4j.zeros(x.dataType(), x.shape());
        }

        @Override
        protected double computeScore() {
            INDArray x = Layout.rows(input, input.size(input.rank() - 1));
            Targets t = targets(x.size(0));
            return score(pass(x, weight(tables), t, null, null), t);
        }

        @Override
        public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
            INDArray x = Layout.rows(input, input.size(input.rank() - 1));
            Targets t = targets(x.size(0));
            double[] perExample = new double[(int) input.size(0)];
            pass(x, weight(tables), t, null, perExample);
            INDArray r = Nd4j.create(perExample, new long[] {perExample.length, 1}, x.dataType()).addi(fullNetRegTerm);
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, r);
        }

        /** Where backward writes: the input gradient {@code [n, H]} and the weight's gradient (its orientation). */
        private record Gradients(INDArray dx, INDArray dWeight) {}

        /**
         * One pass over the scored rows of {@code x [n, H]}, chunk by chunk. Returns {@code sum(w * CE)} over them;
         * with {@code gradients}, writes the gradients (see the class comment), the bias gradient and the accuracy
         * counts; with {@code perExample}, adds each row's {@code w * CE} to its example's entry.
         */
        private double pass(INDArray x, Weight weight, Targets t, Gradients gradients, double[] perExample) {
            long v = head().getNumClasses();
            int[] scored = t.scored();
            int m = scored.length;
            boolean allRows = m == x.size(0);
            long rowsPerExample = x.size(0) / input.size(0);
            double scale = head().getInputScale();
            double factor = gradients == null ? 0 : gradientFactor(t);
            INDArray biasGrad = gradients != null && head().isHasBias()
                    ? Nd4j.zeros(x.dataType(), 1, v) : null;
            if (gradients != null && m == 0) {
                gradients.dWeight().assign(0);
            }
            int chunk = head().chunkRows(v);
            INDArray buffer = buffer(x.dataType(), Math.min(chunk, m), v);
            double loss = 0;
            long correct = 0;
            for (int start = 0; start < m; start += chunk) {
                int r = Math.min(chunk, m - start);
                int[] rows = allRows ? null : Arrays.copyOfRange(scored, start, start + r);
                INDArray xc = allRows ? x.get(NDArrayIndex.interval(start, start + r), NDArrayIndex.all())
                        : IndexRows.gather(x, rows);
                if (scale != 1.0) {
                    xc = xc.mul(scale);
                }
                INDArray z = r == buffer.size(0) ? buffer
                        : buffer.get(NDArrayIndex.interval(0, r), NDArrayIndex.all());
                weight.logits(xc, z);
                // + bias, softmax and (training) the argmax, in place
                int[] argMax = null;
                if (gradients == null) {
                    Softmax.rows(z, bias(), z);
                } else {
                    argMax = Softmax.rowsWithArgMax(z, bias(), z);
                }
                LabelProbabilities p = new LabelProbabilities(z);
                boolean uniform = true;
                double[] rowScale = gradients == null ? null : new double[r];
                for (int i = 0; i < r; i++) {
                    int row = scored[start + i];
                    int label = t.labels()[row];
                    long idx = (long) i * v + label;
                    double pl = p.get(idx);
                    double ce = t.weight(row) * Math.log(Math.max(pl, 1e-38));
                    loss -= ce;
                    if (perExample != null) {
                        perExample[(int) (row / rowsPerExample)] -= ce;
                    }
                    if (gradients != null) {
                        correct += argMax[i] == label ? 1 : 0;
                        p.put(idx, pl - 1.0);
                        rowScale[i] = t.weight(row) * factor;
                        uniform &= rowScale[i] == rowScale[0];
                    }
                }
                if (gradients == null) {
                    continue;
                }
                // g = rowScale * lossScale * (softmax - onehot). With one scale for all rows (every head here: the
                // weights are uniform) it is the products' alpha instead of a pass over the chunk.
                double alpha = gradientScale();
                if (uniform) {
                    alpha *= rowScale[0];
                } else {
                    z.muliColumnVector(Nd4j.create(rowScale, new long[] {r, 1}, z.dataType()));
                }
                if (biasGrad != null) {
                    Nd4j.gemm(Nd4j.ones(z.dataType(), 1, r), z, biasGrad, false, false, alpha, 1.0);
                }
                INDArray dxc = allRows
                        ? gradients.dx().get(NDArrayIndex.interval(start, start + r), NDArrayIndex.all())
                        : Nd4j.createUninitialized(x.dataType(), new long[] {r, x.size(1)}, 'c');
                weight.inputGradient(z, dxc, alpha * scale);
                if (!allRows) {
                    IndexRows.scatterAdd(gradients.dx(), rows, dxc);
                }
                weight.weightGradient(xc, z, gradients.dWeight(), alpha, start == 0 ? 0.0 : 1.0);
            }
            if (gradients != null) {
                setAccuracyCounts(correct, m);
                if (biasGrad != null) {
                    grad("bias").assign(biasGrad.reshape(v));
                }
            }
            return loss;
        }

        /** The reused chunk buffer, at least {@code rows} (>= 1) x {@code v}, allocated outside any workspace. */
        private INDArray buffer(DataType type, long rows, long v) {
            rows = Math.max(rows, 1);
            if (chunkBuffer == null || chunkBuffer.dataType() != type || chunkBuffer.size(1) != v
                    || chunkBuffer.size(0) < rows) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    chunkBuffer = Nd4j.createUninitialized(type, new long[] {rows, v}, 'c');
                }
            }
            return chunkBuffer;
        }

        @Override
        protected void clearState() {
            super.clearState();
            tables = null;
        }
    }
}
