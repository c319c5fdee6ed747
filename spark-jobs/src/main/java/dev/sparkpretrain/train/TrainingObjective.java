package dev.sparkpretrain.train;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What the trainer needs to know about an objective: how shard rows become examples, examples become DL4J
 * batches, and how a batch is scored. The trainer itself knows nothing of BERT, GPT or T5.
 *
 * @param <E> one example as read from a shard
 */
public interface TrainingObjective<E extends Serializable> extends Serializable {
  /** The model this objective trains, initialised. */
  ComputationGraph build(TransformerConfig model, OptimizerConfig optimizer, long seed);

  E fromRow(Row row);

  /** Whether an example can be trained on (e.g. GPT drops the one short window that may end a split). */
  default boolean keep(E example) {
    return true;
  }

  /** A stable per-example id (shuffling and dynamic masking are seeded by it). */
  long exampleId(E example);

  /**
   * The example as trained on in {@code epoch} (validation: epoch 0). The identity, except for dynamically masked
   * BERT shards, whose masks are drawn here from (seed, example id, epoch): new masks every epoch, the same ones in
   * every run with the same seed, whatever the partitioning, and after a resume.
   */
  default E forEpoch(E example, long seed, int epoch) {
    return example;
  }

  /**
   * One optimizer step's micro-batches as DL4J batches whose losses add up to the loss of the whole step: each
   * micro-batch's loss is normalized by the step's totals, not its own, so that accumulating k micro-batches of
   * b is exactly one batch of k·b.
   */
  List<MultiDataSet> microBatches(List<List<E>> microBatches);

  /** Real (non-padding) tokens in the batch, for tokens/s. */
  long tokens(List<E> batch);

  /** Loss and the objective's metrics (e.g. mlm_accuracy) on a batch, without changing parameters. */
  Evaluation evaluate(ComputationGraph graph, List<E> batch);

  /**
   * Sums of a batch's evaluation; {@code counts} hold numerators/denominators so several batches and workers
   * merge exactly (e.g. mlm_correct / mlm_total).
   */
  record Evaluation(double lossSum, long batches, Map<String, Long> counts) implements Serializable {
    /** {@code loss}, and {@code X_accuracy} for every {@code X_correct}/{@code X_total} pair, as JSON-ready values. */
    public Map<String, Object> summary() {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      double loss = batches == 0 ? Double.NaN : lossSum / batches;
      out.put("loss", loss);
      for (var e : new java.util.TreeMap<>(counts).entrySet()) {
        if (e.getKey().endsWith("_correct")) {
          String name = e.getKey().substring(0, e.getKey().length() - "_correct".length());
          long total = counts.getOrDefault(name + "_total", 0L);
          out.put(name + "_accuracy", total == 0 ? Double.NaN : (double) e.getValue() / total);
          out.put(name + "_predictions", total);
        }
      }
      return out;
    }
  }
}
