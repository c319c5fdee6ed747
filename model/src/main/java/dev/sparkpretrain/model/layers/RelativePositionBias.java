package dev.sparkpretrain.model.layers;

import dev.sparkpretrain.model.ops.Layout;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * T5's relative position bias (Raffel et al. 2020; Hugging Face {@code T5Attention._relative_position_bucket}): a
 * learned scalar per head and bucket of the offset {@code key - query}; small offsets get their own buckets, larger
 * ones share logarithmically wider buckets up to {@code maxDistance}. Bidirectional (encoder) buckets split by sign;
 * causal (decoder) ones only see non-positive offsets.
 *
 * <p>Input: the stream {@code [B, T, H]} (only T is used). Output: the bias {@code [heads, T, T]}, fed to every block
 * of one stack — T5 computes it in the first layer and shares it with the others, so the table is one parameter
 * {@code [buckets, heads]} whose gradient sums over all blocks.
 */
public class RelativePositionBias extends ParameterizedLayer {
    private int numBuckets = 32;
    private int maxDistance = 128;
    private int numHeads;
    private boolean bidirectional = true;
    private double initStd = 1.0;

    public RelativePositionBias() {
    }

    public RelativePositionBias(int numBuckets, int maxDistance, int numHeads, boolean bidirectional, double initStd) {
        this.numBuckets = numBuckets;
        this.maxDistance = maxDistance;
        this.numHeads = numHeads;
        this.bidirectional = bidirectional;
        this.initStd = initStd;
    }

    @Override
    public List<ParamSpec> paramSpecs() {
        return List.of(ParamSpec.weight("table", initStd, numBuckets, numHeads));
    }

    @Override
    protected ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new Impl(conf, dataType);
    }

    /** The bucket of offset {@code relative = key - query}, exactly as Hugging Face's T5. */
    public static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int result = 0;
        int n = numBuckets;
        int r;
        if (bidirectional) {
            n /= 2;
            if (relative > 0) {
                result += n;
            }
            r = Math.abs(relative);
        } else {
            r = -Math.min(relative, 0);
        }
        int maxExact = n / 2;
        if (r < maxExact) {
            return result + r;
        }
        // float math as the reference: log(r / maxExact) / log(maxDistance / maxExact) * (n - maxExact), truncated
        float large = (float) (Math.log((float) r / maxExact) / Math.log((float) maxDistance / maxExact)
                * (n - maxExact));
        return result + Math.min(maxExact + (int) large, n - 1);
    }

    public int getNumBuckets() { return numBuckets; }
    public void setNumBuckets(int numBuckets) { this.numBuckets = numBuckets; }
    public int getMaxDistance() { return maxDistance; }
    public void setMaxDistance(int maxDistance) { this.maxDistance = maxDistance; }
    public int getNumHeads() { return numHeads; }
    public void setNumHeads(int numHeads) { this.numHeads = numHeads; }
    public boolean isBidirectional() { return bidirectional; }
    public void setBidirectional(boolean bidirectional) { this.bidirectional = bidirectional; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double initStd) { this.initStd = initStd; }

    public static final class Impl extends ParameterizedLayerImpl<RelativePositionBias> {
        private int[] buckets;      // [T*T], row = query
        private int bucketsFor = -1;
        private long time;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private int[] buckets(int t) {
            if (bucketsFor != t) {
                RelativePositionBias c = layerConf();
                int[] b = new int[t * t];
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        b[i * t + j] = bucket(j - i, c.isBidirectional(), c.getNumBuckets(), c.getMaxDistance());
                    }
                }
                buckets = b;
                bucketsFor = t;
            }
            return buckets;
        }

        @Override
        protected INDArray forward(INDArray x, boolean training) {
            time = x.size(1);
            int t = (int) time;
            INDArray rows = Nd4j.pullRows(param("table"), 1, buckets(t), 'c');         // [T*T, heads]
            return Layout.permuted(rows.reshape('c', t, t, layerConf().getNumHeads()), 2, 0, 1);
        }

        @Override
        protected INDArray backward(INDArray dy) {
            int t = (int) time;
            int heads = layerConf().getNumHeads();
            INDArray rows = Layout.permuted(dy, 1, 2, 0).reshape('c', (long) t * t, heads);
            INDArray g = grad("table");
            g.assign(0.0);
            Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                    .addInputs(g, Nd4j.createFromArray(buckets(t)), rows)
                    .addOutputs(g)
                    .addBooleanArguments(true)
                    .build());
            return Nd4j.zeros(input.dataType(), input.shape());
        }

        @Override
        protected void clearState() {
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                              int minibatchSize) {
            return null;   // the bias has no batch or time mask
        }
    }
}
