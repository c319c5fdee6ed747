package dev.sparkpretrain.tokenization.model.wordpiece;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.model.CharTrie;
import dev.sparkpretrain.tokenization.model.ShortWordTable;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import java.util.Objects;

/**
 * HF type {@code WordPiece}: greedy longest-match-first over the vocabulary, pieces after the first
 * carrying {@code continuingSubwordPrefix} ("##"). A word longer than {@code maxInputCharsPerWord} code
 * points, or one with any stretch no vocabulary entry covers, becomes a single unknown token.
 *
 * <p>HF tries every end position from the longest down; one walk down a trie finds the same longest match
 * in a single pass, so a word costs time linear in its length times the longest token.
 */
public final class WordPieceModel implements TokenModel {
  private static final long serialVersionUID = 1L;

  private final Vocabulary vocabulary;
  private final String unkToken;
  private final String continuingSubwordPrefix;
  private final int maxInputCharsPerWord;
  private final int unkId;
  private final CharTrie trie;
  private final int continuationNode;
  /** Whole words that are vocabulary entries: greedy longest-match would return them in one piece. */
  private final ShortWordTable wholeWords;

  public WordPieceModel(Vocabulary vocabulary, String unkToken, String continuingSubwordPrefix,
                        int maxInputCharsPerWord) {
    this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
    this.unkToken = Objects.requireNonNull(unkToken, "unkToken");
    this.continuingSubwordPrefix = Objects.requireNonNull(continuingSubwordPrefix, "continuingSubwordPrefix");
    if (maxInputCharsPerWord < 1) {
      throw new IllegalArgumentException("max_input_chars_per_word must be >= 1, got " + maxInputCharsPerWord);
    }
    this.maxInputCharsPerWord = maxInputCharsPerWord;
    this.unkId = vocabulary.id(unkToken);
    if (unkId < 0) {
      throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the WordPiece vocab");
    }
    this.trie = new CharTrie(vocabulary.asOrderedMap());
    this.continuationNode = trie.walk(CharTrie.ROOT, continuingSubwordPrefix);
    this.wholeWords = new ShortWordTable(vocabulary.size());
    vocabulary.asOrderedMap().forEach((token, id) -> {
      char[] c = token.toCharArray();
      if (ShortWordTable.fits(c, 0, c.length)) {
        wholeWords.put(ShortWordTable.pack(c, 0, c.length, false), ShortWordTable.pack(c, 0, c.length, true), id);
      }
    });
  }

  /** BERT's settings: {@code [UNK]}, {@code ##}, 100 characters. */
  public static WordPieceModel bert(Vocabulary vocabulary) {
    return new WordPieceModel(vocabulary, "[UNK]", "##", 100);
  }

  public String unkToken() {
    return unkToken;
  }

  public String continuingSubwordPrefix() {
    return continuingSubwordPrefix;
  }

  public int maxInputCharsPerWord() {
    return maxInputCharsPerWord;
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  @Override
  public void tokenize(NormalizedString text, int start, int end, TokenBuffer out) {
    char[] chars = text.buffer();
    if (end - start > maxInputCharsPerWord
        && Character.codePointCount(chars, start, end - start) > maxInputCharsPerWord) {
      out.add(unkId, start, end);
      return;
    }
    if (ShortWordTable.fits(chars, start, end)) {
      int id = wholeWords.get(ShortWordTable.pack(chars, start, end, false),
          ShortWordTable.pack(chars, start, end, true));
      if (id >= 0) {
        out.add(id, start, end);
        return;
      }
    }
    int mark = out.size();
    int pos = start;
    while (pos < end) {
      // Longest vocabulary entry starting at pos: walk the trie as far as it goes, remembering the last
      // node that ends an entry.
      int node = pos == start ? CharTrie.ROOT : continuationNode;
      int matchId = -1;
      int matchEnd = -1;
      for (int i = pos; i < end && node != CharTrie.NONE; i++) {
        node = trie.child(node, chars[i]);
        if (node != CharTrie.NONE && trie.value(node) >= 0) {
          matchId = trie.value(node);
          matchEnd = i + 1;
        }
      }
      if (matchId < 0) {
        out.truncate(mark);
        out.add(unkId, start, end);
        return;
      }
      out.add(matchId, pos, matchEnd);
      pos = matchEnd;
    }
  }
}
