package dev.sparkpretrain.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkpretrain.config.DataConfig;
import org.junit.jupiter.api.Test;

class TextCleanerTest {
  @Test
  void normalizesRemovesControlsAndCollapsesWhitespace() {
    TextCleaner c = new TextCleaner(DataConfig.defaults());
    assertEquals("a b\nc", c.clean("  a \t\u0007 b  \r\nc  "));
    assertEquals("\u00e9", c.clean("e\u0301"), "NFC composes");
    assertEquals("x y", c.clean("\uFEFFx\u00A0y"));
  }

  @Test
  void contentHashIsStable() {
    assertEquals(ContentHash.of("hello"), ContentHash.of("hello"));
    assertEquals(false, ContentHash.of("hello") == ContentHash.of("hello."));
  }
}
