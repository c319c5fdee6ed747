package dev.sparkpretrain.tokenization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GPT-2 byte-level BPE against HF tokenizers (DJL) and jtokkit's r50k_base over the corpus samples and the
 * edge cases.
 */
class ByteLevelBpeOracleTest {
  private static Tokenizer gpt2;
  private static HfOracle hf;

  @BeforeAll
  static void load() throws IOException {
    gpt2 = Tokenizer.load(TestTexts.resourcePath("tokenizers/gpt2.tokenizer.json"));
    hf = new HfOracle(TestTexts.resourcePath("tokenizers/gpt2.tokenizer.json"));
  }

  @AfterAll
  static void close() {
    hf.close();
  }

  private static List<String> texts() {
    List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
    texts.addAll(TestTexts.edgeCases());
    texts.add("hello <|endoftext|> world<|endoftext|>");
    texts.add("'s 're 've 'm 'll 'd 't ''s ' s x'sy X'S");
    texts.add("a  b   c    \n\n  d \t e\u3000f\u0085g \u2028 h");
    texts.add("   ");
    texts.add("x\n");
    return texts;
  }

  @Test
  void encodesAsHf() {
    OracleComparison cmp = new OracleComparison("gpt2.tokenizer.json vs HF");
    OracleComparison decode = new OracleComparison("gpt2 decode vs HF");
    for (String text : texts()) {
      if (TestTexts.hasLoneSurrogate(text)) {
        continue; // DJL turns a lone surrogate into three U+FFFD, we into one; see loneSurrogates()
      }
      Encoding ours = gpt2.encode(text);
      cmp.check(text, ours, hf.encode(text, true), true);
      decode.checkText(text, gpt2.decode(ours.ids(), false), hf.decode(ours.ids(), false));
    }
    cmp.assertAllAgree();
    decode.assertAllAgree();
  }

  @Test
  void encodesAsJtokkitR50k() {
    com.knuddels.jtokkit.api.Encoding r50k = Encodings.newDefaultEncodingRegistry()
        .getEncoding(EncodingType.R50K_BASE);
    OracleComparison cmp = new OracleComparison("gpt2.tokenizer.json vs jtokkit r50k_base");
    for (String text : texts()) {
      if (TestTexts.hasLoneSurrogate(text) || text.contains("<|endoftext|>")) {
        continue; // jtokkit's encodeOrdinary does not match special tokens; HF always does
      }
      cmp.checkIds(text, gpt2.encode(text).ids(), r50k.encodeOrdinary(text).toArray());
    }
    cmp.assertAllAgree();
  }

  @Test
  void longWordsTakeTheHeapPathAndStillMatchJtokkit() {
    // Words above BpeModel's small-word limit merge through the heap; random letters make long words.
    long seed = 20261129L;
    System.out.println("longWordsTakeTheHeapPathAndStillMatchJtokkit seed " + seed);
    java.util.Random random = new java.util.Random(seed);
    com.knuddels.jtokkit.api.Encoding r50k = Encodings.newDefaultEncodingRegistry()
        .getEncoding(EncodingType.R50K_BASE);
    OracleComparison cmp = new OracleComparison("gpt2 long words vs jtokkit r50k_base");
    String alphabet = "etaoinshrdlucmfwypvbgkjqxzETAOINé";
    for (int i = 0; i < 300; i++) {
      StringBuilder b = new StringBuilder(" ");
      int n = 20 + random.nextInt(300);
      for (int k = 0; k < n; k++) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = b.toString();
      cmp.checkIds(text, gpt2.encode(text).ids(), r50k.encodeOrdinary(text).toArray());
    }
    cmp.assertAllAgree();
  }

  @Test
  void encoderJsonAndVocabBpeEncodeAsTheTokenizerJson() throws IOException {
    Tokenizer fromFiles = Tokenizer.load(TestTexts.resourcePath("tokenizers/gpt2.encoder.json"));
    OracleComparison cmp = new OracleComparison("gpt2 encoder.json+vocab.bpe vs tokenizer.json");
    for (String text : texts()) {
      cmp.check(text, fromFiles.encode(text), gpt2.encode(text), true);
    }
    cmp.assertAllAgree();
    assertEquals(gpt2.vocabSize(), fromFiles.vocabSize());
  }

  @Test
  void jsonRoundTripEncodesTheSame() {
    Tokenizer again = Tokenizer.fromJson(gpt2.toJson());
    for (String text : TestTexts.edgeCases()) {
      assertEquals(gpt2.encode(text), again.encode(text), text);
    }
  }

  @Test
  void loneSurrogatesAreReadAsReplacementCharacters() {
    assertEquals(gpt2.encode("a\ufffdb"), gpt2.encode("a\ud800b"));
    assertEquals(gpt2.encode("\ufffd"), gpt2.encode("\udc00"));
  }
}
