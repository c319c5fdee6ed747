package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.objective.BertExample;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The BERT shard schema (google-research/bert's feature names; sequences unpadded, int32):
 * <pre>
 * example_id           int64        stable id (document key, copy, ordinal)
 * input_ids            array<int32> [CLS] A [SEP] B [SEP], masked
 * segment_ids          array<int32> 0 for A, 1 for B
 * masked_lm_positions  array<int32> ascending
 * masked_lm_ids        array<int32> original ids at those positions
 * next_sentence_label  int32        0 = B follows A, 1 = B random (pair_task sop: 1 = A and B swapped)
 * </pre>
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

  public static Row toRow(BertExample e) {
    return RowFactory.create(e.exampleId(), e.inputIds(), e.segmentIds(), e.maskedLmPositions(), e.maskedLmIds(),
        e.nextSentenceLabel());
  }

  public static BertExample fromRow(Row r) {
    return new BertExample(r.getLong(r.fieldIndex("example_id")), ints(r, "input_ids"), ints(r, "segment_ids"),
        ints(r, "masked_lm_positions"), ints(r, "masked_lm_ids"), r.getInt(r.fieldIndex("next_sentence_label")));
  }

  static int[] ints(Row r, String field) {
    java.util.List<Integer> list = r.getList(r.fieldIndex(field));
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }
}
