package dev.sparkpretrain.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.TrainerConfig;
import dev.sparkpretrain.jobs.prepare.BertShards;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.model.OptimizerConfig;
import dev.sparkpretrain.model.TransformerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code train}: shards + config → {@code RUN/metrics.jsonl}, {@code RUN/checkpoints/}, {@code RUN/config.json},
 * then an evaluation on the validation split. Refuses shards whose manifest is missing or whose tokenizer does
 * not match the model, before any work.
 */
public final class TrainJob {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainJob() {}

  /** The outcome of a run. */
  public record Summary(int step, double firstLoss, double lastLoss, Map<String, Object> evaluation,
      String checkpoint, ComputationGraph graph) {}

  /** Reads and checks {@code SHARDS/_manifest.json}. */
  public static ObjectNode readManifest(Configuration hadoop, String shards) {
    Path p = new Path(shards, PrepareJob.MANIFEST);
    try {
      FileSystem fs = p.getFileSystem(hadoop);
      if (!fs.exists(p)) {
        throw new ConfigException("--data " + shards + ": no " + PrepareJob.MANIFEST
            + " (not a dataset written by 'prepare', or an incomplete one)");
      }
      try (InputStream in = fs.open(p)) {
        return (ObjectNode) JSON.readTree(in);
      }
    } catch (IOException e) {
      throw new ConfigException("--data " + shards + ": cannot read manifest: " + e.getMessage(), e);
    }
  }

  /**
   * The most parameters a run takes: the driver sums the workers' parameters ‖ Adam moments (3 floats per parameter)
   * in one Java {@code float[]} ({@link FlatState}), whose length is at most {@code Integer.MAX_VALUE - 8}.
   */
  static final long MAX_PARAMETERS = (Integer.MAX_VALUE - 8) / 3;

  /**
   * Fails, before Spark starts, for a model the trainer cannot hold.
   *
   * <p>Each round every worker leaves its parameters and Adam's two moments (12 bytes per parameter) in its
   * executor's block manager in 16 MiB chunks and returns only their names ({@link RoundResultBlocks}), and the
   * broadcast of the averaged state travels in Spark's 4 MiB pieces, so no Spark size limit grows with the model
   * (before, each worker's state was one task result: one Kryo buffer below 2 GB, refused above ~173 M parameters).
   * What grows is memory: the driver's heap holds the summed state (12 bytes per parameter) and, until the workers
   * have read it, the broadcast's serialized pieces (12 more); each executor's storage memory holds its workers'
   * chunks until the driver has summed them (or spills them to disk). The only limit left is
   * {@link #MAX_PARAMETERS}.
   *
   * <p>Example: {@code checkModelSize("bert-large", 340_000_000L)} passes; 800 M parameters fail.
   */
  public static void checkModelSize(String preset, long parameters) {
    if (parameters > MAX_PARAMETERS) {
      throw new ConfigException(String.format(Locale.ROOT, "model.preset %s: %,d parameters; the driver sums the "
          + "workers' parameters and Adam moments (3 floats per parameter) in one Java array of at most %,d floats: "
          + "models up to %,d parameters train", preset, parameters, Integer.MAX_VALUE - 8, MAX_PARAMETERS));
    }
  }

  /**
   * {@link #checkModelSize(String, long)} for training {@code config} on the shards whose manifest is
   * {@code manifest} (the vocabulary size comes from the shards' tokenizer); counts the parameters from the graph
   * configuration without building the graph.
   */
  public static void checkModelSize(PretrainConfig config, ObjectNode manifest) {
    int vocabSize = manifest.path("tokenizer").path("vocab_size").asInt();
    TransformerConfig architecture = config.model().architecture();
    if (vocabSize > 0) {
      architecture = architecture.withVocabSize(vocabSize);
    }
    long parameters = dev.sparkpretrain.model.ModelSummary.of(config.model().preset(),
        dev.sparkpretrain.model.PretrainingGraphs.configuration(architecture, optimizer(config.trainer()), 0,
            org.nd4j.linalg.api.buffer.DataType.FLOAT)).parameters();
    checkModelSize(config.model().preset(), parameters);
  }

  public static OptimizerConfig optimizer(TrainerConfig t) {
    // A run shortened below its warm-up (e.g. --max-steps 5) warms up over all of it.
    return new OptimizerConfig(t.learningRate(), t.adamBeta1(), t.adamBeta2(), t.adamEpsilon(), t.weightDecay(),
        Math.min(t.warmupSteps(), t.maxSteps()), t.maxSteps(), OptimizerConfig.Decay.valueOf(t.decay().name()));
  }

  public static Summary run(SparkSession spark, PretrainConfig config, String shards, String runDir, boolean resume,
      PrintStream console) throws IOException {
    return run(spark, config, shards, runDir, resume, console, Integer.MAX_VALUE);
  }

  /** Signals the simulated interruption of {@link #run(SparkSession, PretrainConfig, String, String, boolean, PrintStream, int)}. */
  public static final class Interrupted extends RuntimeException {
    Interrupted(int step) {
      super("interrupted after step " + step);
    }
  }

  /**
   * As {@link #run(SparkSession, PretrainConfig, String, String, boolean, PrintStream)}, but dies with
   * {@link Interrupted} after the round that reaches {@code interruptAfterStep}, as a killed job would: the
   * checkpoints written so far stay, nothing else is saved (resume tests).
   */
  public static Summary run(SparkSession spark, PretrainConfig config, String shards, String runDir, boolean resume,
      PrintStream console, int interruptAfterStep) throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = sc.hadoopConfiguration();
    ObjectNode manifest = readManifest(hadoop, shards);
    return runWith(objective(manifest, shards), spark, config, shards, runDir, resume, console, interruptAfterStep,
        manifest);
  }

  /** The training objective of a dataset, from its manifest. */
  public static TrainingObjective<?> objective(ObjectNode manifest, String shards) {
    int seqLength = manifest.path("sequence_length").asInt();
    JsonNode objectiveConf = manifest.path("config").path("objective");
    String name = manifest.path("objective").asText();
    return switch (name) {
      case "bert" -> BertShards.dynamicMasking(manifest, shards)
          .map(rule -> new BertTrainingObjective(seqLength, rule))
          .orElseGet(() -> new BertTrainingObjective(seqLength, objectiveConf.path("max_predictions_per_seq").asInt(
              BertObjectiveConfig.defaults().maxPredictionsPerSeq())));
      case "gpt" -> new GptTrainingObjective(seqLength);
      case "t5" -> new T5TrainingObjective();
      default -> throw new ConfigException("--data " + shards + ": unknown objective '" + name + "'");
    };
  }

  private static <E extends java.io.Serializable> Summary runWith(TrainingObjective<E> objective, SparkSession spark,
      PretrainConfig config, String shards, String runDir, boolean resume, PrintStream console,
      int interruptAfterStep, ObjectNode manifest) throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = sc.hadoopConfiguration();
    int vocabSize = manifest.path("tokenizer").path("vocab_size").asInt();
    String fingerprint = manifest.path("tokenizer").path("sha256").asText();
    int seqLength = manifest.path("sequence_length").asInt();

    TrainerConfig tc = config.trainer();
    TransformerConfig modelConfig = config.model().architecture().withVocabSize(vocabSize);
    if (modelConfig.maxPositions() < seqLength) {
      throw new ConfigException("model.preset " + config.model().preset() + " has " + modelConfig.maxPositions()
          + " positions, fewer than the shards' sequence length " + seqLength);
    }

    Checkpoints checkpoints = new Checkpoints(hadoop, runDir + "/checkpoints", tc.keepCheckpoints());
    ComputationGraph graph;
    ObjectNode loadedState = null;
    int startStep = 0;
    Optional<Path> newest = resume ? checkpoints.newest() : Optional.empty();
    if (resume && newest.isEmpty()) {
      console.println("resume: no checkpoint under " + runDir + "/checkpoints, starting from step 0");
    }
    if (newest.isPresent()) {
      Checkpoints.Loaded loaded = Checkpoints.load(hadoop, newest.get().toString());
      String ckptFingerprint = loaded.state().path("tokenizer_sha256").asText();
      if (!ckptFingerprint.equals(fingerprint)) {
        throw new ConfigException("--resume: checkpoint " + newest.get() + " was trained with tokenizer "
            + ckptFingerprint + ", the shards use " + fingerprint);
      }
      graph = loaded.graph();
      loadedState = loaded.state();
      startStep = loaded.state().path("step").asInt();
      console.printf(Locale.ROOT, "resume: from %s (step %d)%n", newest.get(), startStep);
    } else {
      graph = objective.build(modelConfig, optimizer(tc), config.seed());
    }
    int modelVocab = modelConfig.vocabSize();
    if (modelVocab != vocabSize) {
      throw new ConfigException("model vocabulary " + modelVocab + " != tokenizer vocabulary " + vocabSize);
    }

    Path run = new Path(runDir);
    FileSystem fs = run.getFileSystem(hadoop);
    fs.mkdirs(run);
    try (var out = fs.create(new Path(run, "config.json"), true)) {
      out.write(config.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    ParameterAveragingTrainer<E> trainer = new ParameterAveragingTrainer<>(tc, config.seed(), objective);
    if (tc.threadsPerWorker() > 1) {
      // Replicas of a worker run at once: without as many cores per task they only take turns on one.
      int taskCpus = sc.getConf().getInt("spark.task.cpus", 1);
      console.println("train: " + tc.threadsPerWorker() + " replicas per worker (threads_per_worker)"
          + (taskCpus < tc.threadsPerWorker() ? "; spark.task.cpus is " + taskCpus + ", set it to "
              + tc.threadsPerWorker() + " so that each task gets the cores" : ""));
    }
    if (tc.precision() != TrainerConfig.Precision.FP32) {
      // ND4J's CPU backend runs half-precision products far slower than FP32: say so rather than look stuck.
      console.println("train: precision " + tc.precision().name().toLowerCase(Locale.ROOT)
          + ": FP32 master weights, " + ComputeCopy.dataType(tc.precision()) + " compute copy on each worker"
          + (tc.precision() == TrainerConfig.Precision.FP16 ? ", dynamic loss scaling" : "")
          + (Nd4j.getBackend().getClass().getSimpleName().startsWith("CpuBackend")
              ? " (CPU backend: slower than fp32, meant for GPUs)" : ""));
    }
    if (tc.precision() == TrainerConfig.Precision.FP16) {
      LossScaler scaler = LossScaler.initial(tc.lossScaleWindow());
      if (newest.isPresent() && loadedState != null && loadedState.has("loss_scale")) {
        scaler = new LossScaler(loadedState.get("loss_scale").asDouble(),
            loadedState.path("loss_scale_clean_steps").asInt(), tc.lossScaleWindow(), 1.0);
      }
      trainer.lossScaler(scaler);
    }
    JavaRDD<java.util.List<E>> data = trainer.workerData(spark.read().parquet(shards + "/train"));

    console.printf(Locale.ROOT, "train: %s, %,d parameters, %d workers x %d micro-batches of %d, %d steps%n",
        config.model().preset(), graph.numParams(), tc.workers(), tc.gradientAccumulation(), tc.microBatchSize(),
        tc.maxSteps());
    ProgressBar bar = new ProgressBar(console, startStep, tc.maxSteps());
    double[] firstLast = {Double.NaN, Double.NaN};
    String[] lastCheckpoint = {newest.map(Path::toString).orElse(null)};
    int checkpointEvery = tc.checkpointEvery();
    int maxSteps = tc.maxSteps();
    try (MetricsLog metrics = new MetricsLog(hadoop, runDir + "/metrics.jsonl", startStep > 0)) {
      int end = trainer.fit(sc, data, graph, startStep, (steps, g) -> {
        for (ParameterAveragingTrainer.StepMetrics m : steps) {
          Map<String, Object> rec = new LinkedHashMap<>();
          rec.put("step", m.step());
          rec.put("loss", m.loss());
          rec.put("lr", m.learningRate());
          rec.put("grad_norm", m.gradNorm());
          rec.put("tokens_per_s", m.tokensPerSecond());
          rec.put("tokens", m.tokens());
          rec.put("sync_fraction", m.syncFraction());
          rec.putAll(m.accuracy());
          if (m.accuracy().containsKey("lm_accuracy")) {
            rec.put("perplexity", Math.exp(m.loss()));
          }
          if (!Double.isNaN(m.lossScale())) {
            rec.put("loss_scale", m.lossScale());
          }
          metrics.write(rec);
          if (Double.isNaN(firstLast[0])) {
            firstLast[0] = m.loss();
          }
          firstLast[1] = m.loss();
        }
        ParameterAveragingTrainer.StepMetrics last = steps.get(steps.size() - 1);
        bar.update(last.step(), last.loss(), last.tokensPerSecond());
        if (last.step() >= interruptAfterStep) {
          throw new Interrupted(last.step());
        }
        boolean crossed = (last.step() / checkpointEvery) > ((last.step() - steps.size()) / checkpointEvery);
        if (crossed || last.step() >= maxSteps) {
          ObjectNode st = state(config, last.step(), fingerprint, vocabSize, tc);
          LossScaler scaler = trainer.lossScaler();
          if (scaler != null) {
            st.put("loss_scale", scaler.scale());
            st.put("loss_scale_clean_steps", scaler.cleanSteps());
          }
          lastCheckpoint[0] = checkpoints.write(g, st, last.step()).toString();
        }
      });
      data.unpersist(false);
      metrics.close();
      TrainingReport.fromMetrics(hadoop, runDir, "spark-pretrain: " + config.model().preset() + ", " + end
          + " steps");
      Map<String, Object> evaluation = evaluate(spark, trainer, graph, shards + "/validation", tc.microBatchSize());
      return new Summary(end, firstLast[0], firstLast[1], evaluation, lastCheckpoint[0], graph);
    }
  }

  static ObjectNode state(PretrainConfig config, int step, String fingerprint, int vocabSize, TrainerConfig tc)
      throws IOException {
    ObjectNode s = JSON.createObjectNode();
    s.put("step", step);
    s.put("seed", config.seed());
    s.put("workers", tc.workers());
    // Data position: every worker has consumed this many examples of its (seeded, per-epoch) permutation.
    s.put("examples_per_worker", (long) step * tc.gradientAccumulation() * tc.microBatchSize());
    s.put("tokenizer_sha256", fingerprint);
    s.put("vocab_size", vocabSize);
    s.set("config", JSON.readTree(config.toJson()));
    return s;
  }

  /** Loss and accuracies ({@code mlm_accuracy}, {@code nsp_accuracy}, {@code lm_accuracy}) on a split. */
  public static <E extends java.io.Serializable> Map<String, Object> evaluate(SparkSession spark,
      ParameterAveragingTrainer<E> trainer, ComputationGraph graph, String split, int batchSize) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.setJobGroup("eval", "evaluate on " + split, false);
    TrainingObjective<E> objective = trainer.objective();
    JavaRDD<E> examples = spark.read().parquet(split).javaRDD().map(objective::fromRow);
    TrainingObjective.Evaluation e = trainer.evaluate(sc, examples, graph, batchSize);
    sc.clearJobGroup();
    Map<String, Object> out = e.summary();
    if (out.containsKey("lm_accuracy") || out.containsKey("target_accuracy")) {
      out.put("perplexity", Math.exp((double) out.get("loss")));
    }
    return out;
  }
}
