package dev.sparkpretrain.train;

import dev.sparkpretrain.jobs.prepare.BertShards;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertBatch;
import dev.sparkpretrain.model.bert.BertMetrics;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.MaskedLm;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * BERT (masked LM + next sentence) on shards written by the prepare job: pads to fixed shapes. Statically masked
 * shards are trained as they are; dynamically masked ones are masked by {@link #forEpoch} as batches are built.
 */
public final class BertTrainingObjective implements TrainingObjective<BertExample> {
  private final int maxSeqLength;
  private final int maxPredictions;
  /** The rule of dynamically masked shards; null for statically masked ones. */
  private final MaskedLm.Rule dynamicMasking;

  /**
   * Statically masked shards.
   *
   * @param maxSeqLength every batch is padded to this length (the shards' sequence length)
   * @param maxPredictions masked-LM arrays are padded to this many predictions
   */
  public BertTrainingObjective(int maxSeqLength, int maxPredictions) {
    this(maxSeqLength, maxPredictions, null);
  }

  /** Dynamically masked shards, masked by {@code rule} (its max predictions pad the masked-LM arrays). */
  public BertTrainingObjective(int maxSeqLength, MaskedLm.Rule rule) {
    this(maxSeqLength, rule.maxPredictions(), rule);
  }

  private BertTrainingObjective(int maxSeqLength, int maxPredictions, MaskedLm.Rule dynamicMasking) {
    this.maxSeqLength = maxSeqLength;
    this.maxPredictions = maxPredictions;
    this.dynamicMasking = dynamicMasking;
  }

  @Override
  public ComputationGraph build(TransformerConfig model, OptimizerConfig optimizer, long seed) {
    return BertModel.build(model, optimizer, seed);
  }

  @Override
  public BertExample fromRow(Row row) {
    return BertShards.fromRow(row);
  }

  @Override
  public long exampleId(BertExample example) {
    return example.exampleId();
  }

  @Override
  public BertExample forEpoch(BertExample example, long seed, int epoch) {
    if (dynamicMasking == null) {
      return example;
    }
    long stream = ContentHash.mix(seed, ContentHash.mix(example.exampleId(), epoch));
    return MaskedLm.mask(example, dynamicMasking, new SplittableRandom(stream));
  }

  BertBatch batch(List<BertExample> examples) {
    int b = examples.size();
    int[][] ids = new int[b][maxSeqLength];
    int[][] segments = new int[b][maxSeqLength];
    int[][] mask = new int[b][maxSeqLength];
    int[][] positions = new int[b][maxPredictions];
    int[][] labels = new int[b][maxPredictions];
    float[][] weights = new float[b][maxPredictions];
    int[] nsp = new int[b];
    for (int i = 0; i < b; i++) {
      BertExample e = examples.get(i);
      int n = Math.min(e.inputIds().length, maxSeqLength);
      System.arraycopy(e.inputIds(), 0, ids[i], 0, n);
      System.arraycopy(e.segmentIds(), 0, segments[i], 0, n);
      java.util.Arrays.fill(mask[i], 0, n, 1);
      int p = Math.min(e.maskedLmPositions().length, maxPredictions);
      for (int j = 0; j < p; j++) {
        positions[i][j] = e.maskedLmPositions()[j];
        labels[i][j] = e.maskedLmIds()[j];
        weights[i][j] = 1f;
      }
      nsp[i] = e.nextSentenceLabel();
    }
    return new BertBatch(ids, segments, mask, positions, labels, weights, nsp);
  }

  @Override
  public List<MultiDataSet> microBatches(List<List<BertExample>> microBatches) {
    // Masked-LM loss = mean over all real predictions of the step (google-research/bert's per-batch mean).
    long examples = 0;
    long predictions = 0;
    for (List<BertExample> batch : microBatches) {
      examples += batch.size();
      for (BertExample e : batch) {
        predictions += Math.min(e.maskedLmPositions().length, maxPredictions);
      }
    }
    double weight = predictions == 0 ? 0 : (double) examples / predictions;
    List<MultiDataSet> out = new java.util.ArrayList<>(microBatches.size());
    for (List<BertExample> batch : microBatches) {
      out.add(BertModel.toMultiDataSet(batch(batch), weight));
    }
    return out;
  }

  @Override
  public long tokens(List<BertExample> examples) {
    long n = 0;
    for (BertExample e : examples) {
      n += Math.min(e.inputIds().length, maxSeqLength);
    }
    return n;
  }

  @Override
  public Evaluation evaluate(ComputationGraph graph, List<BertExample> examples) {
    BertMetrics m = BertModel.evaluate(graph, batch(examples));
    return new Evaluation(m.loss(), 1, Map.of("mlm_correct", m.mlmCorrect(), "mlm_total", m.mlmTotal(),
        "nsp_correct", m.nspCorrect(), "nsp_total", m.nspTotal()));
  }
}
