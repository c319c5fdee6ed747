package dev.sparkpretrain.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.normalize.Replace;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizer;
import dev.sparkpretrain.tokenization.pretokenize.Split;
import dev.sparkpretrain.tokenization.pretokenize.SplitBehavior;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenizerTest {
  private static Tokenizer bert;

  @BeforeAll
  static void load() throws IOException {
    bert = Tokenizer.load(TestTexts.resourcePath("tokenizers/bert-base-uncased.tokenizer.json"));
  }

  @Test
  void emptyTextIsJustTheSpecialTokens() {
    Encoding e = bert.encode("");
    assertArrayEquals(new int[] {bert.tokenToId("[CLS]"), bert.tokenToId("[SEP]")}, e.ids());
    assertArrayEquals(new boolean[] {true, true}, e.specialTokens());
    assertEquals(0, bert.encode("", false).length());
    assertEquals(0, bert.encode(" \u0000\u0001 ", false).length());
  }

  @Test
  void vocabularyLookups() {
    assertEquals(30522, bert.vocabSize());
    assertEquals(-1, bert.tokenToId("no-such-token"));
    assertNull(bert.idToToken(-5));
    assertNull(bert.idToToken(1_000_000));
    assertEquals("[MASK]", bert.idToToken(bert.tokenToId("[MASK]")));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"bert-base-uncased.tokenizer.json", "gpt2.tokenizer.json",
      "sctg-clean_30k.model"})
  void javaSerializationKeepsBehaviour(String file) throws Exception {
    // Spark ships tokenizers to executors by Java serialization; derived state (caches, tries) must come back.
    Tokenizer original = Tokenizer.load(TestTexts.resourcePath("tokenizers/" + file));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    Tokenizer copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (Tokenizer) in.readObject();
    }
    for (String text : TestTexts.edgeCases()) {
      assertEquals(original.encode(text), copy.encode(text), text);
    }
    for (String text : TestTexts.corpusLines("europarl").subList(0, 20)) {
      assertEquals(original.encode(text), copy.encode(text), text);
    }
  }

  @Test
  void jsonRoundTripIsStableAndEncodesTheSame() {
    String json = bert.toJson();
    Tokenizer again = Tokenizer.fromJson(json);
    assertEquals(json, again.toJson());
    for (String text : TestTexts.edgeCases()) {
      assertEquals(bert.encode(text), again.encode(text), text);
    }
  }

  @Test
  void batchEqualsOneByOne() {
    List<String> texts = TestTexts.edgeCases();
    List<Encoding> batch = bert.encodeBatch(texts, false);
    for (int i = 0; i < texts.size(); i++) {
      assertEquals(bert.encode(texts.get(i), false), batch.get(i));
    }
  }

  @Test
  void offsetsPointIntoTheOriginalText() {
    String text = "Héllo, WÖRLD 中文 😀!";
    Encoding e = bert.encode(text, false);
    List<String> pieces = new java.util.ArrayList<>();
    for (int i = 0; i < e.length(); i++) {
      pieces.add(text.substring(e.starts()[i], e.ends()[i]));
    }
    // Each token covers the original characters it came from, accents and case as written.
    assertEquals(List.of("Héllo", ",", "WÖRLD", "中", "文", "😀", "!"), pieces);
  }

  @Test
  void aLongWordWithoutSpacesIsLinear() {
    // 2 MB without a space: one [UNK] per pre-token word; timing guards against quadratic behaviour.
    String text = "ab".repeat(1_000_000);
    long t0 = System.nanoTime();
    Encoding e = bert.encode(text, false);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertArrayEquals(new int[] {bert.tokenToId("[UNK]")}, e.ids());
    assertTrue(ms < 5_000, "took " + ms + " ms");
  }

  @Test
  void malformedJsonNamesTheField() {
    TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson(
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": \"x\"}}}"));
    assertEquals("model.vocab[\"a\"]", e.field());
    e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson(
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}, \"pre_tokenizer\": {\"type\": "
            + "\"Sequence\", \"pretokenizers\": [{\"type\": \"BertPreTokenizer\"}, {\"type\": \"Nope\"}]}}"));
    assertEquals("pre_tokenizer.pretokenizers[1].type", e.field());
    e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson("{\"normalizer\": null}"));
    assertEquals("model", e.field());
    e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson("{not json"));
    assertEquals("(root)", e.field());
    e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson(
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}"));
    assertTrue(e.getMessage().contains("[UNK]"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      pre_tokenizer | {"type": "Split", "pattern": {"String": "-"}, "behavior": "Dropped", "invert": false} | pre_tokenizer.behavior
      pre_tokenizer | {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Removed"}          | pre_tokenizer.pattern
      pre_tokenizer | {"type": "Punctuation", "behavior": 3}                                               | pre_tokenizer.behavior
      normalizer    | {"type": "Prepend"}                                                                  | normalizer.prepend
      decoder       | {"type": "Strip", "content": "ab", "start": 1, "stop": 0}                            | decoder.content
      decoder       | {"type": "Strip", "content": " ", "start": -1, "stop": 0}                            | decoder.start
      decoder       | {"type": "Replace", "pattern": {"Neither": "x"}, "content": " "}                     | decoder.pattern
      """)
  void malformedStageNamesTheField(String section, String stage, String field) {
    String json = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}, \"" + section + "\": "
        + stage + "}";
    TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromJson(json));
    assertEquals(field, e.field(), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      Removed            | a b
      Isolated           | a - - b
      MergedWithPrevious | a- - b
      MergedWithNext     | a - -b
      Contiguous         | a -- b
      """)
  void splitBehaviorsKeepOrJoinTheDelimiters(String behavior, String expected) {
    PreTokenizer split = new Split(Replace.Pattern.literal("-"), SplitBehavior.fromJson(behavior), false);
    assertEquals(List.of(expected.split(" ")), PreTokenizedString.words("a--b", null, split));
  }
}
