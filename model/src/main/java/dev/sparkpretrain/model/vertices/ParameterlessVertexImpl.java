package dev.sparkpretrain.model.vertices;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime base of this module's vertices; same workspace discipline as
 * {@link dev.sparkpretrain.model.layers.ParameterizedLayerImpl}. Backward must return an epsilon for <em>every</em>
 * input, zeros for non-differentiable ones: DL4J's bookkeeping misaligns epsilons when it meets a null.
 */
public abstract class ParameterlessVertexImpl extends BaseGraphVertex {

    protected ParameterlessVertexImpl(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, null, null, dataType);
    }

    protected abstract INDArray forward(INDArray[] in, boolean training);

    protected abstract INDArray[] backward(INDArray dy);

    /** The mask of the output given the inputs' masks (null entries for unmasked inputs). */
    protected abstract INDArray outputMask(INDArray[] masks);

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
            return forward(inputs, training);
        }
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            return new Pair<>(null, backward(epsilon));
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        INDArray m = outputMask(maskArrays == null ? new INDArray[getNumInputArrays()] : maskArrays);
        return m == null ? null : new Pair<>(m, currentMaskState == null ? MaskState.Active : currentMaskState);
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException(getVertexName() + " has no parameters");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + vertexName + ")";
    }
}
