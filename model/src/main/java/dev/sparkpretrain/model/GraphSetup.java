package dev.sparkpretrain.model;

import dev.sparkpretrain.model.layers.ParameterizedLayer;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * What every family's graph shares: the builder with seed, data type, updater and weight decay, and the per-layer
 * settings of this module's layers (weight decay on weights only, none on biases and norms).
 *
 * @param updater the optimizer (AdamW with its schedule, or NoOp for gradient checks)
 * @param weightRegularization decoupled weight decay, applied to weights only
 */
public record GraphSetup(IUpdater updater, List<Regularization> weightRegularization, long seed, DataType dataType) {
  /** A graph builder with these settings and the given inputs. */
  public ComputationGraphConfiguration.GraphBuilder graphBuilder(String... inputs) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(dataType)
        .updater(updater)
        // No global .regularization(...): DL4J's layer validation appends the global list to each layer's own, so
        // every weight would carry the decay twice (decoupled decay 2x the configured one). configure() sets it.
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .graphBuilder()
        .addInputs(inputs);
  }

  /** The layer with its own copy of the updater, weight decay on its weights and none on its biases. */
  public <L extends ParameterizedLayer> L configure(L layer) {
    layer.setIUpdater(updater.clone());
    layer.setRegularization(List.copyOf(weightRegularization));
    layer.setRegularizationBias(List.of());
    return layer;
  }

  /** An initialised graph (and, once per JVM, a warning if the CPU backend's environment is not tuned). */
  public static ComputationGraph initialised(ComputationGraphConfiguration conf) {
    CpuBackendEnvironment.warnIfMissing();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }
}
