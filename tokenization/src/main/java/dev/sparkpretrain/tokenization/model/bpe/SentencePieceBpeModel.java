package dev.sparkpretrain.tokenization.model.bpe;

import dev.sparkpretrain.tokenization.NormalizedString;
import dev.sparkpretrain.tokenization.model.CharTrie;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel.Piece;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel.PieceType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * SentencePiece's BPE ({@code bpe_model.cc}, model_type BPE in a {@code .model} file), encoding as
 * {@code spm_encode} does. There is no merge list: two adjacent symbols merge when their concatenation is a
 * piece, the pair whose piece scores highest first, the leftmost among equal scores. The text starts as its
 * characters, except that user-defined pieces found in it (longest first) are single symbols that never
 * merge. Symbols left that are not pieces become the unknown piece, a run of them one unknown (as
 * SentencePiece's processor fuses them), or with byte fallback their {@code <0xXX>} byte pieces.
 *
 * <p>Runs over the whole normalized text (SentencePiece has no pre-tokenizer), so the pair search is the
 * heap of {@link SymbolMerger}: O(n log n) in the text's length.
 *
 * <pre>{@code
 * Tokenizer spm = Tokenizer.load(Path.of("spm-bpe.model"));   // model_type: BPE
 * spm.encode("Hello world").ids();                             // as spm_encode --output_format=id
 * }</pre>
 */
public final class SentencePieceBpeModel implements TokenModel {
  private static final long serialVersionUID = 1L;

  private final List<Piece> pieces;
  private final int unkId;
  private final boolean byteFallback;
  private final Vocabulary vocabulary;
  /**
   * Merge units: ids below {@code pieceLimit} are pieces; above come characters that occur inside pieces
   * without being pieces themselves (SentencePiece still merges them into those pieces), then
   * {@code unknownUnit} (a character in no piece) and the frozen user-defined symbols
   * ({@code frozenBase + id}); none of the last two has a merge.
   */
  private final int pieceLimit;
  private final int unknownUnit;
  private final int frozenBase;
  private final int[] bmpUnits = new int[0x10000];
  private final Map<Integer, Integer> supplementaryUnits = new HashMap<>();
  private final MergeTable mergeTable;
  private final CharTrie userDefined;
  private final int[] byteIds = new int[256];

  /**
   * @param pieces the model's pieces in id order; NORMAL and USER_DEFINED ones merge, the others (control,
   *     unknown, byte) are only ever produced as themselves
   * @param unkId index of the unknown piece
   */
  public SentencePieceBpeModel(List<Piece> pieces, int unkId, boolean byteFallback) {
    this.pieces = List.copyOf(pieces);
    if (unkId < 0 || unkId >= this.pieces.size()) {
      throw new IllegalArgumentException("unk_id " + unkId + " is not a piece (" + this.pieces.size() + " pieces)");
    }
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    Map<String, Integer> ids = new HashMap<>(this.pieces.size() * 2);
    Map<String, Integer> mergeable = new HashMap<>(this.pieces.size() * 2);
    Map<String, Integer> frozen = new HashMap<>();
    TreeSet<Float> scores = new TreeSet<>();
    for (int i = 0; i < this.pieces.size(); i++) {
      Piece p = this.pieces.get(i);
      ids.putIfAbsent(p.token(), i);
      switch (p.type()) {
        case NORMAL, USER_DEFINED -> {
          mergeable.putIfAbsent(p.token(), i);
          scores.add((float) p.score());
        }
        case UNUSED -> throw new IllegalArgumentException("pieces[" + i + "] ('" + p.token()
            + "'): UNUSED pieces are not supported in a BPE model");
        default -> { }
      }
      if (p.type() == PieceType.USER_DEFINED && !p.token().isEmpty()) {
        frozen.put(p.token(), i);
      }
    }
    vocabulary = new Vocabulary(ids);
    pieceLimit = this.pieces.size();
    Arrays.fill(bmpUnits, -1);
    mergeable.forEach((token, id) -> {
      if (token.codePointCount(0, token.length()) == 1) {
        setUnit(token.codePointAt(0), id);
      }
    });
    // Rank = position of the piece's score in descending order; equal scores share a rank, so the leftmost
    // pair wins between them, as in SentencePiece's agenda.
    Map<Float, Integer> rankOfScore = new HashMap<>();
    for (Float s : scores.descendingSet()) {
      rankOfScore.put(s, rankOfScore.size());
    }
    int splits = 0;
    for (String token : mergeable.keySet()) {
      splits += token.codePointCount(0, token.length());
    }
    int[] nextUnit = {pieceLimit};
    mergeTable = new MergeTable(splits);
    mergeable.forEach((token, id) -> {
      int rank = rankOfScore.get((float) this.pieces.get(id).score());
      for (int k = token.offsetByCodePoints(0, 1); k < token.length(); k = token.offsetByCodePoints(k, 1)) {
        int left = unitOrNew(token.substring(0, k), mergeable, nextUnit);
        int right = unitOrNew(token.substring(k), mergeable, nextUnit);
        if (left >= 0 && right >= 0) {
          mergeTable.put(left, right, rank, id);
        }
      }
    });
    unknownUnit = nextUnit[0];
    frozenBase = unknownUnit + 1;
    userDefined = new CharTrie(frozen);
    for (int b = 0; b < 256; b++) {
      byteIds[b] = vocabulary.id(String.format(Locale.ROOT, "<0x%02X>", b));
    }
  }

  private void setUnit(int codePoint, int unit) {
    if (codePoint < 0x10000) {
      bmpUnits[codePoint] = unit;
    } else {
      supplementaryUnits.put(codePoint, unit);
    }
  }

  private int unit(int codePoint) {
    return codePoint < 0x10000 ? bmpUnits[codePoint] : supplementaryUnits.getOrDefault(codePoint, -1);
  }

  /** The unit of a piece or of a single character, a new one for a character that is no piece; else -1. */
  private int unitOrNew(String s, Map<String, Integer> mergeable, int[] nextUnit) {
    Integer id = mergeable.get(s);
    if (id != null) {
      return id;
    }
    if (s.codePointCount(0, s.length()) != 1) {
      return -1;
    }
    int unit = unit(s.codePointAt(0));
    if (unit < 0) {
      unit = nextUnit[0]++;
      setUnit(s.codePointAt(0), unit);
    }
    return unit;
  }

  public List<Piece> pieces() {
    return pieces;
  }

  public int unkId() {
    return unkId;
  }

  public boolean byteFallback() {
    return byteFallback;
  }

  @Override
  public Vocabulary vocabulary() {
    return vocabulary;
  }

  /**
   * HF's form of this model: merges for every split of a piece into two pieces, ordered by the piece's score
   * (highest first), then by id, as HF's SentencePiece converter orders them.
   */
  public List<String[]> hfMerges() {
    List<int[]> found = new ArrayList<>();
    for (int id = 0; id < pieces.size(); id++) {
      Piece p = pieces.get(id);
      if (p.type() != PieceType.NORMAL && p.type() != PieceType.USER_DEFINED) {
        continue;
      }
      String token = p.token();
      for (int k = 1; k < token.length(); k++) {
        if (Character.isLowSurrogate(token.charAt(k))) {
          continue;
        }
        int left = vocabulary.id(token.substring(0, k));
        int right = vocabulary.id(token.substring(k));
        if (left >= 0 && right >= 0) {
          found.add(new int[] {id, left, right});
        }
      }
    }
    found.sort((a, b) -> {
      int byScore = Float.compare((float) pieces.get(b[0]).score(), (float) pieces.get(a[0]).score());
      if (byScore != 0) {
        return byScore;
      }
      return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    });
    List<String[]> merges = new ArrayList<>(found.size());
    for (int[] f : found) {
      merges.add(new String[] {vocabulary.token(f[1]), vocabulary.token(f[2])});
    }
    return merges;
  }

  @Override
  public void tokenize(NormalizedString text, int start, int end, TokenBuffer out) {
    if (start >= end) {
      return;
    }
    char[] chars = text.buffer();
    int[] units = new int[end - start];
    int[] starts = new int[end - start];
    int[] ends = new int[end - start];
    int n = 0;
    for (int i = start; i < end; ) {
      int matched = longestUserDefined(chars, i, end);
      int length;
      if (matched >= 0) {
        length = vocabulary.token(matched).length();
        units[n] = frozenBase + matched;
      } else {
        int cp = Character.codePointAt(chars, i, end);
        length = Character.charCount(cp);
        int unit = unit(cp);
        units[n] = unit < 0 ? unknownUnit : unit;
      }
      starts[n] = i;
      ends[n] = i + length;
      n++;
      i += length;
    }
    TokenBuffer merged = new TokenBuffer(n);
    SymbolMerger.merge(mergeTable, units, starts, ends, n, merged);
    int mark = out.size();
    for (int t = 0; t < merged.size(); t++) {
      emit(chars, merged.id(t), merged.start(t), merged.end(t), out, mark);
    }
  }

  /** Id of the longest user-defined piece at {@code chars[from]}, or -1. */
  private int longestUserDefined(char[] chars, int from, int end) {
    int found = -1;
    int node = CharTrie.ROOT;
    for (int k = from; k < end; k++) {
      node = userDefined.child(node, chars[k]);
      if (node == CharTrie.NONE) {
        break;
      }
      if (userDefined.value(node) >= 0) {
        found = userDefined.value(node);
      }
    }
    return found;
  }

  /** Appends the tokens of one merged symbol; {@code mark} is where this call's tokens start in {@code out}. */
  private void emit(char[] chars, int unit, int from, int to, TokenBuffer out, int mark) {
    if (unit < pieceLimit) {
      out.add(unit, from, to);
      return;
    }
    if (unit >= frozenBase) {
      out.add(unit - frozenBase, from, to);
      return;
    }
    if (byteFallback) {
      byte[] bytes = new String(chars, from, to - from).getBytes(StandardCharsets.UTF_8);
      for (byte b : bytes) {
        int id = byteIds[b & 0xFF];
        out.add(id >= 0 ? id : unkId, from, to);
      }
    } else if (out.size() > mark && out.id(out.size() - 1) == unkId && out.end(out.size() - 1) == from) {
      int runStart = out.start(out.size() - 1);
      out.truncate(out.size() - 1);
      out.add(unkId, runStart, to);
    } else {
      out.add(unkId, from, to);
    }
  }
}
