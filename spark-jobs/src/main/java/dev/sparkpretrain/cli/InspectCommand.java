package dev.sparkpretrain.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkpretrain.jobs.prepare.PrepareJob;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.train.TrainJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code inspect SHARDS}: the schema, the manifest's counts, and a few examples decoded back to tokens, with
 * masked positions shown as {@code [MASK]→original} and T5 sentinels as their {@code <extra_id_N>} names.
 */
public final class InspectCommand {
  private InspectCommand() {}

  public static void run(SparkSession spark, String shards, int rows, PrintStream out) throws IOException {
    var hadoop = spark.sparkContext().hadoopConfiguration();
    ObjectNode manifest = TrainJob.readManifest(hadoop, shards);
    Path tokPath = new Path(shards, PrepareJob.TOKENIZER);
    FileSystem fs = tokPath.getFileSystem(hadoop);
    Tokenizer tokenizer;
    try (InputStream in = fs.open(tokPath)) {
      tokenizer = Tokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    Dataset<Row> train = spark.read().parquet(shards + "/train");
    out.println("objective: " + manifest.path("objective").asText() + ", sequence length "
        + manifest.path("sequence_length").asInt() + ", tokenizer sha256 "
        + manifest.path("tokenizer").path("sha256").asText() + " (vocab " + tokenizer.vocabSize() + ")");
    out.println("schema:");
    out.print(train.schema().treeString());
    out.println("counts:");
    out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(manifest.get("counts")));
    out.println("examples:");
    for (Row r : train.limit(rows).collectAsList()) {
      out.println("- example_id " + r.getLong(0));
      List<String> fields = List.of(r.schema().fieldNames());
      if (fields.contains("next_sentence_label")) {
        // BERT: static shards carry their masks; dynamic ones are unmasked (the trainer draws masks every epoch).
        boolean masked = fields.contains("masked_lm_positions");
        List<Integer> ids = r.getList(r.fieldIndex("input_ids"));
        List<Integer> positions = masked ? r.getList(r.fieldIndex("masked_lm_positions")) : List.of();
        List<Integer> labels = masked ? r.getList(r.fieldIndex("masked_lm_ids")) : List.of();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
          int k = positions.indexOf(i);
          sb.append(tokenizer.idToToken(ids.get(i)));
          if (k >= 0) {
            sb.append("→").append(tokenizer.idToToken(labels.get(k)));
          }
          sb.append(' ');
        }
        out.println("  tokens: " + sb.toString().strip());
        if (!masked) {
          out.println("  masks: none stored (dynamic masking: the trainer masks each epoch; word_starts "
              + r.getList(r.fieldIndex("word_starts")).stream().filter(v -> ((Integer) v) != 0).count()
              + " of " + ids.size() + " positions)");
        }
        out.println("  next_sentence_label: " + r.getInt(r.fieldIndex("next_sentence_label"))
            + ("sop".equals(manifest.path("pair_task").asText()) ? " (0 = in order, 1 = swapped)"
                : " (0 = actual next, 1 = random)"));
      } else {
        for (String field : r.schema().fieldNames()) {
          if (!field.equals("example_id")) {
            out.println("  " + field + ": " + tokens(tokenizer, r.getList(r.fieldIndex(field))));
          }
        }
      }
    }
  }

  private static String tokens(Tokenizer tokenizer, List<Integer> ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      sb.append(tokenizer.idToToken(id)).append(' ');
    }
    return sb.toString().strip();
  }
}
