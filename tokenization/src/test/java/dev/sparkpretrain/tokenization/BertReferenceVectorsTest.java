package dev.sparkpretrain.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceModel;
import dev.sparkpretrain.tokenization.normalize.BertNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.BertPreTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** google-research/bert {@code tokenization_test.py}, ported case by case from its JSON export. */
class BertReferenceVectorsTest {
  private static final JsonNode CASES = read("vectors/bert-tokenization_test.json");

  private static JsonNode read(String path) {
    try {
      return new ObjectMapper().readTree(TestTexts.resource(path));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> strings(JsonNode arr) {
    List<String> out = new ArrayList<>();
    arr.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void fullTokenizerWithTheSmallVocabulary() {
    Tokenizer t = Tokenizer.fromJson(TestTexts.resource("vectors/bert-tokenization_test.small-vocab.tokenizer.json"));
    for (JsonNode c : CASES.get("full_tokenizer").get("cases")) {
      Encoding e = t.encode(c.get("text").asText(), false);
      int[] expected = strings(c.get("ids")).stream().mapToInt(Integer::parseInt).toArray();
      assertArrayEquals(expected, e.ids(), c.toString());
      List<String> tokens = new ArrayList<>();
      for (int id : e.ids()) {
        tokens.add(t.idToToken(id));
      }
      assertEquals(strings(c.get("tokens")), tokens);
    }
  }

  @Test
  void basicTokenizerIsNormalizerPlusPreTokenizer() {
    for (JsonNode c : CASES.get("basic_tokenizer")) {
      boolean lower = c.get("do_lower_case").asBoolean();
      List<String> words = PreTokenizedString.words(c.get("text").asText(),
          new BertNormalizer(true, true, null, lower), new BertPreTokenizer());
      assertEquals(strings(c.get("tokens")), words, c.toString());
    }
  }

  @Test
  void wordPieceOnWhitespaceSeparatedWords() {
    JsonNode wp = CASES.get("wordpiece");
    Vocabulary vocabulary = Vocabulary.ofList(strings(wp.get("vocab")));
    WordPieceModel model = WordPieceModel.bert(vocabulary);
    for (JsonNode c : wp.get("cases")) {
      String text = c.get("text").asText();
      List<String> tokens = new ArrayList<>();
      for (String word : text.isEmpty() ? new String[0] : text.split(" ")) {
        NormalizedString s = NormalizedString.of(word, 0, word.length());
        TokenBuffer out = new TokenBuffer(4);
        model.tokenize(s, 0, s.length(), out);
        for (int i = 0; i < out.size(); i++) {
          tokens.add(vocabulary.token(out.id(i)));
        }
      }
      assertEquals(strings(c.get("tokens")), tokens, text);
    }
  }

  @Test
  void characterClasses() {
    JsonNode cc = CASES.get("char_classes");
    strings(cc.get("whitespace")).forEach(s -> assertTrue(CharClasses.isWhitespace(s.codePointAt(0)), s));
    strings(cc.get("not_whitespace")).forEach(s -> assertFalse(CharClasses.isWhitespace(s.codePointAt(0)), s));
    strings(cc.get("control")).forEach(s -> assertTrue(CharClasses.isControl(s.codePointAt(0)), s));
    strings(cc.get("not_control")).forEach(s -> assertFalse(CharClasses.isControl(s.codePointAt(0)), s));
    strings(cc.get("punctuation")).forEach(s -> assertTrue(CharClasses.isBertPunctuation(s.codePointAt(0)), s));
    strings(cc.get("not_punctuation")).forEach(s -> assertFalse(CharClasses.isBertPunctuation(s.codePointAt(0)), s));
  }
}
