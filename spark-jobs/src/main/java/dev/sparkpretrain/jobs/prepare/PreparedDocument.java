package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.corpus.Rejection;
import dev.sparkpretrain.objective.TokenizedDocument;
import java.io.Serializable;

/**
 * What prepare caches after tokenization, one entry per distinct document: its token ids, or why it was rejected
 * (cleaning or tokenization), or neither for a near-duplicate; with the tallies of the documents read that it
 * stands for ({@link CleanedDocument}). Every count of the manifest and the {@code _rejected} rows come from
 * these entries alone: documents read = Σ copies = used + rejected + duplicates.
 */
public record PreparedDocument(TokenizedDocument document, Rejection rejection, int copies, int invalidUtf8)
    implements Serializable {}
