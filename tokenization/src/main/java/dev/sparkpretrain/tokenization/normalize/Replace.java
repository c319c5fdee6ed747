package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.util.Objects;
import java.util.regex.Matcher;

/**
 * HF type {@code Replace}: every non-overlapping match of a literal or a regex becomes {@code content}; the
 * new characters are aligned with the match's last character, as HF aligns them (its replacement removes the
 * match, then inserts the content, and an inserted character takes the alignment of the one before it).
 */
public final class Replace implements Normalizer {
  private static final long serialVersionUID = 1L;

  /** HF's {@code {"String": ...}} or {@code {"Regex": ...}}. */
  public record Pattern(String source, boolean isRegex) implements java.io.Serializable {
    public Pattern {
      Objects.requireNonNull(source, "source");
      if (source.isEmpty()) {
        throw new IllegalArgumentException("Replace pattern must not be empty");
      }
    }

    public static Pattern literal(String s) {
      return new Pattern(s, false);
    }

    public static Pattern regex(String s) {
      return new Pattern(s, true);
    }

    /**
     * The Java pattern; {@code \w \d \s} are Unicode-aware, as in the Oniguruma regexes HF runs.
     *
     * @throws java.util.regex.PatternSyntaxException for a regex Java cannot compile
     */
    public java.util.regex.Pattern compile() {
      return isRegex ? java.util.regex.Pattern.compile(source, java.util.regex.Pattern.UNICODE_CHARACTER_CLASS)
          : java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(source));
    }
  }

  private final Pattern pattern;
  private final String content;
  private transient java.util.regex.Pattern compiled;

  public Replace(Pattern pattern, String content) {
    this.pattern = Objects.requireNonNull(pattern, "pattern");
    this.content = Objects.requireNonNull(content, "content");
    this.compiled = pattern.compile();
  }

  public Pattern pattern() {
    return pattern;
  }

  public String content() {
    return content;
  }

  @Override
  public NormalizedString normalize(NormalizedString in) {
    if (compiled == null) {
      compiled = pattern.compile(); // after deserialization
    }
    Matcher m = compiled.matcher(in);
    if (!m.find()) {
      return in;
    }
    NormalizedString out = new NormalizedString(in.length() + 8);
    int last = 0;
    do {
      out.append(in, last, m.start());
      if (m.end() > m.start()) {
        int start = in.originalStart(m.end() - Character.charCount(Character.codePointBefore(in, m.end())));
        int end = in.originalEnd(m.end() - 1);
        for (int i = 0; i < content.length(); i++) {
          out.appendUnit(content.charAt(i), start, end);
        }
      }
      last = m.end();
    } while (m.find());
    out.append(in, last, in.length());
    return out;
  }
}
