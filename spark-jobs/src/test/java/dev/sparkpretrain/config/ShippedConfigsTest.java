package dev.sparkpretrain.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.sparkpretrain.model.TransformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every config shipped in conf/ loads, names a real model preset and points at an existing corpus. */
class ShippedConfigsTest {
  @Test
  void shippedConfigsLoad() throws Exception {
    Path conf = Path.of("..", "conf");
    List<Path> yamls;
    try (Stream<Path> s = Files.list(conf)) {
      yamls = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertFalse(yamls.isEmpty());
    for (Path p : yamls) {
      PretrainConfig c = PretrainConfig.load(p);
      assertNotNull(TransformerConfig.preset(c.model().preset()), p.toString());
      for (String in : c.data().input()) {
        // Inputs are relative to the repository root, where bin/pretrain runs.
        if (!Files.exists(Path.of("..").resolve(in))) {
          throw new AssertionError(p + ": data.input " + in + " does not exist");
        }
      }
    }
  }
}
