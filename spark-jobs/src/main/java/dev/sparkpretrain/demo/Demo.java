package dev.sparkpretrain.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.train.TrainJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The end-to-end demo on the bundled corpus: WordPiece trained on Spark → BERT shards → tiny BERT trained by
 * parameter averaging → checkpoint → validation metrics. Everything under one output folder:
 * {@code corpus/}, {@code tokenizer.json}, {@code shards/}, {@code checkpoints/}, {@code metrics.jsonl}.
 */
public final class Demo {
  private static final String RESOURCES = "/dev/sparkpretrain/demo/";

  private Demo() {}

  /** What the demo produced. */
  public record Result(Path tokenizerFile, ObjectNode manifest, TrainJob.Summary training) {}

  public static PretrainConfig defaultConfig() throws IOException {
    return PretrainConfig.parse(resource("demo.yaml"), "demo.yaml (bundled)");
  }

  public static Result run(SparkSession spark, PretrainConfig config, Path output, PrintStream out)
      throws IOException {
    // The demo folder is disposable: a rerun replaces it.
    deleteRecursively(output);
    Files.createDirectories(output.resolve("corpus"));
    Path corpus = output.resolve("corpus/moby-dick.txt");
    try (InputStream in = Demo.class.getResourceAsStream(RESOURCES + "moby-dick.txt")) {
      Files.copy(in, corpus, StandardCopyOption.REPLACE_EXISTING);
    }
    config = config.withData(config.data().withInput(List.of(corpus.toUri().toString())));
    long t0 = System.nanoTime();
    out.printf(Locale.ROOT, "demo: corpus %s (%,d bytes), output %s%n", corpus, Files.size(corpus), output);

    out.printf(Locale.ROOT, "[1/4] tokenizer: counting words on Spark, training WordPiece (vocab %d)%n",
        config.tokenizer().vocabSize());
    Tokenizer tokenizer = TokenizerTrainJob.train(spark, config.data(), config.tokenizer());
    Path tokenizerFile = output.resolve("tokenizer.json");
    Files.writeString(tokenizerFile, tokenizer.toJson());
    String fingerprint = ContentHash.sha256(tokenizerFile);
    out.printf(Locale.ROOT, "      %,d tokens -> %s%n", tokenizer.vocabSize(), tokenizerFile);

    out.println("[2/4] prepare: sentences, token ids, BERT examples (masked LM 80/10/10, next sentence) -> Parquet");
    String shards = output.resolve("shards").toUri().toString();
    ObjectNode manifest = PrepareJob.run(spark, config, tokenizer, fingerprint, shards, false);
    ObjectNode counts = (ObjectNode) manifest.get("counts");
    out.printf(Locale.ROOT, "      documents read %d = used %d + rejected %d + duplicate %d; examples: train %d, "
            + "validation %d%n", counts.get("documents_read").asLong(), counts.get("documents_used").asLong(),
        counts.get("documents_rejected").asLong(), counts.get("documents_duplicate").asLong(),
        counts.path("train").path("examples").asLong(), counts.path("validation").path("examples").asLong());

    out.printf(Locale.ROOT, "[3/4] train: %s by parameter averaging on %d Spark workers, gradient accumulation %d%n",
        config.model().preset(), config.trainer().workers(), config.trainer().gradientAccumulation());
    TrainJob.Summary summary = TrainJob.run(spark, config, shards, output.toUri().toString(), false, out);

    out.println("[4/4] evaluated on the held-out validation shard");
    out.printf(Locale.ROOT, "%ndemo finished in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    out.printf(Locale.ROOT, "  steps             %d%n", summary.step());
    out.printf(Locale.ROOT, "  loss              %.4f -> %.4f%n", summary.firstLoss(), summary.lastLoss());
    for (Map.Entry<String, Object> e : summary.evaluation().entrySet()) {
      out.printf(Locale.ROOT, "  eval %-12s %s%n", e.getKey(), e.getValue());
    }
    out.printf(Locale.ROOT, "  checkpoint        %s%n", summary.checkpoint());
    out.printf(Locale.ROOT, "  metrics           %s%n", output.resolve("metrics.jsonl"));
    return new Result(tokenizerFile, manifest, summary);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = Demo.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("missing resource " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
