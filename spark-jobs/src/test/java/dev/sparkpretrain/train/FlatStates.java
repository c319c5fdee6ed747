package dev.sparkpretrain.train;

/**
 * The plain two-pass average the driver's one-pass {@link FlatState#accumulate} must equal: an element-wise sum, then
 * a division (IEEE float operations, as ND4J's {@code addi} and {@code divi}). Also the task-result path that
 * {@link RoundSyncBenchmark} compares with.
 */
final class FlatStates {
  private FlatStates() {}

  /** {@code a += b}, element-wise. */
  static FlatState add(FlatState a, FlatState b) {
    if (a.size() != b.size() || a.paramCount() != b.paramCount()) {
      throw new IllegalArgumentException("states of different shapes: " + a.size() + " and " + b.size());
    }
    float[] x = a.values();
    float[] y = b.values();
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
    return a;
  }

  /** {@code a /= n}, element-wise. */
  static void divide(FlatState a, int n) {
    float d = n;
    float[] x = a.values();
    for (int i = 0; i < x.length; i++) {
      x[i] /= d;
    }
  }
}
