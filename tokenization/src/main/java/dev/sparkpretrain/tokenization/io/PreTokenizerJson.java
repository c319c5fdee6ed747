package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.pretokenize.BertPreTokenizer;
import dev.sparkpretrain.tokenization.pretokenize.ByteLevel;
import dev.sparkpretrain.tokenization.pretokenize.Digits;
import dev.sparkpretrain.tokenization.pretokenize.Metaspace;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizer;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizerSequence;
import dev.sparkpretrain.tokenization.pretokenize.Punctuation;
import dev.sparkpretrain.tokenization.pretokenize.Split;
import dev.sparkpretrain.tokenization.pretokenize.SplitBehavior;
import dev.sparkpretrain.tokenization.pretokenize.Whitespace;
import dev.sparkpretrain.tokenization.pretokenize.WhitespaceSplit;
import java.util.ArrayList;
import java.util.List;

/** The {@code pre_tokenizer} section of tokenizer.json, by HF type tag. */
final class PreTokenizerJson {
  private PreTokenizerJson() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static PreTokenizer read(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonFields f = JsonFields.of(node, path);
    switch (f.type()) {
      case "BertPreTokenizer":
        return new BertPreTokenizer();
      case "WhitespaceSplit":
        return new WhitespaceSplit();
      case "Whitespace":
        return new Whitespace();
      case "Split":
        return new Split(NormalizerJson.pattern(f), behavior(f, null), f.bool("invert", false));
      case "Punctuation":
        return new Punctuation(behavior(f, SplitBehavior.ISOLATED));
      case "Digits":
        return new Digits(f.bool("individual_digits", false));
      case "ByteLevel":
        return new ByteLevel(f.bool("add_prefix_space", true), f.bool("trim_offsets", true),
            f.bool("use_regex", true));
      case "Metaspace":
        return new Metaspace(replacement(f), prependScheme(f), f.bool("split", true));
      case "Sequence": {
        JsonNode items = f.array("pretokenizers");
        List<PreTokenizer> list = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          list.add(read(items.get(i), f.at("pretokenizers") + "[" + i + "]"));
        }
        return new PreTokenizerSequence(list);
      }
      default:
        throw f.unsupported("pre_tokenizer");
    }
  }

  /** {@code behavior}; required when {@code fallback} is null. */
  private static SplitBehavior behavior(JsonFields f, SplitBehavior fallback) {
    if (!f.has("behavior") && fallback != null) {
      return fallback;
    }
    try {
      return SplitBehavior.fromJson(f.string("behavior"));
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException(f.at("behavior"), e.getMessage(), e);
    }
  }

  static char replacement(JsonFields f) {
    String r = f.string("replacement", "\u2581");
    if (r.length() != 1) {
      throw new TokenizerFormatException(f.at("replacement"), "expected one character, got \"" + r + "\"");
    }
    return r.charAt(0);
  }

  /** {@code prepend_scheme}, or the older {@code add_prefix_space} boolean it replaced. */
  static Metaspace.PrependScheme prependScheme(JsonFields f) {
    if (f.has("prepend_scheme")) {
      String s = f.string("prepend_scheme");
      switch (s) {
        case "always":
          return Metaspace.PrependScheme.ALWAYS;
        case "first":
          return Metaspace.PrependScheme.FIRST;
        case "never":
          return Metaspace.PrependScheme.NEVER;
        default:
          throw new TokenizerFormatException(f.at("prepend_scheme"), "expected always, first or never, got " + s);
      }
    }
    return f.bool("add_prefix_space", true) ? Metaspace.PrependScheme.ALWAYS : Metaspace.PrependScheme.NEVER;
  }

  static void writeMetaspaceFields(ObjectNode o, char replacement, Metaspace.PrependScheme scheme, boolean split) {
    o.put("type", "Metaspace");
    o.put("replacement", String.valueOf(replacement));
    o.put("prepend_scheme", scheme.name().toLowerCase(java.util.Locale.ROOT));
    o.put("split", split);
  }

  static JsonNode write(PreTokenizer p) {
    if (p == null) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    if (p instanceof BertPreTokenizer) {
      o.put("type", "BertPreTokenizer");
    } else if (p instanceof ByteLevel b) {
      o.put("type", "ByteLevel");
      o.put("add_prefix_space", b.addPrefixSpace());
      o.put("trim_offsets", b.trimOffsets());
      o.put("use_regex", b.useRegex());
    } else if (p instanceof Metaspace m) {
      writeMetaspaceFields(o, m.replacement(), m.prependScheme(), m.split());
    } else if (p instanceof WhitespaceSplit) {
      o.put("type", "WhitespaceSplit");
    } else if (p instanceof Whitespace) {
      o.put("type", "Whitespace");
    } else if (p instanceof Split sp) {
      o.put("type", "Split");
      o.set("pattern", NormalizerJson.pattern(sp.pattern()));
      o.put("behavior", sp.behavior().json());
      o.put("invert", sp.invert());
    } else if (p instanceof Punctuation pu) {
      o.put("type", "Punctuation");
      o.put("behavior", pu.behavior().json());
    } else if (p instanceof Digits d) {
      o.put("type", "Digits");
      o.put("individual_digits", d.individualDigits());
    } else if (p instanceof PreTokenizerSequence s) {
      o.put("type", "Sequence");
      var arr = o.putArray("pretokenizers");
      s.preTokenizers().forEach(x -> arr.add(write(x)));
    } else {
      throw new TokenizerFormatException("pre_tokenizer", "cannot write " + p.getClass().getName());
    }
    return o;
  }
}
