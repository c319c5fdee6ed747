package dev.sparkpretrain.tokenization;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our encoder against HF tokenizers (through DJL) on the BERT tokenizer.json files, over the corpus
 * samples and the edge cases: ids, type ids, special flags, offsets and word starts must all agree.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WordPieceOracleTest {
  private static final List<String> FILES = List.of("bert-base-uncased.tokenizer.json",
      "bge-small-zh-v1.5.notrunc.tokenizer.json");

  private final List<HfOracle> oracles = new ArrayList<>();

  @BeforeAll
  void start() {
    for (String f : FILES) {
      oracles.add(new HfOracle(TestTexts.resourcePath("tokenizers/" + f)));
    }
  }

  @AfterAll
  void stop() {
    oracles.forEach(HfOracle::close);
  }

  private static Tokenizer ours(String file) throws IOException {
    return Tokenizer.load(TestTexts.resourcePath("tokenizers/" + file));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void corpusAndEdgeCasesEncodeAsHfDoes(int which) throws IOException {
    Tokenizer tokenizer = ours(FILES.get(which));
    HfOracle oracle = oracles.get(which);
    OracleComparison cmp = new OracleComparison(FILES.get(which) + " encode");
    List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
    texts.addAll(TestTexts.edgeCases());
    for (String text : texts) {
      // DJL hands Rust a lossy UTF-8 copy in which a lone surrogate becomes three U+FFFD, so offsets are
      // only comparable on well-formed text.
      boolean full = !TestTexts.hasLoneSurrogate(text);
      cmp.check(text, tokenizer.encode(text, true), oracle.encode(text, true), full);
      cmp.check(text, tokenizer.encode(text, false), oracle.encode(text, false), full);
    }
    cmp.assertAllAgree();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void pairsAndDecodeAsHfDoes(int which) throws IOException {
    Tokenizer tokenizer = ours(FILES.get(which));
    HfOracle oracle = oracles.get(which);
    OracleComparison pairs = new OracleComparison(FILES.get(which) + " encodePair");
    OracleComparison decode = new OracleComparison(FILES.get(which) + " decode");
    List<String> texts = new ArrayList<>(TestTexts.edgeCases());
    for (String c : TestTexts.CORPORA) {
      texts.addAll(TestTexts.corpusLines(c).subList(0, 40));
    }
    for (int i = 0; i + 1 < texts.size(); i++) {
      String a = texts.get(i);
      String b = texts.get(i + 1);
      for (boolean specials : new boolean[] {true, false}) {
        Encoding e = tokenizer.encodePair(a, b, specials);
        pairs.checkIds(a + " || " + b, e.ids(), oracle.encodePairIds(a, b, specials));
        pairs.checkIds(a + " || " + b + " (type ids)", e.typeIds(), oracle.encodePairTypeIds(a, b, specials));
      }
      int[] ids = tokenizer.encode(a).ids();
      decode.checkText(a, tokenizer.decode(ids, true), oracle.decode(ids, true));
      decode.checkText(a, tokenizer.decode(ids, false), oracle.decode(ids, false));
    }
    pairs.assertAllAgree();
    decode.assertAllAgree();
  }

  @Test
  void vocabTxtEncodesAsTheTokenizerJson() throws IOException {
    Tokenizer fromVocab = Tokenizer.load(TestTexts.resourcePath("tokenizers/bert-base-uncased.vocab.txt"));
    Tokenizer fromJson = ours(FILES.get(0));
    OracleComparison cmp = new OracleComparison("bert-base-uncased vocab.txt vs tokenizer.json");
    for (String text : TestTexts.edgeCases()) {
      cmp.check(text, fromVocab.encode(text), fromJson.encode(text), true);
    }
    for (String text : TestTexts.corpusLines("europarl")) {
      cmp.check(text, fromVocab.encode(text), fromJson.encode(text), true);
    }
    cmp.assertAllAgree();
    org.junit.jupiter.api.Assertions.assertEquals(fromJson.vocabSize(), fromVocab.vocabSize());
  }

  static Path file(String name) {
    return TestTexts.resourcePath("tokenizers/" + name);
  }
}
