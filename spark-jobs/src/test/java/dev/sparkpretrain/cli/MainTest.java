package dev.sparkpretrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Usage and configuration errors exit 2 before any Spark work. */
class MainTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpListsTheCommands() {
    Run r = run("--help");
    assertEquals(0, r.code());
    for (String c : new String[] {"demo", "prepare", "train", "eval", "encode", "tokenizer train"}) {
      assertTrue(r.out().contains(c), c);
    }
  }

  @Test
  void modelSummaryReportsThePublishedParameterCount() throws Exception {
    Run r = run("model", "summary", "--preset", "bert-base", "--json");
    assertEquals(0, r.code(), r.err());
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertEquals("bert-base", json.get("preset").asText());
    assertEquals(110_106_428L, json.get("parameters").asLong(), "BERT-base uncased with pre-training heads");
    assertEquals(2, run("model", "summary", "--preset", "bert-huge").code());
  }

  @Test
  void wrongCommandOrOptionExitsTwo() {
    assertEquals(2, run("frobnicate").code());
    assertEquals(2, run().code());
    Run r = run("demo", "--outptu", "x");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--outptu"), r.err());
  }

  @Test
  void badConfigExitsTwoNamingTheKey(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, "trainer:\n  max_steps: -4\n");
    Run r = run("prepare", "--config", conf.toString(), "--output", dir.resolve("out").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("trainer.max_steps"), r.err());
  }

  @Test
  void missingInputExitsTwo(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("c.yaml");
    Files.writeString(conf, "tokenizer:\n  file: " + dir.resolve("nope.json") + "\n");
    Run r = run("prepare", "--config", conf.toString(), "--output", dir.resolve("out").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("tokenizer.file"), r.err());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      --normalization nfx                              | --normalization
      --special-tokens ''                              | --special-tokens
      --special-tokens [PAD],[MASK]                    | [UNK]
      --special-tokens [UNK],[CLS],[SEP],[UNK]         | --special-tokens
      --model unigram --special-tokens <pad>,</s>      | <unk>
      --cased --lowercase                              | --lowercase
      --vocab-size 5                                   | --vocab-size
      --min-frequency 0                                | --min-frequency
      """)
  void tokenizerTrainOptionsExitTwoNamingTheOption(String options, String named, @TempDir Path dir)
      throws Exception {
    Path input = dir.resolve("in.txt");
    Files.writeString(input, "some text\n");
    List<String> args = new ArrayList<>(List.of("tokenizer", "train", "--input", input.toString(), "--output",
        dir.resolve("t.json").toString()));
    for (String o : options.split(" ")) {
      args.add(o.equals("''") ? "" : o);
    }
    Run r = run(args.toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(named), r.err());
    assertTrue(Files.notExists(dir.resolve("t.json")));
  }
}
