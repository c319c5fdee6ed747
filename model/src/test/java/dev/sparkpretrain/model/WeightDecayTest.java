package dev.sparkpretrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * AdamW's decoupled weight decay is applied once, at the configured rate, to weight matrices and embeddings only.
 * (DL4J appends a builder-wide regularization list to each layer's own, so setting both decayed every weight twice.)
 */
class WeightDecayTest {
  private static final double LR = 1e-2;
  private static final double DECAY = 0.01;

  private static ComputationGraph graph(String preset) {
    OptimizerConfig optimizer = new OptimizerConfig(LR, 0.9, 0.999, 1e-6, DECAY, 0, 10, OptimizerConfig.Decay.CONSTANT);
    return PretrainingGraphs.build(TransformerConfig.preset(preset).withVocabSize(64), optimizer, 7);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert-tiny", "gpt2-tiny", "t5-tiny"})
  void everyWeightCarriesOneDecayAtTheConfiguredRateAndNothingElseDoes(String preset) {
    ComputationGraph graph = graph(preset);
    int decayed = 0;
    int plain = 0;
    for (Layer layer : graph.getLayers()) {
      var conf = layer.conf().getLayer();
      for (String param : layer.paramTable().keySet()) {
        List<Regularization> regs = conf.getRegularizationByParam(param);
        if (regs == null || regs.isEmpty()) {
          plain++;
          continue;
        }
        assertEquals(1, regs.size(), conf.getLayerName() + "." + param + " carries " + regs);
        WeightDecay wd = assertInstanceOf(WeightDecay.class, regs.get(0));
        assertEquals(DECAY, wd.getCoeff().valueAt(0, 0), 0.0, conf.getLayerName() + "." + param);
        assertTrue(wd.isApplyLR());
        decayed++;
      }
    }
    assertTrue(decayed > 0 && plain > 0, decayed + " decayed, " + plain + " plain parameters");
  }

  /**
   * With a zero gradient Adam's update is 0 (its moments stay 0), so one step of the graph's own updater changes a
   * decayed parameter by exactly -lr * decay * p and leaves the others as they were.
   */
  @ParameterizedTest
  @ValueSource(strings = {"bert-tiny", "gpt2-tiny", "t5-tiny"})
  void oneStepWithAZeroGradientShrinksWeightsByLrTimesDecay(String preset) {
    ComputationGraph graph = graph(preset);
    graph.initGradientsView();
    INDArray before = graph.params().dup();
    INDArray view = graph.getFlattenedGradients();
    view.assign(0);
    graph.getUpdater().update(new DefaultGradient(view), 0, 0, 1, LayerWorkspaceMgr.noWorkspaces());
    graph.params().subi(view.reshape(graph.params().shape()));
    for (Layer layer : graph.getLayers()) {
      var conf = layer.conf().getLayer();
      for (var e : layer.paramTable().entrySet()) {
        String name = conf.getLayerName() + "." + e.getKey();
        List<Regularization> regs = conf.getRegularizationByParam(e.getKey());
        boolean decays = regs != null && !regs.isEmpty();
        double[] p = e.getValue().dup().data().asDouble();
        double[] q = paramBefore(graph, before, layer, e.getKey()).data().asDouble();
        double factor = decays ? 1 - LR * DECAY : 1;
        double maxRel = 0;
        for (int i = 0; i < p.length; i++) {
          double want = q[i] * factor;
          maxRel = Math.max(maxRel, Math.abs(p[i] - want) / Math.max(1e-6, Math.abs(want)));
        }
        assertTrue(maxRel < 1e-5, name + ": relative error " + maxRel + " (decays: " + decays + ")");
      }
    }
  }

  /** {@code layer}'s parameter {@code key} as it was in {@code before} (a copy of the flat parameters). */
  private static INDArray paramBefore(ComputationGraph graph, INDArray before, Layer layer, String key) {
    INDArray saved = graph.params().dup();
    graph.params().assign(before);
    INDArray p = layer.getParam(key).dup();
    graph.params().assign(saved);
    return p;
  }
}
