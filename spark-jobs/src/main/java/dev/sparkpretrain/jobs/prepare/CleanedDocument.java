package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.corpus.Rejection;
import java.io.Serializable;

/** A document after cleaning: its key and text, or the reason it was set aside. */
public record CleanedDocument(long key, String source, long position, String text, boolean invalidUtf8,
    Rejection rejection) implements Serializable {}
