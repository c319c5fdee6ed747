package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.normalize.BertNormalizer;
import dev.sparkpretrain.tokenization.normalize.Lowercase;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.NormalizerSequence;
import dev.sparkpretrain.tokenization.normalize.StripAccents;
import dev.sparkpretrain.tokenization.normalize.UnicodeNormalizer;
import java.util.ArrayList;
import java.util.List;

/** The {@code normalizer} section of tokenizer.json, by HF type tag. */
final class NormalizerJson {
  private NormalizerJson() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static Normalizer read(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonFields f = JsonFields.of(node, path);
    switch (f.type()) {
      case "BertNormalizer":
        return new BertNormalizer(f.bool("clean_text", true), f.bool("handle_chinese_chars", true),
            f.optionalBool("strip_accents"), f.bool("lowercase", true));
      case "Lowercase":
        return new Lowercase();
      case "StripAccents":
        return new StripAccents();
      case "NFC":
      case "NFD":
      case "NFKC":
      case "NFKD":
        return new UnicodeNormalizer(UnicodeNormalizer.Form.valueOf(f.type()));
      case "Sequence": {
        JsonNode items = f.array("normalizers");
        List<Normalizer> list = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          list.add(read(items.get(i), f.at("normalizers") + "[" + i + "]"));
        }
        return new NormalizerSequence(list);
      }
      default:
        throw f.unsupported("normalizer");
    }
  }

  static JsonNode write(Normalizer n) {
    if (n == null) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    if (n instanceof BertNormalizer b) {
      o.put("type", "BertNormalizer");
      o.put("clean_text", b.cleanText());
      o.put("handle_chinese_chars", b.handleChineseChars());
      if (b.stripAccents() == null) {
        o.putNull("strip_accents");
      } else {
        o.put("strip_accents", b.stripAccents());
      }
      o.put("lowercase", b.lowercase());
    } else if (n instanceof Lowercase) {
      o.put("type", "Lowercase");
    } else if (n instanceof StripAccents) {
      o.put("type", "StripAccents");
    } else if (n instanceof UnicodeNormalizer u) {
      o.put("type", u.form().name());
    } else if (n instanceof NormalizerSequence s) {
      o.put("type", "Sequence");
      var arr = o.putArray("normalizers");
      s.normalizers().forEach(x -> arr.add(write(x)));
    } else {
      throw new TokenizerFormatException("normalizer", "cannot write " + n.getClass().getName());
    }
    return o;
  }
}
