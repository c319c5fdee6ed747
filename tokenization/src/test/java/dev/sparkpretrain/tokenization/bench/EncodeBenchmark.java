package dev.sparkpretrain.tokenization.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Single-thread encode throughput, ours beside the peers on the same documents, one document per call:
 * HF tokenizers through DJL (same JVM), jtokkit r50k_base for GPT-2, and spm_encode (a separate process
 * over the same documents, one per line, whole-process time) for the SentencePiece model.
 *
 * <pre>
 * mvn -q -o -pl tokenization test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * java -cp tokenization/target/test-classes:tokenization/target/classes:$(cat tokenization/target/cp.txt) \
 *     dev.sparkpretrain.tokenization.bench.EncodeBenchmark ../shared 4000000
 * </pre>
 *
 * Arguments: the shared folder (corpora and reference tokenizers), the bytes of text per corpus (default
 * 4 MB). Documents are the corpus lines (Moby-Dick: paragraphs), so one call sees a realistic document.
 * Each measurement is the median of 5 timed passes after 2 warm-up passes.
 */
public final class EncodeBenchmark {
  private EncodeBenchmark() {}

  private static final int WARMUP = 2;
  private static final int PASSES = 5;

  public static void main(String[] args) throws Exception {
    Path shared = Path.of(args.length > 0 ? args[0] : "../shared");
    int budget = args.length > 1 ? Integer.parseInt(args[1]) : 4_000_000;
    Path tok = shared.resolve("reference/tokenizers");
    System.out.printf(Locale.ROOT, "java %s, %s, %d cores%n", System.getProperty("java.version"),
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());

    List<String> english = documents(shared.resolve("corpora/sotu.txt"), budget, false);
    english.addAll(documents(shared.resolve("corpora/moby-dick.txt"), budget / 4, true));
    List<String> chinese = documents(shared.resolve("corpora/chinese-poetry-20mb.txt"), budget / 4, true);

    Tokenizer bert = Tokenizer.load(tok.resolve("bert-base-uncased.tokenizer.json"));
    Tokenizer gpt2 = Tokenizer.load(tok.resolve("gpt2.tokenizer.json"));
    Tokenizer spm = Tokenizer.load(tok.resolve("sctg-clean_30k.model"));
    Map<String, String> djlOptions = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");

    try (HuggingFaceTokenizer hfBert = HuggingFaceTokenizer.newInstance(tok.resolve("bert-base-uncased.tokenizer.json"), djlOptions);
         HuggingFaceTokenizer hfGpt2 = HuggingFaceTokenizer.newInstance(tok.resolve("gpt2.tokenizer.json"), djlOptions)) {
      com.knuddels.jtokkit.api.Encoding r50k = Encodings.newDefaultEncodingRegistry()
          .getEncoding(EncodingType.R50K_BASE);

      System.out.println("\n| tokenizer | text | encoder | MB/s | tokens/s | ratio |");
      System.out.println("|---|---|---|---:|---:|---:|");
      double ours = report("bert-base-uncased", "English", "ours", english, t -> bert.encode(t).length(), 0);
      report("bert-base-uncased", "English", "HF via DJL", english, t -> hfBert.encode(t).getIds().length, ours);
      ours = report("bert-base-uncased", "Chinese", "ours", chinese, t -> bert.encode(t).length(), 0);
      report("bert-base-uncased", "Chinese", "HF via DJL", chinese, t -> hfBert.encode(t).getIds().length, ours);
      ours = report("gpt2", "English", "ours", english, t -> gpt2.encode(t).length(), 0);
      report("gpt2", "English", "jtokkit r50k", english, t -> r50k.encodeOrdinary(t).size(), ours);
      report("gpt2", "English", "HF via DJL", english, t -> hfGpt2.encode(t).getIds().length, ours);
      ours = report("sctg-clean_30k.model", "English", "ours", english, t -> spm.encode(t).length(), 0);
      spmEncode(tok.resolve("sctg-clean_30k.model"), english, ours);
      report("bert-base-uncased", "10 MB, no spaces", "ours", List.of("ab".repeat(5_000_000)),
          t -> bert.encode(t).length(), 0);
      report("gpt2", "10 MB, no spaces", "ours", List.of("ab".repeat(5_000_000)), t -> gpt2.encode(t).length(), 0);
    }
  }

  /** Lines (or blank-line separated paragraphs) of {@code file} up to {@code budget} UTF-8 bytes. */
  static List<String> documents(Path file, int budget, boolean paragraphs) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] parts = paragraphs ? text.split("\n\\s*\n") : text.split("\n");
    List<String> docs = new ArrayList<>();
    long bytes = 0;
    for (String p : parts) {
      if (p.isBlank()) {
        continue;
      }
      docs.add(p);
      bytes += p.getBytes(StandardCharsets.UTF_8).length;
      if (bytes >= budget) {
        break;
      }
    }
    return docs;
  }

  private static long utf8Bytes(List<String> docs) {
    long n = 0;
    for (String d : docs) {
      n += d.getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  /** Prints one row; returns MB/s. {@code baseline} > 0 adds the ratio ours / this. */
  static double report(String tokenizer, String text, String encoder, List<String> docs,
                       ToIntFunction<String> encode, double baseline) {
    long bytes = utf8Bytes(docs);
    long tokens = 0;
    for (int w = 0; w < WARMUP; w++) {
      tokens = 0;
      for (String d : docs) {
        tokens += encode.applyAsInt(d);
      }
    }
    double[] seconds = new double[PASSES];
    for (int p = 0; p < PASSES; p++) {
      long t0 = System.nanoTime();
      for (String d : docs) {
        encode.applyAsInt(d);
      }
      seconds[p] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(seconds);
    double s = seconds[PASSES / 2];
    double mbs = bytes / 1e6 / s;
    String ratio = baseline > 0 ? String.format(Locale.ROOT, "ours = %.2f×", baseline / mbs) : "";
    System.out.printf(Locale.ROOT, "| %s | %s (%.1f MB, %d docs) | %s | %.2f | %,.0f | %s |%n", tokenizer, text,
        bytes / 1e6, docs.size(), encoder, mbs, tokens / s, ratio);
    return mbs;
  }

  /** spm_encode over the same documents (newlines inside a document become spaces), whole process. */
  static void spmEncode(Path model, List<String> docs, double ours) throws IOException, InterruptedException {
    Path input = Files.createTempFile("spm-bench", ".txt");
    List<String> lines = new ArrayList<>();
    for (String d : docs) {
      lines.add(d.replace('\n', ' '));
    }
    Files.write(input, lines, StandardCharsets.UTF_8);
    long bytes = utf8Bytes(docs);
    double[] seconds = new double[3];
    long tokens = 0;
    for (int p = 0; p < seconds.length; p++) {
      ProcessBuilder pb = new ProcessBuilder("spm_encode", "--model=" + model, "--output_format=id")
          .redirectInput(input.toFile());
      long t0 = System.nanoTime();
      Process proc;
      try {
        proc = pb.start();
      } catch (IOException e) {
        System.out.println("| (spm_encode not installed: apt-get install sentencepiece) |");
        return;
      }
      byte[] out = proc.getInputStream().readAllBytes();
      proc.waitFor();
      seconds[p] = (System.nanoTime() - t0) / 1e9;
      tokens = new String(out, StandardCharsets.US_ASCII).split("[ \n]+").length;
    }
    Arrays.sort(seconds);
    double s = seconds[1];
    double mbs = bytes / 1e6 / s;
    System.out.printf(Locale.ROOT, "| sctg-clean_30k.model | English (%.1f MB, %d docs) | spm_encode (process) | %.2f "
        + "| %,.0f | ours = %.2f× |%n", bytes / 1e6, docs.size(), mbs, tokens / s, ours / mbs);
    Files.delete(input);
  }
}
