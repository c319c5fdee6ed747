package dev.sparkpretrain.cli;

import dev.sparkpretrain.config.ConfigException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The command line: {@code bin/pretrain <command>} locally, or
 * {@code spark-submit --class dev.sparkpretrain.cli.Main spark-jobs-*-spark.jar <command>} on a cluster.
 * Exit codes: 0 success, 1 failure while running, 2 bad usage or bad configuration (found before Spark starts).
 */
public final class Main {
  static final String USAGE = """
      usage: pretrain <command> [options]

      commands:
        demo               end-to-end run on the bundled corpus: tokenizer, BERT shards, training, evaluation
                           [--output DIR (target/demo)] [--workers N (2)] [--max-steps N] [--overwrite]
        tokenizer train    train a vocabulary on Spark
                           --input PATHS --output tokenizer.json [--model wordpiece|bpe|unigram] [--vocab-size N]
                           [--min-frequency N] [--format lines|paragraphs|jsonl] [--text-field F]
                           [--special-tokens A,B,...] [--normalization nfc|nfkc|none] [--lowercase | --cased]
        prepare            corpus -> Parquet training shards + _manifest.json
                           --config conf/NAME.yaml [--input PATHS] [--output DIR] [--tokenizer FILE] [--overwrite]
        train              pretrain from shards on Spark
                           --config conf/NAME.yaml --data SHARDS --output RUN [--workers N] [--max-steps N] [--resume]
        inspect SHARDS     schema, manifest counts and a few examples decoded (masks and sentinels visible)
                           [--rows N (3)]
        eval               evaluate a checkpoint on validation shards, prints JSON
                           --checkpoint CKPT --data SHARDS
        model summary      layers and parameter count of a model preset (conf/models/)
                           --preset NAME [--json]
        encode             encode text with a tokenizer, JSONL out
                           --tokenizer FILE --input IN --output OUT [--text-field F] [--no-special-tokens]

      Run any command with --help for its options. Spark settings: spark-submit's, or -Dspark.*=... in
      PRETRAIN_JAVA_OPTS for bin/pretrain (local mode, local[*] unless spark.master is set).
      """;

  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs a command and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> a = Arrays.asList(args);
    if (a.isEmpty() || a.get(0).equals("--help") || a.get(0).equals("-h") || a.get(0).equals("help")) {
      (a.isEmpty() ? err : out).print(USAGE);
      return a.isEmpty() ? 2 : 0;
    }
    String command = a.get(0);
    List<String> rest = a.subList(1, a.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(USAGE);
      return 0;
    }
    try {
      switch (command) {
        case "demo" -> Commands.demo(rest, out);
        case "prepare" -> Commands.prepare(rest, out);
        case "train" -> Commands.train(rest, out);
        case "eval" -> Commands.eval(rest, out);
        case "inspect" -> Commands.inspect(rest, out);
        case "encode" -> Commands.encode(rest, out, err);
        case "model" -> {
          if (rest.isEmpty() || !rest.get(0).equals("summary")) {
            throw new Args.UsageException("model: expected 'model summary'");
          }
          Commands.modelSummary(rest.subList(1, rest.size()), out);
        }
        case "tokenizer" -> {
          if (rest.isEmpty() || !rest.get(0).equals("train")) {
            throw new Args.UsageException("tokenizer: expected 'tokenizer train'");
          }
          Commands.trainTokenizer(rest.subList(1, rest.size()), out);
        }
        default -> throw new Args.UsageException("unknown command '" + command + "'");
      }
      return 0;
    } catch (Args.UsageException e) {
      err.println("error: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (ConfigException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      err.println("error: " + command + " failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
