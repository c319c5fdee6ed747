package dev.sparkpretrain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code encode}: streams a file line by line (JSONL with a text field, or plain text one document per line) to
 * JSONL {@code {"id":..., "ids":[...]}} in input order. A bad JSONL line is reported with its line number, written
 * as {@code {"line":N,"error":...}} so output lines stay aligned with input lines, and counted.
 */
final class EncodeCommand {
  private EncodeCommand() {}

  record Stats(long lines, long bad) {}

  static Stats run(Tokenizer tokenizer, Path input, Path output, String textField, boolean special,
      PrintStream err) throws IOException {
    ObjectMapper json = new ObjectMapper();
    boolean jsonl = input.getFileName().toString().matches(".*\\.jsonl?$");
    long lines = 0;
    long bad = 0;
    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(input), decoder), 1 << 16);
        BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        lines++;
        ObjectNode rec = json.createObjectNode();
        String text = line;
        if (jsonl) {
          JsonNode node;
          try {
            node = json.readTree(line);
          } catch (IOException e) {
            node = null;
          }
          JsonNode t = node == null ? null : node.get(textField);
          if (t == null || !t.isTextual()) {
            bad++;
            String why = node == null ? "not valid JSON" : "no string field '" + textField + "'";
            err.printf("%s:%d: %s%n", input, lines, why);
            rec.put("line", lines);
            rec.put("error", why);
            out.write(json.writeValueAsString(rec));
            out.newLine();
            continue;
          }
          if (node.has("id")) {
            rec.set("id", node.get("id"));
          }
          text = t.asText();
        }
        int[] ids = tokenizer.encode(text, special).ids();
        var arr = rec.putArray("ids");
        for (int id : ids) {
          arr.add(id);
        }
        out.write(json.writeValueAsString(rec));
        out.newLine();
      }
    }
    return new Stats(lines, bad);
  }
}
