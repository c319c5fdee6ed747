package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.decode.ByteFallbackDecoder;
import dev.sparkpretrain.tokenization.decode.ByteLevelDecoder;
import dev.sparkpretrain.tokenization.decode.Decoder;
import dev.sparkpretrain.tokenization.decode.DecoderSequence;
import dev.sparkpretrain.tokenization.decode.FuseDecoder;
import dev.sparkpretrain.tokenization.decode.MetaspaceDecoder;
import dev.sparkpretrain.tokenization.decode.ReplaceDecoder;
import dev.sparkpretrain.tokenization.decode.StripDecoder;
import dev.sparkpretrain.tokenization.decode.WordPieceDecoder;

/** The {@code decoder} section of tokenizer.json, by HF type tag. */
final class DecoderJson {
  private DecoderJson() {}

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  static Decoder read(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    JsonFields f = JsonFields.of(node, path);
    switch (f.type()) {
      case "WordPiece":
        return new WordPieceDecoder(f.string("prefix", "##"), f.bool("cleanup", true));
      case "ByteLevel":
        return new ByteLevelDecoder();
      case "Metaspace":
        return new MetaspaceDecoder(PreTokenizerJson.replacement(f), PreTokenizerJson.prependScheme(f),
            f.bool("split", true));
      case "ByteFallback":
        return new ByteFallbackDecoder();
      case "Replace":
        return new ReplaceDecoder(NormalizerJson.pattern(f), f.string("content"));
      case "Fuse":
        return new FuseDecoder();
      case "Strip": {
        String content = f.string("content");
        if (content.codePointCount(0, content.length()) != 1) {
          throw new TokenizerFormatException(f.at("content"), "expected one character, got \"" + content + "\"");
        }
        int start = f.integer("start");
        int stop = f.integer("stop");
        if (start < 0 || stop < 0) {
          throw new TokenizerFormatException(f.at(start < 0 ? "start" : "stop"), "must be >= 0");
        }
        return new StripDecoder(content.codePointAt(0), start, stop);
      }
      case "Sequence": {
        JsonNode items = f.array("decoders");
        java.util.List<Decoder> list = new java.util.ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          list.add(read(items.get(i), f.at("decoders") + "[" + i + "]"));
        }
        return new DecoderSequence(list);
      }
      default:
        throw f.unsupported("decoder");
    }
  }

  static JsonNode write(Decoder d) {
    if (d == null) {
      return F.nullNode();
    }
    ObjectNode o = F.objectNode();
    if (d instanceof WordPieceDecoder w) {
      o.put("type", "WordPiece");
      o.put("prefix", w.prefix());
      o.put("cleanup", w.cleanup());
    } else if (d instanceof MetaspaceDecoder m) {
      PreTokenizerJson.writeMetaspaceFields(o, m.replacement(), m.prependScheme(), m.split());
    } else if (d instanceof ByteFallbackDecoder) {
      o.put("type", "ByteFallback");
    } else if (d instanceof ReplaceDecoder r) {
      o.put("type", "Replace");
      o.set("pattern", NormalizerJson.pattern(r.pattern()));
      o.put("content", r.content());
    } else if (d instanceof FuseDecoder) {
      o.put("type", "Fuse");
    } else if (d instanceof StripDecoder st) {
      o.put("type", "Strip");
      o.put("content", Character.toString(st.content()));
      o.put("start", st.start());
      o.put("stop", st.stop());
    } else if (d instanceof DecoderSequence s) {
      o.put("type", "Sequence");
      var arr = o.putArray("decoders");
      s.decoders().forEach(x -> arr.add(write(x)));
    } else if (d instanceof ByteLevelDecoder) {
      // HF's ByteLevel decoder ignores these three; written as HF writes them.
      o.put("type", "ByteLevel");
      o.put("add_prefix_space", true);
      o.put("trim_offsets", true);
      o.put("use_regex", true);
    } else {
      throw new TokenizerFormatException("decoder", "cannot write " + d.getClass().getName());
    }
    return o;
  }
}
