package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.normalize.BertNormalizer;
import dev.sparkpretrain.tokenization.normalize.Lowercase;
import dev.sparkpretrain.tokenization.normalize.Nmt;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.NormalizerSequence;
import dev.sparkpretrain.tokenization.normalize.Precompiled;
import dev.sparkpretrain.tokenization.normalize.PrecompiledCharsMap;
import dev.sparkpretrain.tokenization.normalize.Prepend;
import dev.sparkpretrain.tokenization.normalize.Replace;
import dev.sparkpretrain.tokenization.normalize.Strip;
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
      case "Precompiled": {
        if (!f.has("precompiled_charsmap")) {
          return new NormalizerSequence(List.of()); // HF: no charsmap, nothing to do
        }
        byte[] raw;
        try {
          raw = java.util.Base64.getDecoder().decode(f.string("precompiled_charsmap"));
        } catch (IllegalArgumentException e) {
          throw new TokenizerFormatException(f.at("precompiled_charsmap"), "not base64: " + e.getMessage(), e);
        }
        if (raw.length == 0) {
          return new NormalizerSequence(List.of());
        }
        try {
          return new Precompiled(new PrecompiledCharsMap(raw));
        } catch (IllegalArgumentException e) {
          throw new TokenizerFormatException(f.at("precompiled_charsmap"), e.getMessage(), e);
        }
      }
      case "Replace":
        return new Replace(pattern(f), f.string("content"));
      case "Strip":
        return new Strip(f.bool("strip_left", true), f.bool("strip_right", true));
      case "Nmt":
        return new Nmt();
      case "Prepend":
        return new Prepend(f.string("prepend"));
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

  /** HF's {@code {"String": "..."}} or {@code {"Regex": "..."}}. */
  static Replace.Pattern pattern(JsonFields f) {
    JsonFields p = f.object("pattern");
    try {
      if (p.has("String")) {
        return Replace.Pattern.literal(p.string("String"));
      }
      if (p.has("Regex")) {
        Replace.Pattern regex = Replace.Pattern.regex(p.string("Regex"));
        regex.compile(); // a bad regex is reported here, naming the field
        return regex;
      }
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(p.path(), e.getMessage(), e);
    }
    throw new TokenizerFormatException(p.path(), "expected {\"String\": ...} or {\"Regex\": ...}");
  }

  static ObjectNode pattern(Replace.Pattern p) {
    ObjectNode o = F.objectNode();
    o.put(p.isRegex() ? "Regex" : "String", p.source());
    return o;
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
    } else if (n instanceof Precompiled p) {
      o.put("type", "Precompiled");
      o.put("precompiled_charsmap", java.util.Base64.getEncoder().encodeToString(p.charsMap().raw()));
    } else if (n instanceof Replace r) {
      o.put("type", "Replace");
      o.set("pattern", pattern(r.pattern()));
      o.put("content", r.content());
    } else if (n instanceof Nmt) {
      o.put("type", "Nmt");
    } else if (n instanceof Prepend pr) {
      o.put("type", "Prepend");
      o.put("prepend", pr.prepend());
    } else if (n instanceof Strip st) {
      o.put("type", "Strip");
      o.put("strip_left", st.left());
      o.put("strip_right", st.right());
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
