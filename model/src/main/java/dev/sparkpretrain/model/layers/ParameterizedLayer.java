package dev.sparkpretrain.model.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Base of this module's layer configurations: parameters described by {@link #paramSpecs()}, weight decay on
 * {@link ParamSpec.Role#WEIGHT} parameters only, input types passed through (the graphs here set sizes explicitly).
 * Subclasses are Jackson beans: a public no-argument constructor and a getter and setter per field.
 */
public abstract class ParameterizedLayer extends BaseLayer {

    /** The parameters, in the order they occupy in the flattened vector; a function of the fields only. */
    public abstract List<ParamSpec> paramSpecs();

    /** Creates the runtime layer. */
    protected abstract ParameterizedLayerImpl<?> createLayer(NeuralNetConfiguration conf,
                                                             org.nd4j.linalg.api.buffer.DataType dataType);

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       org.nd4j.linalg.api.buffer.DataType networkDataType) {
        ParameterizedLayerImpl<?> layer = createLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> table = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return SpecParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // Sizes are explicit fields.
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        boolean weight = paramSpecs().stream()
                .anyMatch(s -> s.name().equals(paramName) && s.role() == ParamSpec.Role.WEIGHT);
        List<Regularization> r = weight ? getRegularization() : getRegularizationBias();
        return r == null ? List.of() : r;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = paramSpecs().stream().mapToLong(ParamSpec::length).sum();
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, inputType)
                .standardMemory(params, params)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
