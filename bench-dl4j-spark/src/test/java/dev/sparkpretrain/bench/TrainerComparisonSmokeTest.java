package dev.sparkpretrain.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.train.BertTrainingObjective;
import dev.sparkpretrain.train.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Both trainers run on the tiny BERT in one local[2] session: dl4j-spark 1.0.0-M2 works with the M2.1 DL4J core
 * and our model classes on the class path, and trains them (the benchmark itself is {@link TrainerComparisonBenchmark}).
 */
class TrainerComparisonSmokeTest {
  static final int VOCAB = 200;
  static final int SEQ = 24;
  static final int PREDICTIONS = 4;

  /** Random but valid BERT examples: [CLS] at 0, two segments, {@code PREDICTIONS} masked positions. */
  static List<BertExample> examples(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<BertExample> out = new ArrayList<>();
    for (int e = 0; e < n; e++) {
      int length = 12 + rng.nextInt(SEQ - 12);
      int[] ids = new int[length];
      int[] segments = new int[length];
      for (int i = 0; i < length; i++) {
        ids[i] = 5 + rng.nextInt(VOCAB - 5);
        segments[i] = i < length / 2 ? 0 : 1;
      }
      int[] positions = new int[PREDICTIONS];
      int[] labels = new int[PREDICTIONS];
      for (int p = 0; p < PREDICTIONS; p++) {
        positions[p] = 1 + p * 2;
        labels[p] = ids[positions[p]];
        ids[positions[p]] = 4;
      }
      out.add(new BertExample(seed * 1000 + e, ids, segments, positions, labels, rng.nextInt(2), new boolean[0]));
    }
    return out;
  }

  @Test
  void bothTrainersTrainTheTinyModel(@TempDir Path tmp) throws Exception {
    SparkSession spark = BenchSpark.session("TrainerComparisonSmokeTest");
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      TrainerConfig t = new TrainerConfig(2, 8, 1, 2, 4, 1e-3, 0, null, null, null, null, null, null, null, null,
          null, null, null);
      TransformerConfig model = TransformerConfig.preset("bert-tiny").withVocabSize(VOCAB);
      BertTrainingObjective objective = new BertTrainingObjective(SEQ, PREDICTIONS);
      JavaRDD<List<BertExample>> workers = sc.parallelize(List.of(examples(40, 1), examples(40, 2)), 2);

      ComputationGraph ours = BertModel.build(model, TrainJob.optimizer(t), 7);
      ComputationGraph dl4j = BertModel.build(model, TrainJob.optimizer(t), 7);
      INDArray initial = ours.params().dup();
      System.out.println(TrainerComparison.ours(sc, workers, ours, t, objective, 7));
      System.out.println(TrainerComparison.dl4j(sc, workers, dl4j, t, objective,
          Files.createDirectory(tmp.resolve("export")).toUri().toString()));
      for (ComputationGraph g : List.of(ours, dl4j)) {
        double moved = g.params().sub(initial).amaxNumber().doubleValue();
        assertTrue(moved > 1e-5 && Double.isFinite(g.params().sumNumber().doubleValue()),
            "parameters trained and finite (moved " + moved + ")");
      }
    } finally {
      spark.stop();
    }
  }
}
