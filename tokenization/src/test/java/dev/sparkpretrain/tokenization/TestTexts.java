package dev.sparkpretrain.tokenization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Texts the conformance tests feed to both our tokenizers and the reference ones. */
public final class TestTexts {
  private TestTexts() {}

  public static final List<String> CORPORA = List.of("moby-dick", "sotu", "europarl", "chinese-poetry");

  /** Non-empty lines of {@code corpus/<name>.sample.txt}. */
  public static List<String> corpusLines(String name) {
    String text = resource("corpus/" + name + ".sample.txt");
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(line);
      }
    }
    return out;
  }

  /** Every corpus line, plus a few multi-line documents (newlines inside a text). */
  public static List<String> allCorpusTexts() {
    List<String> out = new ArrayList<>();
    for (String c : CORPORA) {
      List<String> lines = corpusLines(c);
      out.addAll(lines);
      for (int i = 0; i + 5 <= lines.size(); i += 97) {
        out.add(String.join("\n", lines.subList(i, i + 5)));
      }
    }
    return out;
  }

  /** Hand-picked hard cases: scripts, emoji, odd whitespace, control characters, lone surrogates. */
  public static List<String> edgeCases() {
    return List.of(
        "", " ", "\t\n", "Hello, world!", "héllo wörld ÀÉÎÕÜ ÇçÑñ", "naïve café résumé",
        "İstanbul ıi İİ", "ΣΊΣΥΦΟΣ ὀδυσσεύς ς", "Привет, мир! Ёё", "مرحبا بالعالم، كيف؟", "שָׁלוֹם",
        "हिन्दी भाषा", "ภาษาไทย", "한국어 텍스트 입니다", "日本語のテキスト、カタカナ・ひらがな", "中文，标点。“引号”",
        "emoji 😀👍🏽👨‍👩‍👧 🥰 🫠 ❤️", "flags 🇺🇸🇩🇪", "zero\u200bwidth\u200djoiner\ufeffbom",
        "ctrl\u0001\u0002\u0007\u001b[0m", "nul\u0000char", "nbsp\u00a0thin\u2009ideographic\u3000space",
        "line\u2028sep\u2029para", "next\u0085line", "vt\u000bff\u000cfs\u001cus\u001f", "soft\u00adhyphen",
        "tab\there", "crlf\r\nline\rcr", "fullwidth ＡＢＣ１２３ ａｂｃ", "math 𝐀𝐁𝐂 ∑∫√ ≤≥", "ligature ﬁ ﬂ ǆ Ǆ ẞ ß",
        "roman Ⅻ ⅻ ①②", "variation ︎ selector ☺️", "private \ue000 use \udb80\udc00",
        "unassigned \u0378 tag \udb40\udc01", "a\ud800b", "x\udc00y", "\ud83d", "replacement \ufffd char",
        "[CLS] inside [SEP] text [MASK]", "[mask] lower [MASK][MASK]x[UNK]", "[PAD]",
        "very long word " + "a".repeat(150), "x".repeat(100), "y".repeat(101),
        "unbelievable antidisestablishmentarianism supercalifragilistic",
        "$100 + 50% = <tag> ^_^ `code` ~tilde|pipe {brace} @at #hash",
        "U.S.A. e.g. i.e. ... -- — – ‘quotes’ «guillemets» ¿qué? ¡sí!", "don't won't it's I'm we've",
        "numbers 3.14159 1,000,000 2024-01-01 12:30", "CamelCaseWord snake_case_word kebab-case-word",
        "   leading and trailing   ", "\u3000全角空格\u3000", "mixed中文English混合",
        "Ext-B 𠀀𠀁 Ext-E \ud86e\udc20 compat 豈", "combining a\u0301 e\u0308 n\u0303 \u0345",
        "hangul jamo \u1100\u1161\u11a8", "arabic \u0890 \u08e2 Cf", "newer Mn \u0898 \u1ac1 \u10efd");
  }

  public static String resource(String path) {
    try (InputStream in = TestTexts.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of a resource, every one kept (empty ones too), without the final newline's empty line. */
  public static List<String> resourceLines(String path) {
    String text = resource(path);
    if (text.endsWith("\n")) {
      text = text.substring(0, text.length() - 1);
    }
    return List.of(text.split("\n", -1));
  }

  public static Path resourcePath(String path) {
    try {
      return Path.of(TestTexts.class.getClassLoader().getResource(path).toURI());
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test resource " + path, e);
    }
  }

  /** True when {@code s} holds a surrogate that is not part of a pair. */
  public static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
