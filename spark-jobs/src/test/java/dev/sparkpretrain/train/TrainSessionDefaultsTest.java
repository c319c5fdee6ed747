package dev.sparkpretrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.PretrainConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Spark limits a training session raises so that a round's result (parameters + Adam moments) can travel. */
class TrainSessionDefaultsTest {
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
  void bertBaseRaisesTheKryoBufferAndTheDriversResultLimit() {
    // bert-base with its own 30,522-piece vocabulary: 110,106,428 parameters (the published count) -> 1,261 MiB.
    Map<String, String> d = TrainJob.sessionDefaults(config("bert-base", 2), manifest(30_522));
    assertEquals("1325m", d.get("spark.kryoserializer.buffer.max"));
    assertEquals("2906m", d.get("spark.driver.maxResultSize"), "two workers' results, both held by the driver");
    assertEquals(Map.of("spark.kryoserializer.buffer.max", "1325m", "spark.driver.maxResultSize", "2906m"),
        TrainJob.sessionDefaults("bert-base", 110_106_428L, 2));
  }

  @Test
  void smallModelsKeepSparksDefaultsAsAFloor() {
    Map<String, String> d = TrainJob.sessionDefaults(config("bert-tiny", 2), manifest(1_000));
    // A few MiB of state plus the 64 MiB margin: about Spark's own 64m default.
    int kryoMib = Integer.parseInt(d.get("spark.kryoserializer.buffer.max").replace("m", ""));
    assertTrue(kryoMib > 64 && kryoMib < 80, d.toString());
    assertEquals("1024m", d.get("spark.driver.maxResultSize"));
  }

  @Test
  void aModelWhoseResultCannotTravelFailsBeforeSparkNamingThePreset() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainJob.sessionDefaults(config("bert-large", 2), manifest(30_522)));
    assertTrue(e.getMessage().startsWith("model.preset bert-large: "), e.getMessage());
    assertTrue(e.getMessage().contains("spark.kryoserializer.buffer.max"), e.getMessage());
  }
}
