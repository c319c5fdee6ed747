package dev.sparkpretrain.train;

import dev.sparkpretrain.jobs.prepare.ShardRows;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.gpt.GptBatch;
import dev.sparkpretrain.model.gpt.GptMetrics;
import dev.sparkpretrain.model.gpt.GptModel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * GPT causal LM on packed windows of {@code seqLength + 1} ids. All micro-batches have the same number of tokens,
 * so the per-micro-batch mean losses add up exactly under accumulation. The one short window that may end a
 * split is not trained on.
 */
public final class GptTrainingObjective implements TrainingObjective<GptTrainingObjective.Window> {
  /** One shard row: its id and its {@code seqLength + 1} ids. */
  public record Window(long id, int[] ids) implements Serializable {}

  private final int seqLength;

  public GptTrainingObjective(int seqLength) {
    this.seqLength = seqLength;
  }

  @Override
  public ComputationGraph build(TransformerConfig model, OptimizerConfig optimizer, long seed) {
    return GptModel.build(model, optimizer, seed);
  }

  @Override
  public Window fromRow(Row row) {
    return new Window(row.getLong(row.fieldIndex("example_id")), ShardRows.ints(row, "input_ids"));
  }

  @Override
  public boolean keep(Window w) {
    return w.ids().length == seqLength + 1;
  }

  @Override
  public long exampleId(Window w) {
    return w.id();
  }

  private static GptBatch batch(List<Window> windows) {
    int[][] w = new int[windows.size()][];
    for (int i = 0; i < w.length; i++) {
      w[i] = windows.get(i).ids();
    }
    return new GptBatch(w);
  }

  @Override
  public List<MultiDataSet> microBatches(List<List<Window>> microBatches) {
    List<MultiDataSet> out = new ArrayList<>(microBatches.size());
    for (List<Window> b : microBatches) {
      out.add(GptModel.toMultiDataSet(batch(b)));
    }
    return out;
  }

  @Override
  public long tokens(List<Window> batch) {
    return (long) batch.size() * seqLength;
  }

  @Override
  public Evaluation evaluate(ComputationGraph graph, List<Window> windows) {
    List<Window> full = windows.stream().filter(this::keep).toList();
    if (full.isEmpty()) {
      return new Evaluation(0, 0, Map.of());
    }
    GptMetrics m = GptModel.evaluate(graph, batch(full));
    return new Evaluation(m.loss(), 1, Map.of("lm_correct", m.correct(), "lm_total", m.total()));
  }
}
