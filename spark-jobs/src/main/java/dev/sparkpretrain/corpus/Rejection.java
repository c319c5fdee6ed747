package dev.sparkpretrain.corpus;

import java.io.Serializable;

/** A record that was set aside, with why and where, so nothing is dropped silently. */
public record Rejection(String source, long position, String reason, String excerpt) implements Serializable {
  public static final int EXCERPT_CHARS = 200;

  public static Rejection of(String source, long position, String reason, String text) {
    String excerpt = text == null ? "" : text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS);
    return new Rejection(source, position, reason, excerpt);
  }
}
