package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.model.TransformerConfig;
import org.junit.jupiter.api.Test;

/**
 * The model size a training run accepts: since round results travel as blocks in chunks, no Spark size limit grows
 * with the model; only the driver's one summing array bounds it.
 */
class TrainModelSizeTest {
  private static PretrainConfig config(String preset, int workers) {
    return PretrainConfig.parse("""
        model:
          preset: %s
        trainer:
          workers: %d
        """.formatted(preset, workers), "test");
  }

  private static ObjectNode manifest(int vocabSize) {
    ObjectNode m = new ObjectMapper().createObjectNode();
    m.putObject("tokenizer").put("vocab_size", vocabSize);
    return m;
  }

  @Test
  void everyPresetIsAccepted() {
    // bert-large, gpt2-medium, t5-base and t5-v1_1-base (above the old ~173 M limit of one task result) included.
    for (String preset : TransformerConfig.presetNames()) {
      assertDoesNotThrow(() -> TrainJob.checkModelSize(config(preset, 8), manifest(50_257)), preset);
    }
    assertDoesNotThrow(() -> TrainJob.checkModelSize("bert-large", 340_000_000L));
  }

  @Test
  void aModelAboveOneSummingArrayFailsBeforeSparkNamingThePreset() {
    assertDoesNotThrow(() -> TrainJob.checkModelSize("big", TrainJob.MAX_PARAMETERS));
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainJob.checkModelSize("big", TrainJob.MAX_PARAMETERS + 1));
    assertTrue(e.getMessage().startsWith("model.preset big: 715,827,880 parameters;"), e.getMessage());
    assertTrue(e.getMessage().contains("715,827,879"), e.getMessage());
  }
}
