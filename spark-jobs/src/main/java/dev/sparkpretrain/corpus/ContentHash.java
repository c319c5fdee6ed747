package dev.sparkpretrain.corpus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * 64-bit document identity from the text's SHA-256, used for exact deduplication, the train/validation split
 * and per-document random seeds (so results never depend on how Spark partitioned the corpus).
 */
public final class ContentHash {
  private ContentHash() {}

  public static long of(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      long h = 0;
      for (int i = 0; i < 8; i++) {
        h = (h << 8) | (d[i] & 0xFF);
      }
      return h;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hex SHA-256 of a file's bytes: the fingerprint recorded for tokenizer files. */
  public static String sha256(java.nio.file.Path file) throws java.io.IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SplitMix64 finaliser: decorrelates (seed, key) pairs into a seed for {@link java.util.SplittableRandom}. */
  public static long mix(long seed, long key) {
    long z = seed * 0x9E3779B97F4A7C15L + key;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A uniform value in [0, 1) derived from the hash, for hash-decided splits. */
  public static double unit(long seed, long key) {
    return (mix(seed, key) >>> 11) * 0x1.0p-53;
  }
}
