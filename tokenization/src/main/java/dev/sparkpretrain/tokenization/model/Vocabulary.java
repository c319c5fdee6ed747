package dev.sparkpretrain.tokenization.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Token strings and their ids. Ids need not be dense (a tokenizer.json may leave gaps); {@link #size()}
 * counts entries, as HF's {@code get_vocab_size} does.
 */
public final class Vocabulary implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] tokens;
  private final Map<String, Integer> ids;

  public Vocabulary(Map<String, Integer> tokenToId) {
    Objects.requireNonNull(tokenToId, "tokenToId");
    int max = -1;
    for (Map.Entry<String, Integer> e : tokenToId.entrySet()) {
      int id = e.getValue();
      if (id < 0) {
        throw new IllegalArgumentException("vocab: negative id " + id + " for token '" + e.getKey() + "'");
      }
      max = Math.max(max, id);
    }
    tokens = new String[max + 1];
    ids = new HashMap<>(tokenToId.size() * 2);
    for (Map.Entry<String, Integer> e : tokenToId.entrySet()) {
      tokens[e.getValue()] = e.getKey();
      ids.put(e.getKey(), e.getValue());
    }
  }

  /** Dense vocabulary: {@code tokens[i]} has id {@code i}. */
  public static Vocabulary ofList(java.util.List<String> tokens) {
    Map<String, Integer> m = new HashMap<>(tokens.size() * 2);
    for (int i = 0; i < tokens.size(); i++) {
      if (m.putIfAbsent(tokens.get(i), i) != null) {
        throw new IllegalArgumentException("vocab: duplicate token '" + tokens.get(i) + "' at id " + i);
      }
    }
    return new Vocabulary(m);
  }

  public int size() {
    return ids.size();
  }

  /** Id of {@code token}, or -1. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  /** Token of {@code id}, or null. */
  public String token(int id) {
    return id >= 0 && id < tokens.length ? tokens[id] : null;
  }

  /** Largest id + 1. */
  public int idLimit() {
    return tokens.length;
  }

  /** Tokens ordered by id (gaps skipped), for writers. */
  public Map<String, Integer> asOrderedMap() {
    Map<String, Integer> m = new java.util.LinkedHashMap<>(ids.size() * 2);
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] != null) {
        m.put(tokens[i], i);
      }
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocabulary v && Arrays.equals(tokens, v.tokens);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(tokens);
  }
}
