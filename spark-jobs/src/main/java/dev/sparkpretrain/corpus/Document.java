package dev.sparkpretrain.corpus;

import java.io.Serializable;

/**
 * One document read from the corpus, before cleaning.
 *
 * @param source file URI
 * @param position byte offset of the record in the file (line number is not known to a split reader)
 * @param text decoded text (invalid UTF-8 replaced by U+FFFD)
 * @param invalidUtf8 whether decoding replaced malformed bytes
 */
public record Document(String source, long position, String text, boolean invalidUtf8) implements Serializable {}
