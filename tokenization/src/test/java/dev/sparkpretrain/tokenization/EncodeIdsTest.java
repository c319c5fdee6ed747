package dev.sparkpretrain.tokenization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Tokenizer#encodeIds} gives exactly the ids and word starts of {@code encode(text, false)}, for every
 * reference tokenizer (WordPiece from tokenizer.json and vocab.txt, byte-level BPE, SentencePiece Unigram and BPE)
 * over the corpus samples, multi-line documents and the edge cases (added tokens in the text, lone surrogates).
 */
class EncodeIdsTest {

  @ParameterizedTest
  @ValueSource(strings = {"bert-base-uncased.tokenizer.json", "bert-base-uncased.vocab.txt",
      "bge-small-zh-v1.5.notrunc.tokenizer.json", "gpt2.tokenizer.json", "gpt2.encoder.json",
      "sctg-clean_30k.model", "spm-bpe-3k-bytes.model", "spm-bpe-3k-identity.model"})
  void idsAndWordStartsAreThoseOfEncode(String file) throws IOException {
    Tokenizer tokenizer = Tokenizer.load(TestTexts.resourcePath("tokenizers/" + file));
    List<String> texts = new ArrayList<>(TestTexts.allCorpusTexts());
    texts.addAll(TestTexts.edgeCases());
    int tokens = 0;
    for (String text : texts) {
      Encoding full = tokenizer.encode(text, false);
      TokenIds ids = tokenizer.encodeIds(text);
      assertArrayEquals(full.ids(), ids.ids(), () -> file + ": ids of " + text);
      assertArrayEquals(full.wordStarts(), ids.wordStarts(), () -> file + ": word starts of " + text);
      tokens += ids.length();
    }
    System.out.printf("%s: %d texts, %d tokens%n", file, texts.size(), tokens);
    assertEquals(texts.size(), TestTexts.allCorpusTexts().size() + TestTexts.edgeCases().size());
  }
}
