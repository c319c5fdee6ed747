package dev.sparkpretrain.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code RUN/report.html} with PNG line charts of loss, learning rate and throughput per step, drawn with Java2D
 * (headless) so the report needs no plotting library and opens anywhere.
 */
public final class TrainingReport {
  private TrainingReport() {}

  /** Charts loss, learning rate and tokens/s from {@code RUN/metrics.jsonl} (every step, across resumes). */
  public static void fromMetrics(Configuration hadoop, String runDir, String heading) throws IOException {
    Path metrics = new Path(runDir, "metrics.jsonl");
    FileSystem fs = metrics.getFileSystem(hadoop);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<double[]> loss = new java.util.ArrayList<>();
    List<double[]> lr = new java.util.ArrayList<>();
    List<double[]> speed = new java.util.ArrayList<>();
    try (java.io.BufferedReader in = new java.io.BufferedReader(
        new java.io.InputStreamReader(fs.open(metrics), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        var node = json.readTree(line);
        double step = node.path("step").asDouble();
        loss.add(new double[] {step, node.path("loss").asDouble(Double.NaN)});
        lr.add(new double[] {step, node.path("lr").asDouble(Double.NaN)});
        speed.add(new double[] {step, node.path("tokens_per_s").asDouble(Double.NaN)});
      }
    }
    write(hadoop, runDir, heading, List.of(new Series("loss.png", "loss", loss),
        new Series("lr.png", "learning rate", lr), new Series("throughput.png", "tokens/s", speed)));
  }

  /** One chart: a title and y values per step. */
  public record Series(String file, String title, List<double[]> points) {}

  public static void write(Configuration hadoop, String runDir, String heading, List<Series> charts)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path dir = new Path(runDir);
    FileSystem fs = dir.getFileSystem(hadoop);
    StringBuilder html = new StringBuilder();
    html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(escape(heading)).append("</title><style>body{font-family:sans-serif;margin:2em}"
            + "img{display:block;margin:1em 0;border:1px solid #ddd}</style></head><body><h1>")
        .append(escape(heading)).append("</h1>\n");
    for (Series s : charts) {
      try (OutputStream out = fs.create(new Path(dir, s.file()), true)) {
        out.write(png(s));
      }
      html.append("<h2>").append(escape(s.title())).append("</h2><img src=\"").append(s.file())
          .append("\" alt=\"").append(escape(s.title())).append("\">\n");
    }
    html.append("</body></html>\n");
    try (OutputStream out = fs.create(new Path(dir, "report.html"), true)) {
      out.write(html.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  static byte[] png(Series s) throws IOException {
    int w = 800;
    int h = 320;
    int left = 70;
    int right = 20;
    int top = 30;
    int bottom = 40;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (double[] p : s.points()) {
      if (Double.isFinite(p[1])) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    if (minX > maxX) {
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    if (maxY == minY) {
      maxY = minY + Math.max(1e-9, Math.abs(minY) * 0.01);
    }
    g.setColor(Color.GRAY);
    g.drawRect(left, top, w - left - right, h - top - bottom);
    g.setColor(Color.DARK_GRAY);
    g.drawString(s.title(), left, top - 10);
    g.drawString(String.format(Locale.ROOT, "%.4g", maxY), 5, top + 5);
    g.drawString(String.format(Locale.ROOT, "%.4g", minY), 5, h - bottom);
    g.drawString(String.format(Locale.ROOT, "step %.0f", minX), left, h - 15);
    String end = String.format(Locale.ROOT, "step %.0f", maxX);
    g.drawString(end, w - right - g.getFontMetrics().stringWidth(end), h - 15);
    g.setColor(new Color(31, 119, 180));
    g.setStroke(new BasicStroke(1.6f));
    int px = -1;
    int py = -1;
    for (double[] p : s.points()) {
      if (!Double.isFinite(p[1])) {
        continue;
      }
      int x = left + (int) Math.round((p[0] - minX) / (maxX - minX) * (w - left - right));
      int y = top + (int) Math.round((maxY - p[1]) / (maxY - minY) * (h - top - bottom));
      if (px >= 0) {
        g.drawLine(px, py, x, y);
      }
      px = x;
      py = y;
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
