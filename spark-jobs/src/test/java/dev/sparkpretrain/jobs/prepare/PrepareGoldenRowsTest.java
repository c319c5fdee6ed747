package dev.sparkpretrain.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rows and counts of {@code prepare} stay exactly those pinned in {@code golden-rows.properties} (first made by
 * the implementation before the speed work, commit f11986b; regenerated once on purpose, see that file's header): a
 * digest of the sorted rows of each split and the manifest counts, for each objective. A restructured pipeline
 * (serialization, caching, shuffles) must not change a single row.
 */
class PrepareGoldenRowsTest {
  static SparkSession spark;
  @TempDir static Path dir;
  static Path corpus;
  static Properties golden = new Properties();

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("PrepareGoldenRowsTest", 3, PrepareJob.SESSION_DEFAULTS);
    // ~300 KB of the bundled novel, one paragraph per line, with a duplicate, control characters, a blank line
    // and a line too short to keep.
    String text;
    try (InputStream in = PrepareGoldenRowsTest.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      text = new String(in.readNBytes(300_000), StandardCharsets.UTF_8);
    }
    StringBuilder lines = new StringBuilder();
    for (String para : text.split("\n\n")) {
      lines.append(para.replace('\n', ' ')).append('\n');
    }
    lines.append("Call me Ishmael, again\u0007 and again and again.\n");
    lines.append("Call me  Ishmael, again and again and again.\n"); // the same after cleaning
    lines.append("\n");
    lines.append("short\n");
    corpus = dir.resolve("corpus.txt");
    Files.writeString(corpus, lines.toString());
    try (InputStream in = PrepareGoldenRowsTest.class.getResourceAsStream("golden-rows.properties")) {
      golden.load(in);
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static PretrainConfig config(String tokenizer, String objective) {
    return PretrainConfig.parse("""
        seed: 3
        data:
          input: [%s]
          format: lines
          min_chars: 30
          validation_fraction: 0.1
          target_shard_mb: 1
        tokenizer:
          %s
        objective:
          %s
        """.formatted(corpus.toUri(), tokenizer, objective), "test");
  }

  static PretrainConfig config(String objective) {
    return switch (objective) {
      case "bert" -> config("vocab_size: 1500", """
          type: bert
            max_seq_length: 64
            max_predictions_per_seq: 10
            dupe_factor: 2
            whole_word_masking: true
            random_next_pool: 200""");
      case "gpt" -> config("{model: bpe, vocab_size: 800}", """
          type: gpt
            max_seq_length: 48
            end_of_text: "<|endoftext|>\"""");
      default -> config("{model: unigram, vocab_size: 800}", """
          type: t5
            max_seq_length: 64""");
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"bert", "gpt", "t5"})
  void rowsAndCountsAreThoseOfTheReferenceImplementation(String objective) throws IOException {
    PretrainConfig c = config(objective);
    Tokenizer tokenizer = TokenizerTrainJob.train(spark, c.data(), c.tokenizer());
    String out = dir.resolve(objective).toUri().toString();
    ObjectNode manifest = PrepareJob.run(spark, c, tokenizer, "0".repeat(64), out, false);
    Map<String, String> actual = new TreeMap<>();
    for (String split : List.of("train", "validation")) {
      actual.put(objective + "." + split, digest(out + "/" + split));
    }
    actual.put(objective + ".counts", manifest.get("counts").toString());
    Map<String, String> expected = new TreeMap<>();
    actual.keySet().forEach(k -> expected.put(k, golden.getProperty(k)));
    assertEquals(expected, actual);
  }

  /** sha256 of the split's rows, each as its string form, sorted: independent of files and row order. */
  static String digest(String path) {
    List<String> rows = new ArrayList<>();
    for (Row r : spark.read().parquet(path).collectAsList()) {
      rows.add(r.toString());
    }
    rows.sort(null);
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String r : rows) {
        md.update(r.getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
      }
      return rows.size() + ":" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
