package dev.sparkpretrain.config;

/**
 * A configuration or command-line error found before any Spark work starts. The CLI turns it into a
 * message on stderr and exit code 2.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Throws unless {@code ok}: "{field}: {expected}, got {value}". */
  public static void require(boolean ok, String field, String expected, Object value) {
    if (!ok) {
      throw new ConfigException(field + ": expected " + expected + ", got " + value);
    }
  }
}
