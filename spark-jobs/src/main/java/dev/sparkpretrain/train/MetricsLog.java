package dev.sparkpretrain.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** {@code RUN/metrics.jsonl}: one JSON object per optimizer step, flushed as it is written. */
public final class MetricsLog implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final OutputStream out;
  private boolean closed;

  public MetricsLog(Configuration hadoop, String path, boolean append) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(hadoop);
    FSDataOutputStream s;
    if (append && fs.exists(p)) {
      try {
        s = fs.append(p);
      } catch (UnsupportedOperationException | IOException e) {
        // Local checksummed file systems may not append; rewrite the file instead.
        byte[] old = fs.open(p).readAllBytes();
        s = fs.create(p, true);
        s.write(old);
      }
    } else {
      s = fs.create(p, true);
    }
    this.out = s;
  }

  public void write(Map<String, Object> record) throws IOException {
    ObjectNode node = JSON.valueToTree(record);
    out.write((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }
}
