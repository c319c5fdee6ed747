package dev.sparkpretrain.train;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line console progress bar: step, loss, tokens/s and ETA. */
final class ProgressBar {
  private final PrintStream out;
  private final int total;
  private final long startNanos = System.nanoTime();
  private final int startStep;

  ProgressBar(PrintStream out, int startStep, int total) {
    this.out = out;
    this.startStep = startStep;
    this.total = total;
  }

  void update(int step, double loss, double tokensPerSecond) {
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    int done = step - startStep;
    double eta = done > 0 ? elapsed / done * (total - step) : Double.NaN;
    int width = 30;
    int filled = (int) Math.round(width * (double) step / total);
    String bar = "#".repeat(filled) + "-".repeat(width - filled);
    out.printf(Locale.ROOT, "train [%s] step %d/%d  loss %.4f  %,.0f tokens/s  ETA %s%n", bar, step, total, loss,
        tokensPerSecond, Double.isNaN(eta) ? "?" : String.format(Locale.ROOT, "%.0fs", eta));
    out.flush();
  }
}
