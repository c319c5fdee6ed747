package dev.sparkpretrain.jobs.prepare;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Shard schemas of the packed objectives (int32 ids, unpadded):
 * <pre>
 * GPT  example_id int64, input_ids array<int32>   max_seq_length + 1 ids: inputs [0, T), labels [1, T]
 * T5   example_id int64, inputs array<int32>, targets array<int32>   span-corrupted, EOS-terminated
 * </pre>
 */
public final class PackedShards {
  private PackedShards() {}

  public static final StructType GPT_SCHEMA = new StructType()
      .add("example_id", DataTypes.LongType, false)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

  public static final StructType T5_SCHEMA = new StructType()
      .add("example_id", DataTypes.LongType, false)
      .add("inputs", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("targets", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
}
