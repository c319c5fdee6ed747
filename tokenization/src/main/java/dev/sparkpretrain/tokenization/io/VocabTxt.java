package dev.sparkpretrain.tokenization.io;

import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.decode.WordPieceDecoder;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceModel;
import dev.sparkpretrain.tokenization.normalize.BertNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.BertPreTokenizer;
import dev.sparkpretrain.tokenization.process.TemplateProcessing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BERT's {@code vocab.txt}: one token per line, the line number is the id. Builds the tokenizer HF's
 * {@code BertTokenizerFast} builds from it: BERT normalizer, BERT pre-tokenizer, WordPiece with
 * {@code [UNK]}, {@code [CLS] A [SEP]} templates, the five BERT special tokens as added tokens.
 */
public final class VocabTxt {
  private VocabTxt() {}

  private static final List<String> BERT_SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  public static List<String> readTokens(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> tokens = new ArrayList<>(lines.size());
    for (String line : lines) {
      // HF strips trailing whitespace (the newline and a stray \r); an empty line is still an id.
      tokens.add(line.stripTrailing());
    }
    while (!tokens.isEmpty() && tokens.get(tokens.size() - 1).isEmpty()) {
      tokens.remove(tokens.size() - 1);
    }
    return tokens;
  }

  /** An uncased BERT tokenizer (lowercase, accents stripped) over {@code file}. */
  public static Tokenizer bertUncased(Path file) throws IOException {
    return bert(readTokens(file), true);
  }

  /** A BERT tokenizer over {@code tokens} (id = index), cased or uncased. */
  public static Tokenizer bert(List<String> tokens, boolean lowercase) {
    Vocabulary vocabulary;
    try {
      vocabulary = Vocabulary.ofList(tokens);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException("vocab.txt", e.getMessage(), e);
    }
    for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
      if (vocabulary.id(required) < 0) {
        throw new TokenizerFormatException("vocab.txt", "missing " + required + ", which BERT needs");
      }
    }
    List<AddedToken> added = new ArrayList<>();
    for (String s : BERT_SPECIALS) {
      if (vocabulary.id(s) >= 0) {
        added.add(AddedToken.special(vocabulary.id(s), s));
      }
    }
    added.sort(java.util.Comparator.comparingInt(AddedToken::id));
    return new Tokenizer(new BertNormalizer(true, true, null, lowercase), new BertPreTokenizer(),
        WordPieceModel.bert(vocabulary), TemplateProcessing.bert(vocabulary.id("[CLS]"), vocabulary.id("[SEP]")),
        new WordPieceDecoder("##", true), added);
  }
}
