package dev.sparkpretrain.jobs.prepare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.BertObjectiveConfig.Masking;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.objective.BertExample;
import dev.sparkpretrain.objective.BertVocab;
import dev.sparkpretrain.objective.MaskedLm;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The BERT shard schema (google-research/bert's feature names; sequences unpadded, int32):
 * <pre>
 * example_id           int64        stable id (document key, copy, ordinal)
 * input_ids            array<int32> [CLS] A [SEP] B [SEP], masked (static) or not (dynamic)
 * segment_ids          array<int32> 0 for A, 1 for B
 * masked_lm_positions  array<int32> ascending (static masking only)
 * masked_lm_ids        array<int32> original ids at those positions (static masking only)
 * next_sentence_label  int32        0 = B follows A, 1 = B random (pair_task sop: 1 = A and B swapped)
 * word_starts          array<int32> 1 where a token begins a word, else 0 (dynamic masking only)
 * </pre>
 * With dynamic masking the manifest says {@code "masking": "dynamic"} and carries the masking rule under
 * {@code "dynamic_masking"} ({@link #describeMasking}), so the trainer masks without the prepare config.
 */
public final class BertShards {
  private BertShards() {}

  public static final StructType SCHEMA = new StructType()
      .add("example_id", DataTypes.LongType, false)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("segment_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("masked_lm_positions", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("masked_lm_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("next_sentence_label", DataTypes.IntegerType, false);

  public static final StructType DYNAMIC_SCHEMA = new StructType()
      .add("example_id", DataTypes.LongType, false)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("segment_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("next_sentence_label", DataTypes.IntegerType, false)
      .add("word_starts", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

  public static StructType schema(Masking masking) {
    return masking == Masking.DYNAMIC ? DYNAMIC_SCHEMA : SCHEMA;
  }

  /**
   * A row of {@link #schema}{@code (masking)} with one more column after the schema's: the split it is written to
   * ({@link PrepareJob#splitColumn}).
   */
  static Row toRow(BertExample e, Masking masking, int split) {
    if (masking == Masking.DYNAMIC) {
      return RowFactory.create(e.exampleId(), e.inputIds(), e.segmentIds(), e.nextSentenceLabel(), starts(e), split);
    }
    return RowFactory.create(e.exampleId(), e.inputIds(), e.segmentIds(), e.maskedLmPositions(), e.maskedLmIds(),
        e.nextSentenceLabel(), split);
  }

  private static int[] starts(BertExample e) {
    int[] starts = new int[e.wordStarts().length];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = e.wordStarts()[i] ? 1 : 0;
    }
    return starts;
  }

  /** A row of either schema; the columns a schema lacks come back as empty arrays. */
  public static BertExample fromRow(Row r) {
    boolean dynamic = r.schema().getFieldIndex("word_starts").isDefined();
    int[] none = new int[0];
    boolean[] starts = new boolean[0];
    if (dynamic) {
      int[] flags = ShardRows.ints(r, "word_starts");
      starts = new boolean[flags.length];
      for (int i = 0; i < flags.length; i++) {
        starts[i] = flags[i] != 0;
      }
    }
    return new BertExample(r.getLong(r.fieldIndex("example_id")), ShardRows.ints(r, "input_ids"),
        ShardRows.ints(r, "segment_ids"), dynamic ? none : ShardRows.ints(r, "masked_lm_positions"),
        dynamic ? none : ShardRows.ints(r, "masked_lm_ids"),
        r.getInt(r.fieldIndex("next_sentence_label")), starts);
  }

  /** Writes {@code "masking"} and, for dynamic masking, the rule the trainer masks by, into a manifest. */
  static void describeMasking(ObjectNode manifest, BertObjectiveConfig bert, BertVocab vocab) {
    manifest.put("masking", bert.masking() == Masking.DYNAMIC ? "dynamic" : "static");
    if (bert.masking() == Masking.DYNAMIC) {
      ObjectNode m = manifest.putObject("dynamic_masking");
      m.put("masked_lm_prob", bert.maskedLmProb());
      m.put("max_predictions_per_seq", bert.maxPredictionsPerSeq());
      m.put("whole_word_masking", bert.wholeWordMasking());
      m.put("pad_id", vocab.pad());
      m.put("cls_id", vocab.cls());
      m.put("sep_id", vocab.sep());
      m.put("mask_id", vocab.mask());
      m.put("vocab_size", vocab.vocabSize());
      m.put("first_random_id", vocab.firstRandomId());
    }
  }

  /**
   * The masking rule of dynamically masked shards, from their manifest; empty for statically masked ones
   * (and manifests older than the {@code masking} key).
   */
  public static Optional<MaskedLm.Rule> dynamicMasking(JsonNode manifest, String shards) {
    if (!manifest.path("masking").asText("static").equals("dynamic")) {
      return Optional.empty();
    }
    JsonNode m = manifest.path("dynamic_masking");
    for (String key : new String[] {"masked_lm_prob", "max_predictions_per_seq", "whole_word_masking", "pad_id",
        "cls_id", "sep_id", "mask_id", "vocab_size", "first_random_id"}) {
      if (!m.has(key)) {
        throw new ConfigException("--data " + shards + ": manifest says masking dynamic but lacks dynamic_masking."
            + key);
      }
    }
    BertVocab vocab = new BertVocab(m.get("pad_id").asInt(), m.get("cls_id").asInt(), m.get("sep_id").asInt(),
        m.get("mask_id").asInt(), m.get("vocab_size").asInt(), m.get("first_random_id").asInt());
    return Optional.of(new MaskedLm.Rule(m.get("masked_lm_prob").asDouble(),
        m.get("max_predictions_per_seq").asInt(), m.get("whole_word_masking").asBoolean(), vocab));
  }
}
