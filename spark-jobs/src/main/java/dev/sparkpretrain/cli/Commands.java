package dev.sparkpretrain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.DataConfig;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.config.TokenizerConfig;
import dev.sparkpretrain.demo.Demo;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.train.TrainJob;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/** The commands behind {@link Main}: each parses its options, checks them, then opens Spark. */
final class Commands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Commands() {}

  static void demo(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("output", "workers", "max-steps"), Set.of());
    Path output = Path.of(args.get("output", "target/demo")).toAbsolutePath();
    PretrainConfig config = Demo.defaultConfig();
    Integer workers = args.intValue("workers");
    Integer maxSteps = args.intValue("max-steps");
    if (workers != null) {
      config = config.withTrainer(config.trainer().withWorkers(workers));
    }
    if (maxSteps != null) {
      config = config.withTrainer(config.trainer().withMaxSteps(maxSteps));
    }
    try (SparkSession spark = Sessions.open("demo", config.trainer().workers())) {
      spark.sparkContext().setLogLevel("WARN");
      Demo.run(spark, config, output, out);
    }
  }

  static void trainTokenizer(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("input", "output", "model", "vocab-size", "min-frequency", "format",
        "text-field", "special-tokens", "normalization"), Set.of("cased", "lowercase"));
    String input = require(args, "input");
    String output = require(args, "output");
    DataConfig data = new DataConfig(Arrays.asList(input.split(",")),
        args.get("format") == null ? null : parseEnum(DataConfig.InputFormat.class, "--format", args.get("format")),
        args.get("text-field"), null, null, null, null, null, null, null, null, null);
    if (args.flag("cased") && args.flag("lowercase")) {
      throw new ConfigException("--cased and --lowercase: give at most one");
    }
    Boolean lowercase = args.flag("lowercase") ? Boolean.TRUE : args.flag("cased") ? Boolean.FALSE : null;
    String specials = args.get("special-tokens");
    if (specials != null && specials.isBlank()) {
      throw new ConfigException("--special-tokens: expected tokens separated by commas, got nothing");
    }
    TokenizerConfig tc;
    try {
      tc = new TokenizerConfig(null,
          args.get("model") == null ? null : parseEnum(TokenizerConfig.Model.class, "--model", args.get("model")),
          args.intValue("vocab-size"),
          args.get("min-frequency") == null ? null : (long) args.intValue("min-frequency"), lowercase,
          specials == null ? null : Arrays.asList(specials.split(",", -1)),
          args.get("normalization") == null ? null
              : parseEnum(TokenizerConfig.Normalization.class, "--normalization", args.get("normalization")));
    } catch (ConfigException e) {
      // Name the option the user typed, not the config key behind it.
      throw new ConfigException(optionName(e.getMessage()));
    }
    try (SparkSession spark = Sessions.open("tokenizer train", 0)) {
      Tokenizer t = TokenizerTrainJob.train(spark, data, tc);
      Files.writeString(Path.of(output), t.toJson());
      out.printf(Locale.ROOT, "wrote %s: %s, %,d tokens%n", output, Main.lower(tc.model()), t.vocabSize());
    }
  }

  static void prepare(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("config", "input", "output", "tokenizer"), Set.of("overwrite"));
    PretrainConfig config = PretrainConfig.load(Path.of(require(args, "config")));
    if (args.get("input") != null) {
      config = config.withData(config.data().withInput(Arrays.asList(args.get("input").split(","))));
    }
    if (args.get("tokenizer") != null) {
      config = config.withTokenizer(config.tokenizer().withFile(args.get("tokenizer")));
    }
    String output = require(args, "output");
    boolean overwrite = args.flag("overwrite");
    PrepareJob.checkOutput(new Configuration(), output, overwrite);
    Tokenizer tokenizer = null;
    String fingerprint = null;
    if (config.tokenizer().file() != null) {
      Path file = Path.of(config.tokenizer().file());
      if (!Files.isRegularFile(file)) {
        throw new ConfigException("tokenizer.file: not found: " + file);
      }
      tokenizer = loadTokenizer(file);
      fingerprint = sha256(file);
    }
    try (SparkSession spark = Sessions.open("prepare", 0, PrepareJob.SESSION_DEFAULTS,
        PrepareJob.LOCAL_SESSION_DEFAULTS)) {
      if (tokenizer == null) {
        tokenizer = TokenizerTrainJob.train(spark, config.data(), config.tokenizer());
        Path file = Path.of(output + ".tokenizer.json");
        Files.writeString(file, tokenizer.toJson());
        fingerprint = sha256(file);
        out.println("trained tokenizer -> " + file);
      }
      ObjectNode manifest = PrepareJob.run(spark, config, tokenizer, fingerprint, output, overwrite);
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest.get("counts")));
    }
  }

  static void train(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("config", "data", "output", "workers", "max-steps"), Set.of("resume"));
    PretrainConfig config = PretrainConfig.load(Path.of(require(args, "config")));
    String data = require(args, "data");
    String output = require(args, "output");
    if (args.intValue("workers") != null) {
      config = config.withTrainer(config.trainer().withWorkers(args.intValue("workers")));
    }
    if (args.intValue("max-steps") != null) {
      config = config.withTrainer(config.trainer().withMaxSteps(args.intValue("max-steps")));
    }
    ObjectNode manifest = TrainJob.readManifest(new Configuration(), data); // fail before Spark: not a dataset
    TrainJob.checkModelSize(config, manifest); // fail before Spark too: a model too large for the trainer
    try (SparkSession spark = Sessions.open("train", 0)) {
      TrainJob.Summary s = TrainJob.run(spark, config, data, output, args.flag("resume"), out);
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("step", s.step(),
          "first_loss", s.firstLoss(), "last_loss", s.lastLoss(), "evaluation", s.evaluation(),
          "checkpoint", String.valueOf(s.checkpoint()))));
    }
  }

  static void eval(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("checkpoint", "data", "batch-size"), Set.of());
    String checkpoint = require(args, "checkpoint");
    String data = require(args, "data");
    Configuration hadoop = new Configuration();
    ObjectNode manifest = TrainJob.readManifest(hadoop, data);
    try (SparkSession spark = Sessions.open("eval", 0)) {
      var loaded = dev.sparkpretrain.train.Checkpoints.load(spark.sparkContext().hadoopConfiguration(), checkpoint);
      PretrainConfig config = JSON.treeToValue(loaded.state().get("config"), PretrainConfig.class);
      var trainer = new dev.sparkpretrain.train.ParameterAveragingTrainer<>(config.trainer(), config.seed(),
          TrainJob.objective(manifest, data));
      Integer bs = args.intValue("batch-size");
      Map<String, Object> result = TrainJob.evaluate(spark, trainer, loaded.graph(), data + "/validation",
          bs == null ? 32 : bs);
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }
  }

  static void modelSummary(List<String> argv, PrintStream out) {
    Args args = new Args(argv, Set.of("preset"), Set.of("json"));
    String preset = require(args, "preset");
    if (!dev.sparkpretrain.model.TransformerConfig.presetNames().contains(preset)) {
      throw new ConfigException("--preset: unknown preset '" + preset + "'; known: "
          + dev.sparkpretrain.model.TransformerConfig.presetNames());
    }
    var summary = dev.sparkpretrain.model.ModelSummary.ofPreset(preset);
    out.println(args.flag("json") ? summary.toJson() : summary.toTable());
  }

  static void inspect(List<String> argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("rows"), Set.of());
    if (args.positional().size() != 1) {
      throw new Args.UsageException("inspect: expected one SHARDS folder");
    }
    String shards = args.positional().get(0);
    TrainJob.readManifest(new Configuration(), shards);
    Integer rows = args.intValue("rows");
    try (SparkSession spark = Sessions.open("inspect", 1)) {
      InspectCommand.run(spark, shards, rows == null ? 3 : rows, out);
    }
  }

  static void encode(List<String> argv, PrintStream out, PrintStream err) throws Exception {
    Args args = new Args(argv, Set.of("tokenizer", "input", "output", "text-field"), Set.of("no-special-tokens"));
    Path tokenizerFile = Path.of(require(args, "tokenizer"));
    Path input = Path.of(require(args, "input"));
    Path output = Path.of(require(args, "output"));
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new ConfigException("--tokenizer: not found: " + tokenizerFile);
    }
    if (!Files.isRegularFile(input)) {
      throw new ConfigException("--input: not found: " + input);
    }
    Tokenizer tokenizer = loadTokenizer(tokenizerFile);
    EncodeCommand.Stats s = EncodeCommand.run(tokenizer, input, output, args.get("text-field", "text"),
        !args.flag("no-special-tokens"), err);
    out.printf(Locale.ROOT, "encoded %d lines (%d bad, reported above) -> %s%n", s.lines(), s.bad(), output);
  }

  static Tokenizer loadTokenizer(Path file) {
    try {
      return Tokenizer.load(file);
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /** "tokenizer.vocab_size: ..." → "--vocab-size: ..." for errors of the tokenizer train options. */
  private static String optionName(String message) {
    for (String key : List.of("vocab_size", "min_frequency", "special_tokens")) {
      if (message.startsWith("tokenizer." + key + ":")) {
        return "--" + key.replace('_', '-') + message.substring(("tokenizer." + key).length());
      }
    }
    return message;
  }

  private static String require(Args args, String name) {
    String v = args.get(name);
    if (v == null) {
      throw new Args.UsageException("missing required option --" + name);
    }
    return v;
  }

  static <T extends Enum<T>> T parseEnum(Class<T> type, String option, String value) {
    for (T c : type.getEnumConstants()) {
      if (c.name().equalsIgnoreCase(value)) {
        return c;
      }
    }
    throw new ConfigException(option + ": expected one of " + Arrays.toString(type.getEnumConstants())
        .toLowerCase(Locale.ROOT) + ", got " + value);
  }

  static String sha256(Path file) throws IOException {
    return dev.sparkpretrain.corpus.ContentHash.sha256(file);
  }
}
