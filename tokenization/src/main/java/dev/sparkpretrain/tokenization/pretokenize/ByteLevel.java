package dev.sparkpretrain.tokenization.pretokenize;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.PreTokenizedString;

/**
 * HF type {@code ByteLevel} (GPT-2, RoBERTa): optionally prefix a space, split with GPT-2's pattern, then
 * spell every split as its UTF-8 bytes in {@link ByteLevelAlphabet} characters, each byte aligned to the
 * original character it belongs to. {@code trimOffsets} is only carried for the file format; HF applies it
 * in the post-processor.
 */
public final class ByteLevel implements PreTokenizer {
  private static final long serialVersionUID = 1L;

  private final boolean addPrefixSpace;
  private final boolean trimOffsets;
  private final boolean useRegex;

  public ByteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
    this.addPrefixSpace = addPrefixSpace;
    this.trimOffsets = trimOffsets;
    this.useRegex = useRegex;
  }

  /** GPT-2's settings: no prefix space, regex on. */
  public static ByteLevel gpt2() {
    return new ByteLevel(false, true, true);
  }

  public boolean addPrefixSpace() {
    return addPrefixSpace;
  }

  public boolean trimOffsets() {
    return trimOffsets;
  }

  public boolean useRegex() {
    return useRegex;
  }

  @Override
  public void preTokenize(PreTokenizedString text) {
    if (addPrefixSpace) {
      text.rewrite(ByteLevel::prefixSpace);
    }
    if (useRegex) {
      text.refine(Gpt2Split::split);
    }
    text.rewrite(ByteLevel::toBytes);
  }

  /** HF's {@code prepend(" ")}: the space shares the first character's alignment. */
  private static void prefixSpace(NormalizedString s, int start, int end, NormalizedString out) {
    if (start < end && s.charAt(start) != ' ') {
      out.appendUnit(' ', s.originalStart(start), s.originalEnd(start));
    }
    out.append(s, start, end);
  }

  static void toBytes(NormalizedString s, int start, int end, NormalizedString out) {
    out.reserve(4 * (end - start)); // a UTF-16 unit is at most 3 bytes, a surrogate pair 4
    for (int i = start; i < end; ) {
      char c = s.charAt(i);
      int os = s.originalStart(i);
      if (c < 0x80) {
        out.appendUnit(ByteLevelAlphabet.charOf(c), os, s.originalEnd(i));
        i++;
        continue;
      }
      int cp = s.codePointAt(i);
      int units = Character.charCount(cp);
      int oe = s.originalEnd(i + units - 1);
      if (cp < 0x800) {
        out.appendUnit(ByteLevelAlphabet.charOf(0xC0 | (cp >> 6)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | (cp & 0x3F)), os, oe);
      } else if (cp < 0x10000) {
        out.appendUnit(ByteLevelAlphabet.charOf(0xE0 | (cp >> 12)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | ((cp >> 6) & 0x3F)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | (cp & 0x3F)), os, oe);
      } else {
        out.appendUnit(ByteLevelAlphabet.charOf(0xF0 | (cp >> 18)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | ((cp >> 12) & 0x3F)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | ((cp >> 6) & 0x3F)), os, oe);
        out.appendUnit(ByteLevelAlphabet.charOf(0x80 | (cp & 0x3F)), os, oe);
      }
      i += units;
    }
  }
}
