package dev.sparkpretrain.tokenization.model.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Public GPT-2 (r50k_base) test vectors from jtokkit, gpt-tokenizer and tiktoken, on gpt2.tokenizer.json. */
class Gpt2VectorsTest {
  private static Tokenizer gpt2;

  @BeforeAll
  static void load() throws IOException {
    gpt2 = Tokenizer.load(TestTexts.resourcePath("tokenizers/gpt2.tokenizer.json"));
  }

  private static int[] ints(String list) {
    String s = list.trim();
    s = s.substring(1, s.length() - 1).trim();
    return s.isEmpty() ? new int[0]
        : java.util.Arrays.stream(s.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
  }

  @Test
  void jtokkitR50kEncodings() {
    // input,output,outputMaxTokens10: one case per line; an input with a comma is quoted ("" escapes a
    // quote), outputs are quoted lists.
    List<String> lines = List.of(TestTexts.resource("vectors/jtokkit-r50k_base_encodings.csv").split("\n"));
    int checked = 0;
    for (String line : lines.subList(1, lines.size())) {
      int q = line.lastIndexOf(",\"[", line.lastIndexOf(",\"[") - 1);
      String input = line.substring(0, q);
      if (input.startsWith("\"")) {
        input = input.substring(1, input.length() - 1).replace("\"\"", "\"");
      }
      String output = line.substring(q + 2, line.indexOf("]\"", q) + 1);
      assertArrayEquals(ints(output), gpt2.encode(input).ids(), input);
      checked++;
    }
    assertTrue(checked > 400, "read " + checked + " cases");
  }

  @Test
  void gptTokenizerTestPlansForR50k() throws IOException {
    ObjectMapper json = new ObjectMapper();
    int checked = 0;
    for (String line : TestTexts.resource("vectors/gpt-tokenizer-TestPlans.jsonl").split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode c = json.readTree(line);
      if (!c.get("encoding").asText().equals("r50k_base")) {
        continue; // other encodings (cl100k, o200k, p50k) are not GPT-2
      }
      List<Integer> ids = new ArrayList<>();
      c.get("ids").forEach(x -> ids.add(x.asInt()));
      assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(),
          gpt2.encode(c.get("text").asText()).ids(), c.get("text").asText());
      checked++;
    }
    assertTrue(checked >= 60, "read " + checked + " cases");
  }

  @Test
  void tiktokenGpt2Cases() throws IOException {
    JsonNode root = new ObjectMapper().readTree(TestTexts.resource("vectors/tiktoken-test_encoding.json"));
    int checked = 0;
    for (JsonNode c : root.get("cases")) {
      if (!c.get("encoding").asText().equals("gpt2")) {
        continue;
      }
      List<Integer> ids = new ArrayList<>();
      c.get("ids").forEach(x -> ids.add(x.asInt()));
      // HF matches added tokens such as <|endoftext|> in text always, which is tiktoken's
      // allowed_special="all"; no gpt2 case disallows them.
      assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(),
          gpt2.encode(c.get("text").asText()).ids(), c.toString());
      checked++;
    }
    assertTrue(checked >= 19, "read " + checked + " cases");
  }
}
