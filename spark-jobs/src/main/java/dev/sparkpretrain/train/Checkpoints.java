package dev.sparkpretrain.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Checkpoints under {@code RUN/checkpoints/step-NNNNNNNN/}: {@code model.zip} (DL4J ModelSerializer: parameters,
 * configuration, optimizer state) and {@code state.json} (step, data position, seed, resolved config, tokenizer
 * fingerprint). Each is written to a {@code .tmp} folder and renamed, so a folder without the suffix is
 * complete; the newest {@code keep} are kept.
 */
public final class Checkpoints {
  public static final String MODEL = "model.zip";
  public static final String STATE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileSystem fs;
  private final Path root;
  private final int keep;

  public Checkpoints(Configuration hadoop, String root, int keep) throws IOException {
    this.root = new Path(root);
    this.fs = this.root.getFileSystem(hadoop);
    this.keep = keep;
  }

  /** A loaded checkpoint. */
  public record Loaded(Path path, ComputationGraph graph, ObjectNode state) {}

  public Path write(ComputationGraph graph, ObjectNode state, int step) throws IOException {
    String name = String.format(Locale.ROOT, "step-%08d", step);
    Path tmp = new Path(root, name + ".tmp");
    Path done = new Path(root, name);
    fs.delete(tmp, true);
    fs.mkdirs(tmp);
    try (OutputStream out = fs.create(new Path(tmp, MODEL), true)) {
      ModelSerializer.writeModel(graph, out, true);
    }
    try (OutputStream out = fs.create(new Path(tmp, STATE), true)) {
      out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state).getBytes(StandardCharsets.UTF_8));
    }
    if (fs.exists(done)) {
      fs.delete(done, true);
    }
    if (!fs.rename(tmp, done)) {
      throw new IOException("could not rename " + tmp + " to " + done);
    }
    prune();
    return done;
  }

  /** Complete checkpoints, oldest first. */
  public List<Path> list() throws IOException {
    if (!fs.exists(root)) {
      return List.of();
    }
    FileStatus[] all = fs.listStatus(root, p -> p.getName().startsWith("step-") && !p.getName().endsWith(".tmp"));
    List<Path> out = new ArrayList<>();
    Arrays.stream(all).map(FileStatus::getPath).sorted(Comparator.comparing(Path::getName)).forEach(out::add);
    return out;
  }

  public Optional<Path> newest() throws IOException {
    List<Path> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  public static Loaded load(Configuration hadoop, String checkpoint) throws IOException {
    Path dir = new Path(checkpoint);
    FileSystem fs = dir.getFileSystem(hadoop);
    ComputationGraph graph;
    try (InputStream in = fs.open(new Path(dir, MODEL))) {
      graph = ModelSerializer.restoreComputationGraph(in, true);
    }
    ObjectNode state;
    try (InputStream in = fs.open(new Path(dir, STATE))) {
      state = (ObjectNode) JSON.readTree(in);
    }
    return new Loaded(dir, graph, state);
  }

  private void prune() throws IOException {
    List<Path> all = list();
    for (int i = 0; i < all.size() - keep; i++) {
      fs.delete(all.get(i), true);
    }
  }
}
