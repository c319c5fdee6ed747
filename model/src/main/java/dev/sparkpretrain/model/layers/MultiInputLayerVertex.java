package dev.sparkpretrain.model.layers;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link ParameterizedLayer} with several inputs (a T5 decoder block reads its own stream, the relative-position
 * bias and the encoder output). DL4J layers take one input; this vertex is a {@link LayerVertex} — so the layer is a
 * real layer of the graph, counted by {@code numParams()}, updated, serialised — that hands the layer all its inputs
 * and their masks and routes one epsilon back to each input.
 *
 * <p>Add with {@code graph.addVertex(name, MultiInputLayerVertex.of(layer, seed, dataType), inputs...)}.
 */
public class MultiInputLayerVertex extends LayerVertex {
    private int numInputs;

    public MultiInputLayerVertex() {
    }

    public MultiInputLayerVertex(NeuralNetConfiguration layerConf, int numInputs) {
        super(layerConf, null);
        this.numInputs = numInputs;
    }

    /** Wraps {@code layer} (its name is set to {@code name}); {@code numInputs} must match the inputs given. */
    public static MultiInputLayerVertex of(String name, ParameterizedLayer layer, int numInputs, long seed,
                                           DataType dataType) {
        layer.setLayerName(name);
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType)
                .layer(layer).build();
        return new MultiInputLayerVertex(conf, numInputs);
    }

    @Override
    public int minVertexInputs() {
        return numInputs;
    }

    @Override
    public int maxVertexInputs() {
        return numInputs;
    }

    @Override
    public GraphVertex clone() {
        return new MultiInputLayerVertex(getLayerConf().clone(), numInputs);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return vertexInputs[0];
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                     INDArray paramsView, boolean initializeParams,
                                                                     DataType networkDatatype) {
        NeuralNetConfiguration lc = getLayerConf();
        org.deeplearning4j.nn.api.Layer layer = lc.getLayer().instantiate(lc, null, idx, paramsView,
                initializeParams, networkDatatype);
        boolean isOutput = graph.getConfiguration().getNetworkOutputs().contains(name);
        return new Impl(graph, name, idx, (ParameterizedLayerImpl<?>) layer, isOutput, networkDatatype);
    }

    public int getNumInputs() { return numInputs; }
    public void setNumInputs(int numInputs) { this.numInputs = numInputs; }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiInputLayerVertex m && m.numInputs == numInputs && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + numInputs;
    }

    /** Runtime vertex. */
    public static final class Impl extends org.deeplearning4j.nn.graph.vertex.impl.LayerVertex {
        private final ParameterizedLayerImpl<?> multi;

        Impl(ComputationGraph graph, String name, int idx, ParameterizedLayerImpl<?> layer, boolean output,
             DataType dataType) {
            super(graph, name, idx, layer, null, output, dataType);
            this.multi = layer;
        }

        @Override
        public void setInput(int inputNumber, INDArray input, LayerWorkspaceMgr workspaceMgr) {
            inputs[inputNumber] = input;
            multi.vertexInputSet(inputNumber, input);
            if (inputNumber == 0) {
                multi.setInput(input, workspaceMgr);
                setSetLayerInput(true);
            }
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoForward()) {
                throw new IllegalStateException("Cannot do forward pass of " + vertexName + ": inputs not set");
            }
            return multi.activate(inputs, training, workspaceMgr);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoBackward()) {
                throw new IllegalStateException("Cannot do backward pass of " + vertexName + ": epsilon not set");
            }
            return multi.backpropGradient(inputs, epsilon, workspaceMgr);
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                               int minibatchSize) {
            INDArray[] masks = maskArrays == null ? new INDArray[getNumInputArrays()] : maskArrays.clone();
            multi.setInputMasks(masks);
            return new Pair<>(masks[0], currentMaskState);
        }
    }
}
