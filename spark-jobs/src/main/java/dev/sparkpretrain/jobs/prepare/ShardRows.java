package dev.sparkpretrain.jobs.prepare;

import java.util.List;
import org.apache.spark.sql.Row;

/** Reading shard rows back: the {@code array<int32>} columns every objective's shards hold. */
public final class ShardRows {
  private ShardRows() {}

  /** The int array in column {@code field} of a shard row. */
  public static int[] ints(Row r, String field) {
    List<Integer> list = r.getList(r.fieldIndex(field));
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }
}
