package dev.sparkpretrain.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkpretrain.model.TransformerConfig;
import org.junit.jupiter.api.Test;

class PretrainConfigTest {
  @Test
  void defaultsFillEverything() {
    PretrainConfig c = PretrainConfig.parse("seed: 7\n", "test");
    assertEquals(7L, c.seed());
    assertEquals(128, c.objective().maxSeqLength());
    assertEquals(0.15, ((BertObjectiveConfig) c.objective()).maskedLmProb());
    assertEquals(2, c.trainer().workers());
  }

  @Test
  void unknownKeyIsNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("trainer:\n  micro_batch: 3\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("trainer.micro_batch"), e.getMessage());
    assertTrue(e.getMessage().contains("micro_batch_size"), "lists the allowed keys: " + e.getMessage());
  }

  @Test
  void outOfRangeValueIsNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("objective:\n  type: bert\n  masked_lm_prob: 1.5\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("objective.masked_lm_prob"), e.getMessage());
  }

  @Test
  void dynamicMaskingNeedsOneCopy() {
    BertObjectiveConfig ok = (BertObjectiveConfig) PretrainConfig.parse(
        "objective:\n  type: bert\n  masking: dynamic\n", "test").objective();
    assertEquals(BertObjectiveConfig.Masking.DYNAMIC, ok.masking());
    assertTrue(PretrainConfig.parse("seed: 1\n", "test").toJson().contains("\"masking\" : \"static\""),
        "static by default, spelled as in YAML");
    ConfigException e = assertThrows(ConfigException.class, () -> PretrainConfig.parse(
        "objective:\n  type: bert\n  masking: dynamic\n  dupe_factor: 2\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("objective.dupe_factor"), e.getMessage());
    assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("objective:\n  type: bert\n  masking: sometimes\n", "conf/x.yaml"));
  }

  @Test
  void positionEncodingOverridesThePreset() {
    PretrainConfig c = PretrainConfig.parse("model:\n  preset: gpt2-tiny\n  position_encoding: sinusoidal\n", "x");
    assertEquals(TransformerConfig.PositionEncoding.SINUSOIDAL, c.model().architecture().positionEncoding());
    assertEquals(TransformerConfig.PositionEncoding.LEARNED,
        PretrainConfig.parse("model:\n  preset: gpt2-tiny\n", "x").model().architecture().positionEncoding());
    ConfigException e = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("model:\n  preset: t5-tiny\n  position_encoding: sinusoidal\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("model.position_encoding") && e.getMessage().contains("relative for T5"),
        e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("model:\n  preset: bert-tiny\n  position_encoding: rotary\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("model.position_encoding: expected learned, sinusoidal or relative"),
        e.getMessage());
  }

  @Test
  void unknownObjectiveTypeIsRejected() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("objective:\n  type: xlnet\n", "conf/x.yaml"));
    assertTrue(e.getMessage().contains("objective"), e.getMessage());
  }

  @Test
  void resolvedConfigRoundTripsThroughJson() {
    PretrainConfig c = PretrainConfig.parse("trainer:\n  workers: 3\n", "test");
    assertTrue(c.toJson().contains("\"workers\" : 3"), c.toJson());
    assertTrue(c.toJson().contains("\"type\" : \"bert\""), c.toJson());
  }

  @Test
  void nearDedupAndPairTaskDefaultsAndChecks() {
    PretrainConfig c = PretrainConfig.parse("seed: 7\n", "test");
    assertEquals(false, c.data().nearDedup().enabled());
    assertEquals(0.8, c.data().nearDedup().threshold());
    assertEquals(PairTask.NSP, ((BertObjectiveConfig) c.objective()).pairTask());
    assertEquals(PairTask.SOP, ((BertObjectiveConfig) PretrainConfig.parse(
        "objective:\n  type: bert\n  pair_task: sop\n", "test").objective()).pairTask());
    ConfigException bands = assertThrows(ConfigException.class, () -> PretrainConfig.parse(
        "data:\n  near_dedup: {enabled: true, num_hash_tables: 64, rows_per_band: 5}\n", "conf/x.yaml"));
    assertTrue(bands.getMessage().contains("data.near_dedup.rows_per_band"), bands.getMessage());
    ConfigException exact = assertThrows(ConfigException.class, () -> PretrainConfig.parse(
        "data:\n  dedup: false\n  near_dedup: {enabled: true}\n", "conf/x.yaml"));
    assertTrue(exact.getMessage().contains("data.dedup"), exact.getMessage());
    ConfigException task = assertThrows(ConfigException.class, () -> PretrainConfig.parse(
        "objective:\n  type: bert\n  pair_task: xyz\n", "conf/x.yaml"));
    assertTrue(task.getMessage().contains("pair_task"), task.getMessage());
  }

  @Test
  void threadsPerWorkerIsValidated() {
    assertEquals(1, PretrainConfig.parse("seed: 7\n", "test").trainer().threadsPerWorker());
    assertEquals(2, PretrainConfig.parse("trainer:\n  threads_per_worker: 2\n  gradient_accumulation: 4\n", "x")
        .trainer().threadsPerWorker());
    ConfigException zero = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("trainer:\n  threads_per_worker: 0\n", "conf/x.yaml"));
    assertTrue(zero.getMessage().contains("trainer.threads_per_worker"), zero.getMessage());
    ConfigException notMultiple = assertThrows(ConfigException.class,
        () -> PretrainConfig.parse("trainer:\n  threads_per_worker: 2\n  gradient_accumulation: 3\n", "x"));
    assertTrue(notMultiple.getMessage().contains("a multiple of trainer.threads_per_worker"),
        notMultiple.getMessage());
    ConfigException fp16 = assertThrows(ConfigException.class, () -> PretrainConfig.parse(
        "trainer:\n  threads_per_worker: 2\n  gradient_accumulation: 2\n  precision: fp16\n", "x"));
    assertTrue(fp16.getMessage().contains("1 with precision fp16"), fp16.getMessage());
  }
}
