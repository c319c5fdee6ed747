package dev.sparkpretrain.train;

import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.BertExamples;
import dev.sparkpretrain.objective.BertVocab;
import dev.sparkpretrain.objective.RandomNextPool;
import dev.sparkpretrain.objective.TokenizedDocument;
import dev.sparkpretrain.config.BertObjectiveConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** A tiny BERT and BERT examples built by the real example code from a seeded synthetic corpus. */
final class TrainerFixtures {
  static final int VOCAB = 200;
  static final int SEQ = 24;
  static final int PREDICTIONS = 4;
  static final BertVocab IDS = new BertVocab(0, 2, 3, 4, VOCAB, 5);

  private TrainerFixtures() {}

  static List<BertExample> examples(int documents, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<TokenizedDocument> docs = new ArrayList<>();
    for (int d = 0; d < documents; d++) {
      List<int[]> sentences = new ArrayList<>();
      List<boolean[]> starts = new ArrayList<>();
      int topic = rng.nextInt(10);
      for (int s = 0; s < 2 + rng.nextInt(5); s++) {
        int[] ids = new int[3 + rng.nextInt(8)];
        for (int i = 0; i < ids.length; i++) {
          // Zipf-ish, topic-dependent ids: learnable structure
          ids[i] = 5 + (topic * 19 + (int) Math.abs(rng.nextGaussian() * 12)) % (VOCAB - 5);
        }
        sentences.add(ids);
        boolean[] w = new boolean[ids.length];
        Arrays.fill(w, true);
        starts.add(w);
      }
      docs.add(new TokenizedDocument(seed * 1_000_003L + d, sentences, starts));
    }
    RandomNextPool pool = new RandomNextPool(docs);
    BertObjectiveConfig cfg = new BertObjectiveConfig(SEQ, 0.1, 0.15, PREDICTIONS, 1, false, null, null);
    List<BertExample> out = new ArrayList<>();
    for (TokenizedDocument d : docs) {
      out.addAll(BertExamples.create(d, 0, pool, cfg, IDS, new SplittableRandom(d.key())));
    }
    return out;
  }

  static TransformerConfig model() {
    // No dropout: exactness tests compare runs whose dropout masks would differ.
    return TransformerConfig.preset("bert-tiny").withVocabSize(VOCAB).withDropout(0, 0);
  }

  static TrainerConfig trainer(int workers, int micro, int accumulation, int frequency, int steps) {
    return new TrainerConfig(workers, micro, accumulation, frequency, steps, 1e-3, 2, TrainerConfig.Decay.LINEAR,
        0.01, null, null, null, 1.0, 1000, 3, null, null);
  }

  static ComputationGraph graph(TrainerConfig t, long seed) {
    return BertModel.build(model(), TrainJob.optimizer(t), seed);
  }

  static BertTrainingObjective objective() {
    return new BertTrainingObjective(SEQ, PREDICTIONS);
  }
}
