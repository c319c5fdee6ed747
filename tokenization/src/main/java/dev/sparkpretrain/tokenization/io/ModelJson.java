package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceModel;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** The {@code model} section of tokenizer.json, by HF type tag. */
final class ModelJson {
  private ModelJson() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static TokenModel read(JsonNode node, String path) {
    JsonFields f = JsonFields.of(node, path);
    // HF infers the model from its fields when "type" is missing (old files); we ask for it.
    switch (f.type()) {
      case "WordPiece": {
        Vocabulary vocab = vocab(f);
        String unk = f.string("unk_token", "[UNK]");
        String prefix = f.string("continuing_subword_prefix", "##");
        int maxChars = f.integer("max_input_chars_per_word", 100);
        try {
          return new WordPieceModel(vocab, unk, prefix, maxChars);
        } catch (IllegalArgumentException e) {
          throw new TokenizerFormatException(path, e.getMessage(), e);
        }
      }
      default:
        throw f.unsupported("model");
    }
  }

  /** {@code vocab}: an object from token to id. */
  static Vocabulary vocab(JsonFields f) {
    JsonNode v = f.get("vocab");
    if (v == null || !v.isObject()) {
      throw new TokenizerFormatException(f.at("vocab"), "expected an object from token to id, got "
          + JsonFields.describe(v));
    }
    Map<String, Integer> m = new HashMap<>(v.size() * 2);
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isIntegralNumber() || e.getValue().intValue() < 0) {
        throw new TokenizerFormatException(f.at("vocab") + "[\"" + e.getKey() + "\"]",
            "expected a non-negative integer id, got " + e.getValue());
      }
      m.put(e.getKey(), e.getValue().intValue());
    }
    return new Vocabulary(m);
  }

  static ObjectNode vocabNode(Vocabulary vocabulary) {
    ObjectNode o = F.objectNode();
    vocabulary.asOrderedMap().forEach(o::put);
    return o;
  }

  static JsonNode write(TokenModel model) {
    ObjectNode o = F.objectNode();
    if (model instanceof WordPieceModel w) {
      o.put("type", "WordPiece");
      o.put("unk_token", w.unkToken());
      o.put("continuing_subword_prefix", w.continuingSubwordPrefix());
      o.put("max_input_chars_per_word", w.maxInputCharsPerWord());
      o.set("vocab", vocabNode(w.vocabulary()));
    } else {
      throw new TokenizerFormatException("model", "cannot write " + model.getClass().getName());
    }
    return o;
  }
}
