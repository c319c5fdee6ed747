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
 * over the same documents, one per line) for the SentencePiece model.
 *
 * <pre>
 * mvn -q -o -pl tokenization test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * java -cp tokenization/target/test-classes:tokenization/target/classes:$(cat tokenization/target/cp.txt) \
 *     dev.sparkpretrain.tokenization.bench.EncodeBenchmark ../shared 4000000
 * </pre>
 *
 * Arguments: the shared folder (corpora and reference tokenizers), the bytes of English text (default
 * 4 MB; a quarter of that for Chinese), and optionally {@code ours} to time only this project's encoders. Documents are State of the Union lines and Moby-Dick paragraphs,
 * classical Chinese poems. Time is the encoding thread's CPU time (DJL's native work runs on that thread;
 * spm_encode is charged its user + system time), because the machines this runs on are shared and wall
 * time there measures the neighbours. Ours and the peers alternate within each pass, so a slow moment
 * hits both; each figure is the median of 7 passes after 2 warm-up passes.
 */
public final class EncodeBenchmark {
  private EncodeBenchmark() {}

  private static final int WARMUP = 2;
  private static final int PASSES = 7;
  private static final java.lang.management.ThreadMXBean CPU =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** An encoder under test: a name and a function from a document to its token count. */
  record Encoder(String name, ToIntFunction<String> encode) {}

  public static void main(String[] args) throws Exception {
    Path shared = Path.of(args.length > 0 ? args[0] : "../shared");
    int budget = args.length > 1 ? Integer.parseInt(args[1]) : 4_000_000;
    oursOnly = args.length > 2 && args[2].equals("ours");
    Path tok = shared.resolve("reference/tokenizers");
    System.out.printf(Locale.ROOT, "java %s, %s, %d cores, %s%n", System.getProperty("java.version"),
        System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), cpuModel());

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

      System.out.println("\n| tokenizer | text | encoder | MB/s | tokens/s | ours ÷ this |");
      System.out.println("|---|---|---|---:|---:|---:|");
      compare("bert-base-uncased", "English", english, new Encoder("ours", t -> bert.encode(t).length()),
          new Encoder("HF via DJL", t -> hfBert.encode(t).getIds().length));
      compare("bert-base-uncased", "Chinese", chinese, new Encoder("ours", t -> bert.encode(t).length()),
          new Encoder("HF via DJL", t -> hfBert.encode(t).getIds().length));
      compare("gpt2", "English", english, new Encoder("ours", t -> gpt2.encode(t).length()),
          new Encoder("jtokkit r50k_base", t -> r50k.encodeOrdinary(t).size()),
          new Encoder("HF via DJL", t -> hfGpt2.encode(t).getIds().length));
      double ours = compare("sctg-clean_30k.model", "English", english,
          new Encoder("ours", t -> spm.encode(t).length()))[0];
      spmEncode(tok.resolve("sctg-clean_30k.model"), english, ours);
      String noSpaces = "ab".repeat(5_000_000);
      compare("bert-base-uncased", "one 10 MB word", List.of(noSpaces),
          new Encoder("ours", t -> bert.encode(t).length()));
      compare("gpt2", "one 10 MB word", List.of(noSpaces), new Encoder("ours", t -> gpt2.encode(t).length()));
      compare("sctg-clean_30k.model", "one 10 MB word", List.of(noSpaces),
          new Encoder("ours", t -> spm.encode(t).length()));
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "cpu unknown";
    }
    return "cpu unknown";
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

  private static boolean oursOnly;

  /** Times the encoders in alternation over the documents; prints a row each; returns their MB/s. */
  static double[] compare(String tokenizer, String text, List<String> docs, Encoder... all) {
    Encoder[] encoders = oursOnly ? new Encoder[] {all[0]} : all;
    long bytes = utf8Bytes(docs);
    long[] tokens = new long[encoders.length];
    double[][] seconds = new double[encoders.length][PASSES];
    for (int pass = 0; pass < WARMUP + PASSES; pass++) {
      for (int e = 0; e < encoders.length; e++) {
        long t0 = CPU.getCurrentThreadCpuTime();
        long n = 0;
        for (String d : docs) {
          n += encoders[e].encode().applyAsInt(d);
        }
        long t1 = CPU.getCurrentThreadCpuTime();
        tokens[e] = n;
        if (pass >= WARMUP) {
          seconds[e][pass - WARMUP] = (t1 - t0) / 1e9;
        }
      }
    }
    double[] mbs = new double[encoders.length];
    for (int e = 0; e < encoders.length; e++) {
      Arrays.sort(seconds[e]);
      double s = seconds[e][PASSES / 2];
      mbs[e] = bytes / 1e6 / s;
      String ratio = e == 0 ? "" : String.format(Locale.ROOT, "%.2f×", mbs[0] / mbs[e]);
      System.out.printf(Locale.ROOT, "| %s | %s (%.1f MB, %d docs) | %s | %.2f | %,.0f | %s |%n", tokenizer, text,
          bytes / 1e6, docs.size(), encoders[e].name(), mbs[e], tokens[e] / s, ratio);
    }
    return mbs;
  }

  /**
   * spm_encode over the same documents (newlines inside a document become spaces), charged the process's
   * user + system CPU time as bash's {@code time} reports it; median of 5 runs.
   */
  static void spmEncode(Path model, List<String> docs, double ours) throws IOException, InterruptedException {
    if (oursOnly) {
      return;
    }
    Path input = Files.createTempFile("spm-bench", ".txt");
    List<String> lines = new ArrayList<>();
    for (String d : docs) {
      lines.add(d.replace('\n', ' '));
    }
    Files.write(input, lines, StandardCharsets.UTF_8);
    long bytes = utf8Bytes(docs);
    double[] seconds = new double[5];
    long tokens = 0;
    for (int p = 0; p < seconds.length; p++) {
      String cmd = "TIMEFORMAT='%U %S'; { time spm_encode --model='" + model + "' --output_format=id < '" + input
          + "' | wc -w >&3; } 3>&1 2>&1";
      Process proc = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
      String[] out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
      if (proc.waitFor() != 0 || out.length < 3) {
        System.out.println("| sctg-clean_30k.model | English | spm_encode: not available (apt-get install sentencepiece) | | | |");
        Files.delete(input);
        return;
      }
      tokens = Long.parseLong(out[0]);
      seconds[p] = Double.parseDouble(out[1]) + Double.parseDouble(out[2]);
    }
    Arrays.sort(seconds);
    double s = seconds[seconds.length / 2];
    double mbs = bytes / 1e6 / s;
    System.out.printf(Locale.ROOT, "| sctg-clean_30k.model | English (%.1f MB, %d docs) | spm_encode (process, "
        + "user+sys) | %.2f | %,.0f | %.2f× |%n", bytes / 1e6, docs.size(), mbs, tokens / s, ours / mbs);
    Files.delete(input);
  }
}
