package dev.sparkpretrain.train;

import dev.sparkpretrain.jobs.prepare.ShardRows;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.t5.T5Batch;
import dev.sparkpretrain.model.t5.T5Metrics;
import dev.sparkpretrain.model.t5.T5Model;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * T5 span corruption: encoder inputs and decoder targets from the shards, each batch padded (id 0, mask 0) to its
 * longest row. The loss is the mean over all real target tokens of the optimizer step: each micro-batch's tokens are
 * weighted by the step's totals (examples / target tokens), so accumulating k micro-batches of b is exactly one batch
 * of k·b, whatever their target lengths.
 */
public final class T5TrainingObjective implements TrainingObjective<T5TrainingObjective.Pair> {
  /** One shard row. */
  public record Pair(long id, int[] inputs, int[] targets) implements Serializable {}

  @Override
  public ComputationGraph build(TransformerConfig model, OptimizerConfig optimizer, long seed) {
    return T5Model.build(model, optimizer, seed);
  }

  @Override
  public Pair fromRow(Row row) {
    return new Pair(row.getLong(row.fieldIndex("example_id")), ShardRows.ints(row, "inputs"),
        ShardRows.ints(row, "targets"));
  }

  @Override
  public long exampleId(Pair p) {
    return p.id();
  }

  static T5Batch batch(List<Pair> pairs) {
    int s = 1;
    int t = 1;
    for (Pair p : pairs) {
      s = Math.max(s, p.inputs().length);
      t = Math.max(t, p.targets().length);
    }
    int b = pairs.size();
    int[][] in = new int[b][s];
    int[][] inMask = new int[b][s];
    int[][] out = new int[b][t];
    int[][] outMask = new int[b][t];
    for (int i = 0; i < b; i++) {
      Pair p = pairs.get(i);
      System.arraycopy(p.inputs(), 0, in[i], 0, p.inputs().length);
      java.util.Arrays.fill(inMask[i], 0, p.inputs().length, 1);
      System.arraycopy(p.targets(), 0, out[i], 0, p.targets().length);
      java.util.Arrays.fill(outMask[i], 0, p.targets().length, 1);
    }
    return new T5Batch(in, inMask, out, outMask);
  }

  @Override
  public List<MultiDataSet> microBatches(List<List<Pair>> microBatches) {
    long examples = 0;
    long targetTokens = 0;
    for (List<Pair> b : microBatches) {
      examples += b.size();
      for (Pair p : b) {
        targetTokens += p.targets().length;
      }
    }
    double weight = targetTokens == 0 ? 0 : (double) examples / targetTokens;
    List<MultiDataSet> out = new ArrayList<>(microBatches.size());
    for (List<Pair> b : microBatches) {
      out.add(T5Model.toMultiDataSet(batch(b), weight));
    }
    return out;
  }

  @Override
  public long tokens(List<Pair> batch) {
    long n = 0;
    for (Pair p : batch) {
      n += p.inputs().length + p.targets().length;
    }
    return n;
  }

  @Override
  public Evaluation evaluate(ComputationGraph graph, List<Pair> pairs) {
    T5Metrics m = T5Model.evaluate(graph, batch(pairs));
    return new Evaluation(m.loss(), 1, Map.of("target_correct", m.correct(), "target_total", m.total()));
  }
}
