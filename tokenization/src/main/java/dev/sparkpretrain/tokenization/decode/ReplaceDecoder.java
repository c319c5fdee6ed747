package dev.sparkpretrain.tokenization.decode;

import dev.sparkpretrain.tokenization.normalize.Replace;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;

/** HF decoder type {@code Replace}: every match of the pattern in each token becomes {@code content}. */
public final class ReplaceDecoder implements Decoder {
  private static final long serialVersionUID = 1L;

  private final Replace.Pattern pattern;
  private final String content;
  private transient java.util.regex.Pattern compiled;

  public ReplaceDecoder(Replace.Pattern pattern, String content) {
    this.pattern = Objects.requireNonNull(pattern, "pattern");
    this.content = Objects.requireNonNull(content, "content");
    this.compiled = pattern.compile();
  }

  public Replace.Pattern pattern() {
    return pattern;
  }

  public String content() {
    return content;
  }

  @Override
  public List<String> decodeChain(List<String> tokens) {
    if (compiled == null) {
      compiled = pattern.compile(); // after deserialization
    }
    String replacement = Matcher.quoteReplacement(content);
    List<String> out = new ArrayList<>(tokens.size());
    for (String t : tokens) {
      out.add(compiled.matcher(t).replaceAll(replacement));
    }
    return out;
  }
}
