package dev.sparkpretrain.model.layers;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime base of this module's layers: forward and backward written by hand with ND4J.
 *
 * <p>Workspaces: during training DL4J keeps the ACTIVATIONS workspace open from the forward pass until backprop ends,
 * so the forward pass runs with that workspace as the current scope and everything it keeps for backward lives there.
 * Backward runs in the ACTIVATION_GRAD scope, where the returned epsilon must live; parameter gradients are written
 * straight into the network's gradient views.
 */
public abstract class ParameterizedLayerImpl<C extends ParameterizedLayer> extends BaseLayer<C> {

    protected ParameterizedLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The parameter view named {@code name}. */
    protected INDArray param(String name) {
        return params.get(name);
    }

    /** The gradient view named {@code name}. */
    protected INDArray grad(String name) {
        return gradientViews.get(name);
    }

    /** Masks of every input when used through {@link MultiInputLayerVertex} (entries may be null). */
    protected INDArray[] inputMasks;

    /** Forward pass on {@code x}; keep what backward needs in fields when {@code training}. */
    protected abstract INDArray forward(INDArray x, boolean training);

    /** Backward pass: fill the gradient views and return the gradient with respect to the input. */
    protected abstract INDArray backward(INDArray dy);

    /** Forward pass on several inputs (only layers used through {@link MultiInputLayerVertex}). */
    protected INDArray forward(INDArray[] inputs, boolean training) {
        if (inputs.length != 1) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " takes one input");
        }
        return forward(inputs[0], training);
    }

    /** Backward pass for several inputs: one epsilon per input, zeros (never null) for non-differentiable ones. */
    protected INDArray[] backward(INDArray[] inputs, INDArray dy) {
        return new INDArray[] {backward(dy)};
    }

    /**
     * Called by {@link MultiInputLayerVertex} as it receives input {@code index}; input 0 is also the layer's
     * {@code input}. A layer that needs its other inputs outside {@link #forward(INDArray[], boolean)} and
     * {@link #backward(INDArray[], INDArray)} (an output layer's score) keeps them here.
     */
    protected void vertexInputSet(int index, INDArray vertexInput) {
    }

    void setInputMasks(INDArray[] masks) {
        this.inputMasks = masks;
        this.maskArray = masks.length > 0 ? masks[0] : null;
    }

    /** The mask of input {@code i}, or null. */
    protected INDArray inputMask(int i) {
        return inputMasks == null || i >= inputMasks.length ? (i == 0 ? maskArray : null) : inputMasks[i];
    }

    INDArray activate(INDArray[] inputs, boolean training, LayerWorkspaceMgr workspaceMgr) {
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
            return forward(inputs, training);
        }
    }

    Pair<Gradient, INDArray[]> backpropGradient(INDArray[] inputs, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray[] dx;
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            dx = backward(inputs, epsilon);
        }
        return new Pair<>(collectGradient(), dx);
    }

    /** Forget what the forward pass kept. */
    protected abstract void clearState();

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
            return forward(input, training);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray dx;
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            dx = backward(epsilon);
        }
        return new Pair<>(collectGradient(), dx);
    }

    protected Gradient collectGradient() {
        Gradient g = new DefaultGradient(gradientsFlattened);
        for (ParamSpec s : layerConf().paramSpecs()) {
            g.setGradientFor(s.name(), grad(s.name()));
        }
        return g;
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        this.maskArray = maskArray;
        this.maskState = currentMaskState;
        return new Pair<>(maskArray, currentMaskState);
    }

    /**
     * 0: the score of these models is the loss alone. With AdamW the weight decay is a decoupled update rule, not a
     * loss term, and summing squared weights every step cost about 3% of a tiny model's step.
     */
    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        return 0;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    @Override
    public boolean hasLayerNorm() {
        return false;
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public void clear() {
        super.clear();
        clearState();
    }
}
