package dev.sparkpretrain.tokenization.process;

import dev.sparkpretrain.tokenization.Encoding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HF type {@code TemplateProcessing}: templates such as {@code [CLS]:0 $A:0 [SEP]:0} for one sequence and
 * {@code ... $B:1 [SEP]:1} for a pair. Sequence pieces take the template's type id even when special
 * tokens are off, as in HF.
 */
public final class TemplateProcessing implements PostProcessor {
  private static final long serialVersionUID = 1L;

  /** One element of a template. */
  public sealed interface Piece extends java.io.Serializable permits SequencePiece, SpecialTokenPiece {
    int typeId();
  }

  /** {@code $A} or {@code $B}. */
  public record SequencePiece(boolean isB, int typeId) implements Piece {}

  /** A special token by its key in {@link #specialTokens()}. */
  public record SpecialTokenPiece(String id, int typeId) implements Piece {
    public SpecialTokenPiece {
      Objects.requireNonNull(id, "id");
    }
  }

  /** A special token's expansion: usually one id and one token. */
  public record SpecialToken(String id, List<Integer> ids, List<String> tokens) implements java.io.Serializable {
    public SpecialToken {
      Objects.requireNonNull(id, "id");
      ids = List.copyOf(ids);
      tokens = List.copyOf(tokens);
      if (ids.size() != tokens.size()) {
        throw new IllegalArgumentException("special_tokens." + id + ": ids and tokens differ in length");
      }
    }
  }

  private final List<Piece> single;
  private final List<Piece> pair;
  private final Map<String, SpecialToken> specialTokens;

  public TemplateProcessing(List<Piece> single, List<Piece> pair, Map<String, SpecialToken> specialTokens) {
    this.single = List.copyOf(single);
    this.pair = List.copyOf(pair);
    this.specialTokens = new LinkedHashMap<>(specialTokens);
    for (List<Piece> template : List.of(this.single, this.pair)) {
      for (Piece p : template) {
        if (p instanceof SpecialTokenPiece s && !this.specialTokens.containsKey(s.id())) {
          throw new IllegalArgumentException("post_processor.special_tokens: missing '" + s.id()
              + "', which a template uses");
        }
      }
    }
  }

  /** BERT's templates around the given ids, as HF's converters write them. */
  public static TemplateProcessing bert(int clsId, int sepId) {
    return new TemplateProcessing(
        List.of(new SpecialTokenPiece("[CLS]", 0), new SequencePiece(false, 0), new SpecialTokenPiece("[SEP]", 0)),
        List.of(new SpecialTokenPiece("[CLS]", 0), new SequencePiece(false, 0), new SpecialTokenPiece("[SEP]", 0),
            new SequencePiece(true, 1), new SpecialTokenPiece("[SEP]", 1)),
        Map.of("[CLS]", new SpecialToken("[CLS]", List.of(clsId), List.of("[CLS]")),
            "[SEP]", new SpecialToken("[SEP]", List.of(sepId), List.of("[SEP]"))));
  }

  public List<Piece> single() {
    return single;
  }

  public List<Piece> pair() {
    return pair;
  }

  public Map<String, SpecialToken> specialTokens() {
    return java.util.Collections.unmodifiableMap(specialTokens);
  }

  @Override
  public Encoding process(Encoding a, String textA, Encoding b, String textB, boolean addSpecialTokens) {
    List<Encoding> parts = new ArrayList<>();
    for (Piece p : b == null ? single : pair) {
      if (p instanceof SequencePiece s) {
        Encoding e = s.isB() ? b : a;
        if (e != null) {
          parts.add(e.withTypeId(s.typeId()));
        }
      } else if (addSpecialTokens) {
        SpecialToken t = specialTokens.get(((SpecialTokenPiece) p).id());
        for (int id : t.ids()) {
          parts.add(Encoding.special(id, p.typeId()));
        }
      }
    }
    return Encoding.concat(parts.toArray(new Encoding[0]));
  }
}
