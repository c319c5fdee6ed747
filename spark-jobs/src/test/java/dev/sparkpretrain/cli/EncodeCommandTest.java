package dev.sparkpretrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceTrainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code encode}: one output line per input line, in order, bad lines reported by number and counted. */
class EncodeCommandTest {
  @TempDir Path dir;

  @Test
  void jsonlInOrderWithBadLinesReported() throws Exception {
    Tokenizer tokenizer = new WordPieceTrainer(WordPieceTrainer.Options.bert(200)).train(Map.of(
        "call", 5L, "me", 5L, "ishmael", 3L, "whale", 4L, "the", 9L, "sea", 2L));
    Path tok = dir.resolve("tokenizer.json");
    Files.writeString(tok, tokenizer.toJson());
    Path in = dir.resolve("docs.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"id\": \"a\", \"text\": \"Call me Ishmael.\"}",
        "not json at all",
        "{\"id\": 7, \"body\": \"no text field\"}",
        "{\"id\": \"d\", \"text\": \"The whale, the sea.\"}") + "\n");
    Path out = dir.resolve("ids.jsonl");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"encode", "--tokenizer", tok.toString(), "--input", in.toString(),
        "--output", out.toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    List<String> lines = Files.readAllLines(out);
    assertEquals(4, lines.size(), "one output line per input line");
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertEquals("a", first.get("id").asText());
    assertArrayEquals(tokenizer.encode("Call me Ishmael.").ids(), ints(first.get("ids")));
    assertEquals(2, json.readTree(lines.get(1)).get("line").asInt());
    assertEquals(3, json.readTree(lines.get(2)).get("line").asInt());
    assertArrayEquals(tokenizer.encode("The whale, the sea.").ids(), ints(json.readTree(lines.get(3)).get("ids")));
    String report = err.toString(StandardCharsets.UTF_8);
    assertTrue(report.contains("docs.jsonl:2:") && report.contains("docs.jsonl:3:"), report);
    assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("(2 bad"), stdout.toString(StandardCharsets.UTF_8));

    // --no-special-tokens and plain text input (one document per line).
    Path txt = dir.resolve("docs.txt");
    Files.writeString(txt, "Call me Ishmael.\n\nThe sea.\n");
    Path out2 = dir.resolve("ids2.jsonl");
    assertEquals(0, Main.run(new String[] {"encode", "--tokenizer", tok.toString(), "--input", txt.toString(),
        "--output", out2.toString(), "--no-special-tokens"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream())));
    List<String> plain = Files.readAllLines(out2);
    assertEquals(3, plain.size());
    assertArrayEquals(tokenizer.encode("Call me Ishmael.", false).ids(), ints(json.readTree(plain.get(0)).get("ids")));
    assertEquals(0, json.readTree(plain.get(1)).get("ids").size(), "an empty line encodes to nothing");
  }

  @Test
  void missingTokenizerExitsTwo() {
    assertEquals(2, Main.run(new String[] {"encode", "--tokenizer", dir.resolve("nope.json").toString(), "--input",
        dir.resolve("x").toString(), "--output", dir.resolve("y").toString()}, new PrintStream(
        new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())));
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
