package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;

/**
 * HF post-processor type {@code ByteLevel} (GPT-2): adds no tokens; with {@code trimOffsets} it takes the
 * spaces off token offsets. The other two fields only mirror the file format.
 */
public final class ByteLevelProcessing implements PostProcessor {
  private static final long serialVersionUID = 1L;

  private final boolean addPrefixSpace;
  private final boolean trimOffsets;
  private final boolean useRegex;

  public ByteLevelProcessing(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
    this.addPrefixSpace = addPrefixSpace;
    this.trimOffsets = trimOffsets;
    this.useRegex = useRegex;
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
  public Encoding process(Encoding a, String textA, Encoding b, String textB, boolean addSpecialTokens) {
    Encoding first = trimOffsets ? OffsetTrimming.trim(a, textA, addPrefixSpace) : a;
    if (b == null) {
      return first;
    }
    return Encoding.concat(first, trimOffsets ? OffsetTrimming.trim(b, textB, addPrefixSpace) : b);
  }
}
