package dev.sparkpretrain.model.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays out the parameters of a {@link ParameterizedLayer} in its slice of the network's flattened parameter (and
 * gradient) vector, in {@link ParameterizedLayer#paramSpecs()} order, each as a c-ordered view.
 */
public final class SpecParamInitializer implements ParamInitializer {
    public static final SpecParamInitializer INSTANCE = new SpecParamInitializer();

    private SpecParamInitializer() {}

    private static List<ParamSpec> specs(Layer layer) {
        return ((ParameterizedLayer) layer).paramSpecs();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return specs(layer).stream().mapToLong(ParamSpec::length).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return specs(layer).stream().map(ParamSpec::name).toList();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return specs(layer).stream().filter(s -> s.role() == ParamSpec.Role.WEIGHT).map(ParamSpec::name).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return specs(layer).stream().filter(s -> s.role() != ParamSpec.Role.WEIGHT).map(ParamSpec::name).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> views = views(conf.getLayer(), paramsView);
        if (initializeParams) {
            for (ParamSpec s : specs(conf.getLayer())) {
                INDArray v = views.get(s.name());
                switch (s.role()) {
                    case WEIGHT -> v.assign(s.blockStds() == null
                            ? Nd4j.randn(v.dataType(), v.shape()).muli(s.initStd())
                            : blockwise(v, s.blockStds()));
                    case NORM_GAIN -> v.assign(1.0);
                    case BIAS, NORM_BIAS -> v.assign(0.0);
                }
            }
        }
        return views;
    }

    /** N(0, std_k^2) in the k-th of {@code stds.length} equal column blocks (e.g. Q, K, V of a fused matrix). */
    private static INDArray blockwise(INDArray v, double[] stds) {
        long cols = v.size(v.rank() - 1);
        long block = cols / stds.length;
        INDArray r = Nd4j.randn(v.dataType(), v.shape());
        INDArray m = r.reshape('c', r.length() / cols, cols);
        for (int k = 0; k < stds.length; k++) {
            m.get(NDArrayIndex.all(), NDArrayIndex.interval(k * block, (k + 1) * block)).muli(stds[k]);
        }
        return r;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView);
    }

    static Map<String, INDArray> views(Layer layer, INDArray flat) {
        if (flat == null) {
            if (!specs(layer).isEmpty()) {
                throw new IllegalStateException("no parameter view for " + layer.getLayerName());
            }
            return new LinkedHashMap<>();   // a layer without parameters gets no view from DL4J
        }
        long n = flat.length();
        INDArray row = flat.reshape('c', new long[] {n});  // not reshape('c', n): that binds to reshape(long rows, long cols)
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (ParamSpec s : specs(layer)) {
            long len = s.length();
            INDArray v = row.get(NDArrayIndex.interval(offset, offset + len)).reshape('c', s.shape());
            out.put(s.name(), v);
            offset += len;
        }
        if (offset != n) {
            throw new IllegalStateException("parameter view of " + layer.getLayerName() + " has " + n
                    + " values, layout needs " + offset);
        }
        return out;
    }
}
