package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.model.bpe.SentencePieceBpeModel;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.SentencePieceNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.Metaspace;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * HF {@code tokenizer.json} reader and writer. Every stage is read and written by its HF {@code "type"}
 * tag, so a pipeline round-trips. {@code truncation} and {@code padding} are ignored on reading and written
 * as null: {@link Tokenizer#encode} never truncates or pads (examples are cut where they are built).
 */
public final class TokenizerJson {
  private TokenizerJson() {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static Tokenizer read(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new TokenizerFormatException("(root)", "not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonFields f = JsonFields.of(root, "");
    if (!f.has("model")) {
      throw new TokenizerFormatException("model", "missing; a tokenizer.json needs a model");
    }
    return new Tokenizer(
        NormalizerJson.read(f.get("normalizer"), "normalizer"),
        PreTokenizerJson.read(f.get("pre_tokenizer"), "pre_tokenizer"),
        ModelJson.read(f.get("model"), "model"),
        PostProcessorJson.read(f.get("post_processor"), "post_processor"),
        DecoderJson.read(f.get("decoder"), "decoder"),
        addedTokens(f));
  }

  private static List<AddedToken> addedTokens(JsonFields f) {
    List<AddedToken> out = new ArrayList<>();
    if (!f.has("added_tokens")) {
      return out;
    }
    JsonNode arr = f.array("added_tokens");
    for (int i = 0; i < arr.size(); i++) {
      JsonFields t = JsonFields.of(arr.get(i), "added_tokens[" + i + "]");
      try {
        out.add(new AddedToken(t.integer("id"), t.string("content"), t.bool("single_word", false),
            t.bool("lstrip", false), t.bool("rstrip", false), t.bool("normalized", true),
            t.bool("special", false)));
      } catch (IllegalArgumentException e) {
        throw new TokenizerFormatException(t.path(), e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * HF's added tokens for a SentencePiece model: control and unknown pieces, as special tokens matched in
   * the raw text. User-defined symbols stay ordinary pieces: as added tokens they would cut the text, and
   * each cut would get its own '▁' prefix, which SentencePiece never adds.
   */
  private static List<AddedToken> sentencePieceAddedTokens(Tokenizer tokenizer, SentencePieceNormalizer spm) {
    List<AddedToken> out = new ArrayList<>(tokenizer.addedTokens());
    List<UnigramModel.Piece> pieces = tokenizer.model() instanceof UnigramModel u ? u.pieces()
        : tokenizer.model() instanceof SentencePieceBpeModel b ? b.pieces() : List.of();
    for (int i = 0; i < pieces.size(); i++) {
      UnigramModel.Piece p = pieces.get(i);
      switch (p.type()) {
        case CONTROL, UNKNOWN -> out.add(new AddedToken(i, p.token(), false, false, false, false, true));
        default -> { }
      }
    }
    return out;
  }

  public static String write(Tokenizer tokenizer) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    Normalizer normalizer = tokenizer.normalizer();
    PreTokenizer preTokenizer = tokenizer.preTokenizer();
    List<AddedToken> addedTokens = tokenizer.addedTokens();
    if (normalizer instanceof SentencePieceNormalizer spm && preTokenizer == null) {
      // A .model tokenizer: written in HF's terms, as HF's own converters write it.
      normalizer = spm.hfNormalizer();
      preTokenizer = new Metaspace('\u2581', spm.addDummyPrefix() ? Metaspace.PrependScheme.ALWAYS
          : Metaspace.PrependScheme.NEVER, true);
      addedTokens = sentencePieceAddedTokens(tokenizer, spm);
    }
    ArrayNode added = root.putArray("added_tokens");
    for (AddedToken t : addedTokens) {
      ObjectNode o = added.addObject();
      o.put("id", t.id());
      o.put("content", t.content());
      o.put("single_word", t.singleWord());
      o.put("lstrip", t.lstrip());
      o.put("rstrip", t.rstrip());
      o.put("normalized", t.normalized());
      o.put("special", t.special());
    }
    root.set("normalizer", NormalizerJson.write(normalizer));
    root.set("pre_tokenizer", PreTokenizerJson.write(preTokenizer));
    root.set("post_processor", PostProcessorJson.write(tokenizer.postProcessor()));
    root.set("decoder", DecoderJson.write(tokenizer.decoder()));
    root.set("model", ModelJson.write(tokenizer.model()));
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("writing tokenizer.json", e);
    }
  }
}
