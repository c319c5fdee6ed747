package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.process.BertProcessing;
import dev.sparkpretrain.tokenization.process.ByteLevelProcessing;
import dev.sparkpretrain.tokenization.process.RobertaProcessing;
import dev.sparkpretrain.tokenization.process.PostProcessor;
import dev.sparkpretrain.tokenization.process.TemplateProcessing;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code post_processor} section of tokenizer.json, by HF type tag. */
final class PostProcessorJson {
  private PostProcessorJson() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static PostProcessor read(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonFields f = JsonFields.of(node, path);
    switch (f.type()) {
      case "BertProcessing":
        return new BertProcessing(tokenAndId(f, "sep"), tokenAndId(f, "cls"));
      case "TemplateProcessing":
        return template(f);
      case "ByteLevel":
        return new ByteLevelProcessing(f.bool("add_prefix_space", true), f.bool("trim_offsets", true),
            f.bool("use_regex", true));
      case "RobertaProcessing":
        return new RobertaProcessing(tokenAndId(f, "sep"), tokenAndId(f, "cls"), f.bool("trim_offsets", true),
            f.bool("add_prefix_space", true));
      default:
        throw f.unsupported("post_processor");
    }
  }

  /** HF writes {@code "sep": ["[SEP]", 102]}. */
  private static BertProcessing.SpecialToken tokenAndId(JsonFields f, String field) {
    JsonNode v = f.array(field);
    if (v.size() != 2 || !v.get(0).isTextual() || !v.get(1).isIntegralNumber()) {
      throw new TokenizerFormatException(f.at(field), "expected [token, id], got " + JsonFields.describe(v));
    }
    return new BertProcessing.SpecialToken(v.get(0).textValue(), v.get(1).intValue());
  }

  private static TemplateProcessing template(JsonFields f) {
    List<TemplateProcessing.Piece> single = pieces(f, "single");
    List<TemplateProcessing.Piece> pair = pieces(f, "pair");
    Map<String, TemplateProcessing.SpecialToken> specials = new LinkedHashMap<>();
    JsonFields st = f.object("special_tokens");
    for (Iterator<Map.Entry<String, JsonNode>> it = st.node().fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonFields t = JsonFields.of(e.getValue(), st.at(e.getKey()));
      List<Integer> ids = new ArrayList<>();
      t.array("ids").forEach(x -> ids.add(x.intValue()));
      List<String> tokens = new ArrayList<>();
      t.array("tokens").forEach(x -> tokens.add(x.asText()));
      specials.put(e.getKey(), new TemplateProcessing.SpecialToken(t.string("id"), ids, tokens));
    }
    try {
      return new TemplateProcessing(single, pair, specials);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(f.path(), e.getMessage(), e);
    }
  }

  private static List<TemplateProcessing.Piece> pieces(JsonFields f, String field) {
    JsonNode arr = f.array(field);
    List<TemplateProcessing.Piece> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = f.at(field) + "[" + i + "]";
      JsonNode p = arr.get(i);
      if (p.has("Sequence")) {
        JsonFields s = JsonFields.of(p.get("Sequence"), at + ".Sequence");
        String id = s.string("id");
        if (!id.equals("A") && !id.equals("B")) {
          throw new TokenizerFormatException(s.at("id"), "expected \"A\" or \"B\", got \"" + id + "\"");
        }
        out.add(new TemplateProcessing.SequencePiece(id.equals("B"), s.integer("type_id")));
      } else if (p.has("SpecialToken")) {
        JsonFields s = JsonFields.of(p.get("SpecialToken"), at + ".SpecialToken");
        out.add(new TemplateProcessing.SpecialTokenPiece(s.string("id"), s.integer("type_id")));
      } else {
        throw new TokenizerFormatException(at, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    return out;
  }

  static JsonNode write(PostProcessor p) {
    if (p == null) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    if (p instanceof BertProcessing b) {
      o.put("type", "BertProcessing");
      o.putArray("sep").add(b.sep().token()).add(b.sep().id());
      o.putArray("cls").add(b.cls().token()).add(b.cls().id());
    } else if (p instanceof ByteLevelProcessing b) {
      o.put("type", "ByteLevel");
      o.put("add_prefix_space", b.addPrefixSpace());
      o.put("trim_offsets", b.trimOffsets());
      o.put("use_regex", b.useRegex());
    } else if (p instanceof RobertaProcessing r) {
      o.put("type", "RobertaProcessing");
      o.putArray("sep").add(r.sep().token()).add(r.sep().id());
      o.putArray("cls").add(r.cls().token()).add(r.cls().id());
      o.put("trim_offsets", r.trimOffsets());
      o.put("add_prefix_space", r.addPrefixSpace());
    } else if (p instanceof TemplateProcessing t) {
      o.put("type", "TemplateProcessing");
      o.set("single", pieces(t.single()));
      o.set("pair", pieces(t.pair()));
      ObjectNode specials = o.putObject("special_tokens");
      t.specialTokens().forEach((k, v) -> {
        ObjectNode s = specials.putObject(k);
        s.put("id", v.id());
        ArrayNode ids = s.putArray("ids");
        v.ids().forEach(ids::add);
        ArrayNode tokens = s.putArray("tokens");
        v.tokens().forEach(tokens::add);
      });
    } else {
      throw new TokenizerFormatException("post_processor", "cannot write " + p.getClass().getName());
    }
    return o;
  }

  private static ArrayNode pieces(List<TemplateProcessing.Piece> pieces) {
    ArrayNode arr = F.arrayNode();
    for (TemplateProcessing.Piece p : pieces) {
      ObjectNode inner = F.objectNode();
      if (p instanceof TemplateProcessing.SequencePiece s) {
        inner.put("id", s.isB() ? "B" : "A");
        inner.put("type_id", s.typeId());
        arr.addObject().set("Sequence", inner);
      } else {
        inner.put("id", ((TemplateProcessing.SpecialTokenPiece) p).id());
        inner.put("type_id", p.typeId());
        arr.addObject().set("SpecialToken", inner);
      }
    }
    return arr;
  }
}
