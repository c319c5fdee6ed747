package dev.sparkpretrain.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single 50 MB document, once as plain text with spaces and once without any whitespace, in each line-based
 * format (lines, JSONL), among ordinary documents. It must not fail the job: rejected as {@code too_long} under
 * the default {@code max_chars}, with the counts adding up, and used (sentence splitting and tokenization in
 * linear time) when {@code max_chars} allows it. The files are generated in a temporary folder.
 */
class LongDocumentTest {
  static final int SIZE = 50_000_000;
  static final List<String> SHORT = List.of(
      "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about a little.",
      "It is a way I have of driving off the spleen and regulating the circulation.",
      "Whenever I find myself growing grim about the mouth, I account it high time to get to sea.");
  static SparkSession spark;
  @TempDir static Path dir;
  static String novel;
  static Tokenizer tokenizer;

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("LongDocumentTest", 3, PrepareJob.SESSION_DEFAULTS);
    try (InputStream in = LongDocumentTest.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      novel = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("[^\\x20-\\x7E]+", " ");
    }
    Path sample = dir.resolve("sample.txt");
    Files.write(sample, List.of(novel.substring(0, 200_000).split("\\. ")));
    PretrainConfig c = PretrainConfig.parse("""
        data: {input: [%s]}
        tokenizer: {vocab_size: 1000}
        """.formatted(sample.toUri()), "test");
    tokenizer = TokenizerTrainJob.train(spark, c.data(), c.tokenizer());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** The novel on one line with spaces, or with no whitespace at all. */
  static String flat(boolean spaces) {
    String flat = novel.replaceAll("\\s+", " ").replace("\\", "").replace("\"", "'");
    return spaces ? flat : flat.replace(" ", "");
  }

  /** The short documents, each long one (50 MB lines made of {@code chunks} repeated) after the first of them. */
  static Path corpus(String name, boolean jsonl, List<String> chunks) throws IOException {
    Path file = dir.resolve(name);
    String prefix = jsonl ? "{\"text\": \"" : "";
    String suffix = jsonl ? "\"}\n" : "\n";
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      for (String chunk : chunks) {
        w.write(prefix + SHORT.get(0) + suffix);
        w.write(prefix);
        for (int written = 0; written < SIZE; written += chunk.length()) {
          w.write(chunk, 0, Math.min(chunk.length(), SIZE - written));
        }
        w.write(suffix);
      }
      for (String s : SHORT.subList(1, SHORT.size())) {
        w.write(prefix + s + suffix);
      }
    }
    return file;
  }

  static PretrainConfig config(Path input, String format, String extra) {
    return PretrainConfig.parse("""
        seed: 3
        data:
          input: [%s]
          format: %s
          validation_fraction: 0.0
          %s
        objective:
          type: bert
          max_seq_length: 512
          max_predictions_per_seq: 76
        """.formatted(input.toUri(), format, extra), "test");
  }

  static void assertCountsAddUp(JsonNode counts) {
    assertEquals(counts.get("documents_read").asLong(), counts.get("documents_used").asLong()
        + counts.get("documents_rejected").asLong() + counts.get("documents_duplicate").asLong(), counts.toString());
  }

  @Test
  void rejectedAsTooLongInEachFormat() throws IOException {
    for (String format : List.of("lines", "jsonl")) {
      Path input = corpus("long." + format, format.equals("jsonl"), List.of(flat(true), flat(false)));
      String out = dir.resolve("rejected-" + format).toUri().toString();
      long t0 = System.nanoTime();
      JsonNode counts = PrepareJob.run(spark, config(input, format, ""), tokenizer, "0".repeat(64), out, false)
          .get("counts");
      System.out.printf("LongDocumentTest %s rejected in %.1f s%n", format, (System.nanoTime() - t0) / 1e9);
      assertEquals(2, counts.path("rejected_by_reason").path("too_long").asLong(), counts.toString());
      assertEquals(1, counts.get("documents_duplicate").asLong(), "the first short document, repeated");
      assertEquals(SHORT.size(), counts.get("documents_used").asLong());
      assertCountsAddUp(counts);
      Set<Long> positions = new TreeSet<>();
      for (Row r : spark.read().json(out + "/" + PrepareJob.REJECTED).collectAsList()) {
        assertEquals("too_long", r.getAs("reason"));
        assertTrue(r.<String>getAs("excerpt").length() <= 200, "a truncated excerpt");
        positions.add(r.getAs("position"));
      }
      long firstLong = (format.equals("jsonl") ? "{\"text\": \"\"}\n" : "\n").length() + SHORT.get(0).length();
      assertEquals(firstLong, positions.iterator().next(), "byte offset of the first long line");
    }
  }

  @Test
  void usedWhenMaxCharsAllows() throws IOException {
    long t0 = System.nanoTime();
    Path input = corpus("nospace.lines", false, List.of(flat(false)));
    JsonNode counts = PrepareJob.run(spark, config(input, "lines", "max_chars: 60000000"), tokenizer, "0".repeat(64),
        dir.resolve("used").toUri().toString(), false).get("counts");
    System.out.printf("LongDocumentTest used in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals(SHORT.size() + 1, counts.get("documents_used").asLong(), counts.toString());
    assertCountsAddUp(counts);
    // The long document is tokenized whole: more than one token per 5 characters of English without spaces.
    assertTrue(counts.get("train").get("tokens").asLong() > SIZE / 5, counts.toString());
  }
}
