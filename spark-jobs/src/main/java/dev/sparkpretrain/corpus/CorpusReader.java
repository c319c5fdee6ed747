package dev.sparkpretrain.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.DataConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;

/**
 * Reads a corpus from any Hadoop file system (paths, globs, directories; .gz/.bz2 through Hadoop's codecs)
 * into records, streaming: each task reads its own split, nothing is collected.
 */
public final class CorpusReader {
  private CorpusReader() {}

  public static JavaRDD<CorpusRecord> read(JavaSparkContext sc, DataConfig config) {
    checkInputsExist(sc.hadoopConfiguration(), config.input());
    if (config.format() == DataConfig.InputFormat.PARQUET) {
      return readParquet(config);
    }
    Configuration conf = new Configuration(sc.hadoopConfiguration());
    if (config.format() == DataConfig.InputFormat.PARAGRAPHS) {
      conf.set("textinputformat.record.delimiter", "\n\n");
    }
    String paths = String.join(",", config.input());
    @SuppressWarnings("unchecked")
    JavaNewHadoopRDD<LongWritable, Text> raw = (JavaNewHadoopRDD<LongWritable, Text>)
        sc.newAPIHadoopFile(paths, TextInputFormat.class, LongWritable.class, Text.class, conf);
    DataConfig.InputFormat format = config.format();
    String textField = config.textField();
    return raw.mapPartitionsWithInputSplit((split, it) -> {
      String source = ((FileSplit) split).getPath().toString();
      return parse(source, it, format, textField);
    }, true);
  }

  /**
   * Parquet: the {@code text_field} column, which must be a string column (checked on the schema, before any job).
   * A null value is rejected as a missing field. Rows have no line number: the position is -1.
   */
  private static JavaRDD<CorpusRecord> readParquet(DataConfig config) {
    SparkSession spark = SparkSession.active();
    Dataset<Row> df = spark.read().parquet(config.input().toArray(new String[0]));
    String field = config.textField();
    if (!List.of(df.columns()).contains(field)) {
      throw new ConfigException("data.text_field: column '" + field + "' not in the Parquet schema "
          + List.of(df.columns()));
    }
    if (!(df.schema().apply(field).dataType() instanceof StringType)) {
      throw new ConfigException("data.text_field: column '" + field + "' is "
          + df.schema().apply(field).dataType().simpleString() + ", expected string");
    }
    return df.select(functions.col(field), functions.input_file_name()).javaRDD().map(r -> {
      String source = r.getString(1);
      if (r.isNullAt(0)) {
        return CorpusRecord.rejected(Rejection.of(source, -1, "missing_field:" + field, ""));
      }
      return CorpusRecord.ok(new Document(source, -1, r.getString(0), false));
    });
  }

  /** Fails before any Spark job when an input matches nothing: a typo should not produce an empty dataset. */
  static void checkInputsExist(Configuration hadoop, List<String> inputs) {
    if (inputs.isEmpty()) {
      throw new ConfigException("data.input: expected at least one path, got none");
    }
    for (String in : inputs) {
      try {
        Path p = new Path(in);
        FileSystem fs = p.getFileSystem(hadoop);
        FileStatus[] matches = fs.globStatus(p);
        if (matches == null || matches.length == 0) {
          throw new ConfigException("data.input: no file matches '" + in + "'");
        }
      } catch (IOException e) {
        throw new ConfigException("data.input: cannot list '" + in + "': " + e.getMessage(), e);
      }
    }
  }

  private static Iterator<CorpusRecord> parse(String source, Iterator<scala.Tuple2<LongWritable, Text>> it,
      DataConfig.InputFormat format, String textField) {
    // Jackson refuses strings over 20 M characters by default, which would reject a long document as
    // "invalid_json": lift the limit and let data.max_chars decide, with reason too_long.
    ObjectMapper json = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
        .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
            .maxStringLength(Integer.MAX_VALUE).build())
        .build());
    return new Iterator<>() {
      CorpusRecord next = advance();

      private CorpusRecord advance() {
        while (it.hasNext()) {
          scala.Tuple2<LongWritable, Text> rec = it.next();
          long position = rec._1().get();
          Text t = rec._2();
          boolean invalid = false;
          String line;
          try {
            line = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(t.getBytes(), 0, t.getLength())).toString();
          } catch (CharacterCodingException e) {
            invalid = true;
            line = new String(t.getBytes(), 0, t.getLength(), StandardCharsets.UTF_8);
          }
          switch (format) {
            case LINES -> {
              return CorpusRecord.ok(new Document(source, position, line, invalid));
            }
            case PARAGRAPHS -> {
              if (line.isBlank()) {
                continue; // runs of 3+ newlines: not a document, just separator
              }
              // Hard-wrapped lines belong to one paragraph: a line break is not a sentence boundary.
              return CorpusRecord.ok(new Document(source, position, line.replace('\n', ' '), invalid));
            }
            case JSONL -> {
              if (line.isBlank()) {
                return CorpusRecord.rejected(Rejection.of(source, position, "empty_line", line));
              }
              JsonNode node;
              try {
                node = json.readTree(line);
              } catch (IOException e) {
                return CorpusRecord.rejected(Rejection.of(source, position, "invalid_json", line));
              }
              JsonNode text = node == null ? null : node.get(textField);
              if (text == null || text.isNull()) {
                return CorpusRecord.rejected(Rejection.of(source, position, "missing_field:" + textField, line));
              }
              if (!text.isTextual()) {
                return CorpusRecord.rejected(Rejection.of(source, position, "non_string_field:" + textField, line));
              }
              return CorpusRecord.ok(new Document(source, position, text.asText(), invalid));
            }
            default -> throw new IllegalStateException("unhandled format " + format);
          }
        }
        return null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public CorpusRecord next() {
        CorpusRecord r = next;
        next = advance();
        return r;
      }
    };
  }
}
