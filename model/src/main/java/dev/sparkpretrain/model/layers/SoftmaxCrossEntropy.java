package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Dense;
import dev.sparkpretrain.model.ops.Layout;
import dev.sparkpretrain.model.ops.Softmax;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Output layer: softmax cross-entropy over {@code numClasses} with <em>sparse</em> labels, for language-model heads.
 * Input: logits {@code [B, P, C]} (or {@code [B, C]}), plus an optional per-class bias parameter (BERT's MLM output
 * bias). Labels: class ids {@code [B, P]}. Label mask: per-prediction weights {@code [B, P]}, 0 for padding.
 *
 * <p>Score, by default, = weighted mean cross-entropy over the predictions, {@code sum(w * CE) / sum(w)}; DL4J's
 * updater divides gradients by the minibatch size B, so the gradient returned is {@code B * w / sum(w) *
 * (softmax - onehot)}.
 *
 * <p>With {@code perExampleSum}, score = {@code sum(w * CE) / B}: losses and gradients then add up across
 * micro-batches, so k micro-batches of b give exactly the update of one batch of k·b when the weights are the
 * same. Callers choose the weights: {@code B / (real predictions)} for the mean over one batch's real
 * predictions (google-research/bert's MLM loss), or {@code B_total / n_total} for that mean over all
 * micro-batches of an accumulated step. The gradient returned is then {@code w * (softmax - onehot)}.
 * Activations (inference) are the probabilities.
 */
public class SoftmaxCrossEntropy extends ParameterizedLayer {
    private int numClasses;
    private boolean hasBias = true;
    private boolean perExampleSum;

    public SoftmaxCrossEntropy() {
    }

    public SoftmaxCrossEntropy(int numClasses, boolean hasBias) {
        this.numClasses = numClasses;
        this.hasBias = hasBias;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return hasBias ? List.of(ParamSpec.bias("bias", numClasses)) : List.of();
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    public int getNumClasses() { return numClasses; }
    public void setNumClasses(int numClasses) { this.numClasses = numClasses; }
    public boolean isHasBias() { return hasBias; }
    public void setHasBias(boolean hasBias) { this.hasBias = hasBias; }
    public boolean isPerExampleSum() { return perExampleSum; }
    public void setPerExampleSum(boolean perExampleSum) { this.perExampleSum = perExampleSum; }

    /** Normalise by the minibatch size instead of the weight sum (see the class comment). */
    public SoftmaxCrossEntropy perExampleSum() {
        this.perExampleSum = true;
        return this;
    }

    public static class Impl extends ParameterizedLayerImpl<SoftmaxCrossEntropy> implements IOutputLayer {
        private INDArray labels;
        private INDArray scoredInput;
        private INDArray scoredLabels;
        private INDArray scoredMask;
        private double scoredValue;
        /** Runtime loss scale for mixed precision: multiplies the gradient backprop starts with, not the score. */
        private double gradientScale = 1.0;

        /** Real predictions scored by the last backward pass and how many of them the argmax got right. */
        private long lastCorrect;
        private long lastTotal;

        public void setGradientScale(double gradientScale) {
            this.gradientScale = gradientScale;
        }

        /** The loss scale set by {@link #setGradientScale} (1 outside mixed-precision steps). */
        protected double gradientScale() {
            return gradientScale;
        }

        /** {@code {correct, total}} over the real (non-zero weight) predictions of the last training pass. */
        public long[] lastAccuracyCounts() {
            return new long[] {lastCorrect, lastTotal};
        }

        protected void setAccuracyCounts(long correct, long total) {
            lastCorrect = correct;
            lastTotal = total;
        }

        protected Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /**
         * The labels and weights of the {@code n} predictions of this pass; {@code scored} lists, in order, the rows of
         * non-zero weight (the only ones that count in the loss, the gradient and the accuracy).
         */
        protected record Targets(int[] labels, double[] weights, int[] scored, double weightSum) {
            double weight(int row) {
                return weights == null ? 1.0 : weights[row];
            }
        }

        /** Reads the labels and the label mask (weights) of {@code n} predictions; checks the scored labels' range. */
        protected Targets targets(long n) {
            int c = layerConf().getNumClasses();
            if (labels == null) {
                throw new IllegalStateException("labels not set on " + layerConf().getLayerName());
            }
            int[] y = labels.dup('c').reshape(n).toIntVector();
            double[] w = maskArray == null ? null : maskArray.dup('c').reshape(n).toDoubleVector();
            int[] scored = new int[(int) n];
            int m = 0;
            double sumW = 0;
            for (int i = 0; i < n; i++) {
                double wi = w == null ? 1.0 : w[i];
                if (wi == 0) {
                    continue;
                }
                if (y[i] < 0 || y[i] >= c) {
                    throw new IllegalArgumentException("label " + y[i] + " outside [0, " + c + ") at row " + i);
                }
                sumW += wi;
                scored[m++] = i;
            }
            return new Targets(y, w, m == n ? scored : java.util.Arrays.copyOf(scored, m), sumW);
        }

        /** What multiplies {@code w * (softmax - onehot)} in the gradient (see the class comment). */
        protected double gradientFactor(Targets t) {
            return layerConf().isPerExampleSum() ? 1.0 : t.weightSum() == 0 ? 0 : input.size(0) / t.weightSum();
        }

        /** The score from the summed weighted cross-entropy {@code sum(w * CE)}. */
        protected double score(double weightedLossSum, Targets t) {
            return layerConf().isPerExampleSum() ? weightedLossSum / input.size(0)
                    : t.weightSum() == 0 ? 0 : weightedLossSum / t.weightSum();
        }

        /**
         * Softmax of {@code x (+ bias)} as a new {@code [rows, classes]} array in the current workspace, written
         * straight from {@code x} when there is no bias (a causal LM's logits are the largest array of a step).
         */
        private INDArray probabilities(INDArray x) {
            INDArray rows = Layout.rows(x, layerConf().getNumClasses());
            return Softmax.rows(rows, bias(), Nd4j.createUninitialized(x.dataType(), rows.shape(), 'c'));
        }

        /** The output bias, or null. Added by the softmax's pass, into its output (never into the logits). */
        private INDArray bias() {
            return layerConf().isHasBias() ? param("bias") : null;
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            return probabilities(x).reshape('c', x.shape());
        }

        /** The score (see the class comment); when {@code gradOut} is non-null, turns the probabilities into the gradient. */
        private double lossAndGradient(INDArray p, Targets t, INDArray[] gradOut) {
            int c = layerConf().getNumClasses();
            long n = p.size(0);
            double loss = 0;
            LabelProbabilities flat = new LabelProbabilities(p);
            for (int i : t.scored()) {
                loss -= t.weight(i) * Math.log(Math.max(flat.get((long) i * c + t.labels()[i]), 1e-38));
            }
            if (gradOut != null) {
                double scale = gradientFactor(t);
                double[] rowScale = new double[(int) n];
                for (int i = 0; i < n; i++) {
                    rowScale[i] = t.weight(i) * scale;
                }
                for (int i : t.scored()) {
                    long idx = (long) i * c + t.labels()[i];
                    flat.put(idx, flat.get(idx) - 1.0);
                }
                p.muliColumnVector(Nd4j.create(rowScale, new long[] {n, 1}, p.dataType()));
                gradOut[0] = p;
            }
            return score(loss, t);
        }

        /**
         * Element access to the probabilities by flat index: through the NIO view of the buffer where the array is
         * dense, row-major and at offset 0 (always, as {@link #probabilities} makes it), else through
         * {@code getDouble}/{@code putScalar}. One row of a causal LM's [B*T, V] probabilities needs two accesses,
         * and {@code getDouble}/{@code putScalar} cost about a microsecond each. Values are the same either way
         * (a float is read as a double and written back rounded, as {@code putScalar} does).
         */
        static final class LabelProbabilities {
            private final INDArray flat;
            private final java.nio.FloatBuffer floats;
            private final java.nio.DoubleBuffer doubles;

            LabelProbabilities(INDArray p) {
                boolean dense = p.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(p)
                        && p.offset() == 0 && p.length() <= Integer.MAX_VALUE;
                flat = p.reshape(p.length());
                floats = dense && p.dataType() == DataType.FLOAT ? p.data().asNioFloat() : null;
                doubles = dense && p.dataType() == DataType.DOUBLE ? p.data().asNioDouble() : null;
            }

            double get(long i) {
                return floats != null ? floats.get(Math.toIntExact(i))
                        : doubles != null ? doubles.get(Math.toIntExact(i)) : flat.getDouble(i);
            }

            void put(long i, double v) {
                if (floats != null) {
                    floats.put(Math.toIntExact(i), (float) v);
                } else if (doubles != null) {
                    doubles.put(Math.toIntExact(i), v);
                } else {
                    flat.putScalar(i, v);
                }
            }
        }

        @Override
        protected INDArray backward(INDArray ignored) {
            // The copy of the logits made here becomes the epsilon, so it must live in this (ACTIVATION_GRAD) scope.
            long[] shape = input.shape();
            INDArray rows = Layout.rows(input, layerConf().getNumClasses());
            INDArray p = Nd4j.createUninitialized(input.dataType(), rows.shape(), 'c');
            int[] argMax = Softmax.rowsWithArgMax(rows, bias(), p);
            INDArray[] g = new INDArray[1];
            Targets t = targets(p.size(0));
            countCorrect(argMax, t);
            remember(lossAndGradient(p, t, g));
            if (gradientScale != 1.0) {
                g[0].muli(gradientScale);
            }
            if (layerConf().isHasBias()) {
                Dense.columnSums(g[0], grad("bias"));
            }
            return g[0].reshape('c', shape);
        }

        /** Counts the hits of each row's argmax ({@link Softmax#rowsWithArgMax}'s), for training metrics. */
        private void countCorrect(int[] argMax, Targets t) {
            long correct = 0;
            for (int i : t.scored()) {
                correct += argMax[i] == t.labels()[i] ? 1 : 0;
            }
            setAccuracyCounts(correct, t.scored().length);
        }

        /** Keeps the score of this pass (inputs, labels, mask) for {@link #computeScore}, which DL4J calls next. */
        protected void remember(double score) {
            scoredValue = score;
            scoredInput = input;
            scoredLabels = labels;
            scoredMask = maskArray;
        }

        /** The score of the current inputs, labels and mask, computed afresh (no backward pass ran on them). */
        protected double computeScore() {
            INDArray p = probabilities(input);
            return lossAndGradient(p, targets(p.size(0)), null);
        }

        @Override
        protected void clearState() {
            scoredInput = null;
            scoredLabels = null;
            scoredMask = null;
        }

        @Override
        public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (scoredInput != input || scoredLabels != labels || scoredMask != maskArray) {
                try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.FF_WORKING_MEM)) {
                    remember(computeScore());
                }
            }
            score = scoredValue + fullNetRegTerm;
            return score;
        }

        @Override
        public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
            int c = layerConf().getNumClasses();
            long batch = input.size(0);
            INDArray p = probabilities(input);
            long n = p.size(0);
            long perExample = n / batch;
            int[] y = labels.dup('c').reshape(n).toIntVector();
            double[] w = maskArray == null ? null : maskArray.dup('c').reshape(n).toDoubleVector();
            double[] out = new double[(int) batch];
            for (int i = 0; i < n; i++) {
                double wi = w == null ? 1.0 : w[i];
                if (wi != 0) {
                    out[(int) (i / perExample)] -= wi * Math.log(Math.max(p.getDouble((long) i, y[i]), 1e-38));
                }
            }
            INDArray r = Nd4j.create(out, new long[] {batch, 1}, p.dataType()).addi(fullNetRegTerm);
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, r);
        }

        @Override
        public boolean needsLabels() {
            return true;
        }

        @Override
        public void setLabels(INDArray labels) {
            this.labels = labels;
        }

        @Override
        public INDArray getLabels() {
            return labels;
        }

        @Override
        public double f1Score(DataSet data) {
            throw new UnsupportedOperationException("f1Score: use the model's evaluate()");
        }

        @Override
        public double f1Score(INDArray examples, INDArray labels) {
            throw new UnsupportedOperationException("f1Score: use the model's evaluate()");
        }

        @Override
        public int numLabels() {
            return layerConf().getNumClasses();
        }

        @Override
        public void fit(DataSetIterator iter) {
            throw new UnsupportedOperationException("fit the ComputationGraph, not its output layer");
        }

        @Override
        public int[] predict(INDArray examples) {
            throw new UnsupportedOperationException("predict: use the ComputationGraph's output()");
        }

        @Override
        public List<String> predict(DataSet dataSet) {
            throw new UnsupportedOperationException("predict: use the ComputationGraph's output()");
        }

        @Override
        public void fit(INDArray examples, INDArray labels) {
            throw new UnsupportedOperationException("fit the ComputationGraph, not its output layer");
        }

        @Override
        public void fit(DataSet data) {
            throw new UnsupportedOperationException("fit the ComputationGraph, not its output layer");
        }

        @Override
        public void fit(INDArray examples, int[] labels) {
            throw new UnsupportedOperationException("fit the ComputationGraph, not its output layer");
        }
    }
}
