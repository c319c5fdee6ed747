package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.bpe.BpeModel;
import dev.sparkpretrain.tokenization.model.bpe.SentencePieceBpeModel;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
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
      case "BPE":
        return bpe(f, path);
      case "Unigram":
        return unigram(f, path);
      default:
        throw f.unsupported("model");
    }
  }

  private static BpeModel bpe(JsonFields f, String path) {
    if (f.has("dropout") && f.number("dropout") > 0) {
      // Dropout samples a different split on every call: a training-time augmentation, not an encoding.
      throw new TokenizerFormatException(f.at("dropout"), "BPE dropout is not supported; set it to null");
    }
    Vocabulary vocab = vocab(f);
    List<String[]> merges = merges(f);
    try {
      return new BpeModel(vocab, merges, f.has("unk_token") ? f.string("unk_token") : null,
          f.has("continuing_subword_prefix") ? f.string("continuing_subword_prefix") : null,
          f.has("end_of_word_suffix") ? f.string("end_of_word_suffix") : null, f.bool("fuse_unk", false),
          f.bool("byte_fallback", false), f.bool("ignore_merges", false));
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(path, e.getMessage(), e);
    }
  }

  /** HF writes the vocab as a list of [piece, score] pairs, in id order. */
  private static UnigramModel unigram(JsonFields f, String path) {
    JsonNode arr = f.array("vocab");
    List<UnigramModel.Piece> pieces = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      JsonNode p = arr.get(i);
      if (!p.isArray() || p.size() != 2 || !p.get(0).isTextual() || !p.get(1).isNumber()) {
        throw new TokenizerFormatException(f.at("vocab") + "[" + i + "]", "expected [piece, score], got "
            + JsonFields.describe(p));
      }
      pieces.add(new UnigramModel.Piece(p.get(0).textValue(), p.get(1).doubleValue(), UnigramModel.PieceType.NORMAL));
    }
    int unk = f.has("unk_id") ? f.integer("unk_id") : -1;
    try {
      return new UnigramModel(pieces, unk, f.bool("byte_fallback", false), UnigramModel.Scoring.HF);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(path, e.getMessage(), e);
    }
  }

  /** {@code merges}: "a b" strings (older files) or ["a", "b"] pairs (newer files, tokens may hold spaces). */
  private static List<String[]> merges(JsonFields f) {
    JsonNode arr = f.array("merges");
    List<String[]> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      JsonNode m = arr.get(i);
      if (m.isTextual()) {
        String s = m.textValue();
        int space = s.indexOf(' ');
        if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
          throw new TokenizerFormatException(f.at("merges") + "[" + i + "]",
              "expected two tokens separated by one space, got \"" + s + "\"");
        }
        out.add(new String[] {s.substring(0, space), s.substring(space + 1)});
      } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
        out.add(new String[] {m.get(0).textValue(), m.get(1).textValue()});
      } else {
        throw new TokenizerFormatException(f.at("merges") + "[" + i + "]",
            "expected \"a b\" or [\"a\", \"b\"], got " + JsonFields.describe(m));
      }
    }
    return out;
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

  private static void putOrNull(ObjectNode o, String field, String value) {
    if (value == null) {
      o.putNull(field);
    } else {
      o.put(field, value);
    }
  }

  /** Merges as "a b" strings, or as ["a", "b"] pairs when a token holds a space. */
  private static ArrayNode mergesNode(List<String[]> merges) {
    ArrayNode out = F.arrayNode();
    boolean spaces = merges.stream().anyMatch(m -> m[0].contains(" ") || m[1].contains(" "));
    for (String[] m : merges) {
      if (spaces) {
        out.addArray().add(m[0]).add(m[1]);
      } else {
        out.add(m[0] + " " + m[1]);
      }
    }
    return out;
  }

  static JsonNode write(TokenModel model) {
    ObjectNode o = F.objectNode();
    if (model instanceof WordPieceModel w) {
      o.put("type", "WordPiece");
      o.put("unk_token", w.unkToken());
      o.put("continuing_subword_prefix", w.continuingSubwordPrefix());
      o.put("max_input_chars_per_word", w.maxInputCharsPerWord());
      o.set("vocab", vocabNode(w.vocabulary()));
    } else if (model instanceof UnigramModel u) {
      o.put("type", "Unigram");
      if (u.unkId() >= 0) {
        o.put("unk_id", u.unkId());
      } else {
        o.putNull("unk_id");
      }
      ArrayNode vocab = o.putArray("vocab");
      for (UnigramModel.Piece p : u.pieces()) {
        vocab.addArray().add(p.token()).add(p.score());
      }
      o.put("byte_fallback", u.byteFallback());
    } else if (model instanceof BpeModel b) {
      o.put("type", "BPE");
      o.putNull("dropout");
      putOrNull(o, "unk_token", b.unkToken());
      putOrNull(o, "continuing_subword_prefix", b.continuingSubwordPrefix().isEmpty() ? null
          : b.continuingSubwordPrefix());
      putOrNull(o, "end_of_word_suffix", b.endOfWordSuffix().isEmpty() ? null : b.endOfWordSuffix());
      o.put("fuse_unk", b.fuseUnk());
      o.put("byte_fallback", b.byteFallback());
      o.put("ignore_merges", b.ignoreMerges());
      o.set("vocab", vocabNode(b.vocabulary()));
      o.set("merges", mergesNode(b.merges()));
    } else if (model instanceof SentencePieceBpeModel s) {
      // HF's SentencePiece converter: a BPE with merges derived from the pieces, unknown runs fused as
      // SentencePiece fuses them.
      o.put("type", "BPE");
      o.putNull("dropout");
      o.put("unk_token", s.vocabulary().token(s.unkId()));
      o.putNull("continuing_subword_prefix");
      o.putNull("end_of_word_suffix");
      o.put("fuse_unk", true);
      o.put("byte_fallback", s.byteFallback());
      o.put("ignore_merges", false);
      o.set("vocab", vocabNode(s.vocabulary()));
      o.set("merges", mergesNode(s.hfMerges()));
    } else {
      throw new TokenizerFormatException("model", "cannot write " + model.getClass().getName());
    }
    return o;
  }
}
