package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.decode.ByteLevelDecoder;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.bpe.BpeModel;
import dev.sparkpretrain.tokenization.pretokenize.ByteLevel;
import dev.sparkpretrain.tokenization.process.ByteLevelProcessing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's GPT-2 files: {@code encoder.json} (token → id) and {@code vocab.bpe} (a version line, then one
 * merge "a b" per line, in rank order). Builds the tokenizer HF's {@code GPT2TokenizerFast} builds:
 * byte-level pre-tokenizer without prefix space, BPE, byte-level decoder, {@code <|endoftext|>} as a
 * special added token.
 */
public final class Gpt2Files {
  private Gpt2Files() {}

  public static final String END_OF_TEXT = "<|endoftext|>";

  /** {@code encoderJson} and the {@code vocab.bpe} beside it ("x.encoder.json" → "x.vocab.bpe"). */
  public static Tokenizer read(Path encoderJson) throws IOException {
    String name = encoderJson.getFileName().toString();
    String bpeName = name.substring(0, name.length() - "encoder.json".length()) + "vocab.bpe";
    return read(encoderJson, encoderJson.resolveSibling(bpeName));
  }

  public static Tokenizer read(Path encoderJson, Path vocabBpe) throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readString(encoderJson, StandardCharsets.UTF_8));
    if (root == null || !root.isObject()) {
      throw new TokenizerFormatException("encoder.json", "expected an object from token to id");
    }
    Map<String, Integer> ids = new HashMap<>(root.size() * 2);
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isIntegralNumber()) {
        throw new TokenizerFormatException("encoder.json[\"" + e.getKey() + "\"]", "expected an integer id");
      }
      ids.put(e.getKey(), e.getValue().intValue());
    }
    List<String[]> merges = new ArrayList<>();
    List<String> lines = Files.readAllLines(vocabBpe, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if ((i == 0 && line.startsWith("#version")) || line.isEmpty()) {
        continue;
      }
      String[] parts = line.split(" ");
      if (parts.length != 2) {
        throw new TokenizerFormatException("vocab.bpe line " + (i + 1), "expected two tokens, got \"" + line + "\"");
      }
      merges.add(parts);
    }
    return gpt2(new Vocabulary(ids), merges);
  }

  /** GPT-2's pipeline around a byte-level vocabulary and merges. */
  public static Tokenizer gpt2(Vocabulary vocabulary, List<String[]> merges) {
    BpeModel model;
    try {
      model = new BpeModel(vocabulary, merges, null, null, null, false, false, false);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException("vocab.bpe", e.getMessage(), e);
    }
    List<AddedToken> added = new ArrayList<>();
    int eot = vocabulary.id(END_OF_TEXT);
    if (eot >= 0) {
      added.add(new AddedToken(eot, END_OF_TEXT, false, false, false, true, true));
    }
    return new Tokenizer(null, ByteLevel.gpt2(), model, new ByteLevelProcessing(true, false, true),
        new ByteLevelDecoder(), added);
  }
}
