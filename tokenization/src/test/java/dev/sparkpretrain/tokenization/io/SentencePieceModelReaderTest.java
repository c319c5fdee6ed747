package dev.sparkpretrain.tokenization.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.tokenization.TestTexts;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SentencePieceModelReaderTest {

  private static byte[] albert() throws IOException {
    return Files.readAllBytes(TestTexts.resourcePath("tokenizers/sctg-clean_30k.model"));
  }

  @Test
  void readsPiecesAndNormalizerSpec() throws IOException {
    SentencePieceModelReader.ModelProto m = SentencePieceModelReader.parse(albert());
    assertEquals(30_000, m.pieces().size());
    assertEquals("nmt_nfkc", m.normalizerName());
    assertTrue(m.precompiledCharsmap().length > 0);
    assertTrue(m.addDummyPrefix() && m.removeExtraWhitespaces() && m.escapeWhitespaces());
    assertEquals(1, m.modelType(), "UNIGRAM");
  }

  @Test
  void truncatedFileNamesWhereItBroke() throws IOException {
    byte[] cut = Arrays.copyOf(albert(), 1000);
    TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
        () -> SentencePieceModelReader.parse(cut));
    assertTrue(e.field().startsWith("ModelProto"), e.getMessage());
  }

  @Test
  void notAModelFile() {
    TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
        () -> SentencePieceModelReader.parse("{\"model\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("ModelProto"), e.getMessage());
    e = assertThrows(TokenizerFormatException.class, () -> SentencePieceModelReader.parse(new byte[0]));
    assertEquals("ModelProto.pieces", e.field());
  }

  @Test
  void wordModelsAreRejectedByField() throws IOException {
    SentencePieceModelReader.ModelProto m = SentencePieceModelReader.parse(albert());
    SentencePieceModelReader.ModelProto word = new SentencePieceModelReader.ModelProto(m.pieces(), 3,
        m.byteFallback(), false, m.normalizerName(), m.precompiledCharsmap(), true, true, true);
    TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
        () -> SentencePieceModelReader.tokenizer(word));
    assertEquals("ModelProto.trainer_spec.model_type", e.field());
    assertTrue(e.getMessage().contains("WORD"), e.getMessage());
  }
}
