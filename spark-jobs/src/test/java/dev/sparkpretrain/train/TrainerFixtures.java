package dev.sparkpretrain.train;

import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import dev.sparkpretrain.model.bert.BertModel;
import dev.sparkpretrain.model.gpt.GptModel;
import dev.sparkpretrain.model.t5.T5Model;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.BertExamples;
import dev.sparkpretrain.objective.BertVocab;
import dev.sparkpretrain.objective.RandomNextPool;
import dev.sparkpretrain.objective.TokenizedDocument;
import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A tiny BERT and BERT examples built by the real example code from a seeded synthetic corpus; T5 and GPT examples;
 * real shards prepared from the bundled novel.
 */
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
    BertObjectiveConfig cfg = new BertObjectiveConfig(SEQ, 0.1, 0.15, PREDICTIONS, 1, false, null, null, null);
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
        0.01, null, null, null, 1.0, 1000, 3, null, null, null);
  }

  static ComputationGraph graph(TrainerConfig t, long seed) {
    return BertModel.build(model(), TrainJob.optimizer(t), seed);
  }

  static BertTrainingObjective objective() {
    return new BertTrainingObjective(SEQ, PREDICTIONS);
  }

  /**
   * T5 pairs whose target lengths vary from 2 to 21 ids, so that micro-batches of one step hold different numbers of
   * target tokens (what makes per-micro-batch means inexact).
   */
  static List<T5TrainingObjective.Pair> t5Pairs(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<T5TrainingObjective.Pair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] inputs = new int[4 + rng.nextInt(SEQ - 4)];
      int[] targets = new int[2 + (i * 7) % 20];
      for (int j = 0; j < inputs.length; j++) {
        inputs[j] = 5 + rng.nextInt(VOCAB - 5);
      }
      for (int j = 0; j < targets.length; j++) {
        targets[j] = inputs[j % inputs.length]; // copy-like structure: learnable
      }
      out.add(new T5TrainingObjective.Pair(seed * 1_000_003L + i, inputs, targets));
    }
    return out;
  }

  static ComputationGraph t5Graph(TrainerConfig t, long seed) {
    return T5Model.build(TransformerConfig.preset("t5-tiny").withVocabSize(VOCAB).withDropout(0, 0),
        TrainJob.optimizer(t), seed);
  }

  /** GPT windows of {@code SEQ + 1} ids. */
  static List<GptTrainingObjective.Window> gptWindows(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<GptTrainingObjective.Window> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[SEQ + 1];
      for (int j = 0; j < ids.length; j++) {
        ids[j] = 5 + rng.nextInt(VOCAB - 5);
      }
      out.add(new GptTrainingObjective.Window(seed * 1_000_003L + i, ids));
    }
    return out;
  }

  static ComputationGraph gptGraph(TrainerConfig t, long seed) {
    return GptModel.build(TransformerConfig.preset("gpt2-tiny").withVocabSize(VOCAB).withDropout(0, 0),
        TrainJob.optimizer(t), seed);
  }

  /** Shards prepared by the real jobs, and what made them. */
  record Prepared(PretrainConfig config, Tokenizer tokenizer, String tokenizerSha, String shards) {}

  /**
   * Writes the bundled novel's first {@code bytes} to {@code dir/corpus.txt}, trains the config's tokenizer on it and
   * prepares shards into {@code dir/shards}.
   *
   * @param yaml the config, with {@code %s} where the corpus URI goes ({@code data.input})
   */
  static Prepared prepare(SparkSession spark, Path dir, int bytes, String yaml) throws IOException {
    Path corpus = dir.resolve("corpus.txt");
    try (InputStream in = TrainerFixtures.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      Files.write(corpus, in.readNBytes(bytes));
    }
    PretrainConfig config = PretrainConfig.parse(yaml.formatted(corpus.toUri()), "test");
    Tokenizer tokenizer = TokenizerTrainJob.train(spark, config.data(), config.tokenizer());
    Path tokenizerFile = dir.resolve("tokenizer.json");
    Files.writeString(tokenizerFile, tokenizer.toJson());
    String sha = ContentHash.sha256(tokenizerFile);
    String shards = dir.resolve("shards").toUri().toString();
    PrepareJob.run(spark, config, tokenizer, sha, shards, false);
    return new Prepared(config, tokenizer, sha, shards);
  }
}
