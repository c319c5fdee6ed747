package dev.sparkpretrain.model.vertices;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of this module's vertex configurations: multi-input operations without parameters (look-ups, gathers, the
 * tied output projection). Subclasses are Jackson beans; equality is by class and JSON-visible state.
 */
public abstract class ParameterlessVertex extends GraphVertex {

    protected abstract ParameterlessVertexImpl create(ComputationGraph graph, String name, int idx, DataType type);

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                     INDArray paramsView, boolean initializeParams,
                                                                     DataType networkDatatype) {
        return create(graph, name, idx, networkDatatype);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public GraphVertex clone() {
        return org.apache.commons.lang3.SerializationUtils.clone(this);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, getClass(), inputTypes[0], inputTypes[0])
                .standardMemory(0, 0)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && o.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
