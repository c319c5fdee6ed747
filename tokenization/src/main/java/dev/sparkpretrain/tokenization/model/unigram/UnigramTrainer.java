package dev.sparkpretrain.tokenization.model.unigram;

import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.PreTokenizedString;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.decode.MetaspaceDecoder;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.NormalizerSequence;
import dev.sparkpretrain.tokenization.normalize.Replace;
import dev.sparkpretrain.tokenization.normalize.UnicodeNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.Metaspace;
import dev.sparkpretrain.tokenization.process.TemplateProcessing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Trains a Unigram vocabulary as SentencePiece's {@code unigram_model_trainer} does, over word counts
 * instead of sentences: seed pieces from frequent substrings, then rounds of EM (expected piece counts by
 * forward-backward over each word's lattice, then a Bayesian M-step) each followed by pruning the pieces
 * whose removal costs the least likelihood, until the vocabulary is 10% above target; the final pieces are
 * the most probable ones.
 *
 * <p>For Spark, each step that reads the corpus is a pure function over (word, count) pairs whose results
 * add up: {@link #seedSubstrings} (sum by substring), {@link EStep} (sum the arrays) and
 * {@link ViterbiCounts} (sum the arrays); the driver holds only a {@link PieceModel} and runs
 * {@link #train(PieceModel, WordPasses)}. {@link #train(Map)} runs the same steps in one process. Both sums
 * are exact, so a distributed run gives the very vocabulary a local one gives on the same counts.
 *
 * <pre>{@code
 * UnigramTrainer trainer = new UnigramTrainer(UnigramTrainer.Options.t5(32_000));
 * Tokenizer t5 = trainer.train(counts);   // counts of trainer.preTokenize(line) over the corpus
 * }</pre>
 */
public final class UnigramTrainer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final char SPACE = '\u2581';

  /**
   * @param vocabSize final size including special tokens
   * @param specialTokens first ids, in order
   * @param unkToken the unknown piece, one of the special tokens
   * @param maxPieceLength longest piece in characters (SentencePiece: 16)
   * @param seedSize seed pieces kept before EM (SentencePiece: 1,000,000)
   * @param shrinkingFactor share of pieces kept by each pruning (SentencePiece: 0.75)
   * @param subIterations EM rounds between prunings (SentencePiece: 2)
   * @param characterCoverage share of character occurrences the alphabet must cover; rarer characters
   *     are left out and encode as the unknown piece (SentencePiece: 0.9995)
   * @param appendEos T5 style: append {@code eosToken} to every sequence and reserve the last 100 ids for
   *     the sentinels {@code <extra_id_99..0>}
   * @param eosToken the end-of-sequence token, or null
   */
  public record Options(int vocabSize, List<String> specialTokens, String unkToken, int maxPieceLength,
                        int seedSize, double shrinkingFactor, int subIterations, double characterCoverage,
                        boolean appendEos, String eosToken, Normalization normalization) implements Serializable {
    public Options {
      specialTokens = List.copyOf(specialTokens);
      Objects.requireNonNull(normalization, "normalization");
      if (new HashSet<>(specialTokens).size() != specialTokens.size()) {
        throw new IllegalArgumentException("specialTokens must not repeat: " + specialTokens);
      }
      if (vocabSize <= specialTokens.size()) {
        throw new IllegalArgumentException("vocabSize must exceed the " + specialTokens.size()
            + " special tokens, got " + vocabSize);
      }
      Objects.requireNonNull(unkToken, "unkToken");
      if (!specialTokens.contains(unkToken)) {
        throw new IllegalArgumentException("unkToken " + unkToken + " must be one of specialTokens");
      }
      if (maxPieceLength < 1) {
        throw new IllegalArgumentException("maxPieceLength must be >= 1, got " + maxPieceLength);
      }
      if (seedSize < vocabSize) {
        throw new IllegalArgumentException("seedSize must be >= vocabSize, got " + seedSize);
      }
      if (!(shrinkingFactor > 0 && shrinkingFactor < 1)) {
        throw new IllegalArgumentException("shrinkingFactor must be in (0, 1), got " + shrinkingFactor);
      }
      if (subIterations < 1) {
        throw new IllegalArgumentException("subIterations must be >= 1, got " + subIterations);
      }
      if (!(characterCoverage > 0 && characterCoverage <= 1)) {
        throw new IllegalArgumentException("characterCoverage must be in (0, 1], got " + characterCoverage);
      }
      if (appendEos && (eosToken == null || !specialTokens.contains(eosToken))) {
        throw new IllegalArgumentException("appendEos needs an eosToken among specialTokens");
      }
    }

    /**
     * T5's setup: {@code <pad> </s> <unk>} as ids 0..2, the 100 sentinels {@code <extra_id_0..99>} as the
     * last ids (T5 puts {@code <extra_id_0>} at the very end), {@code </s>} after every sequence, cased
     * NFKC (the part of SentencePiece's nmt_nfkc that HF expresses without a charsmap).
     */
    public static Options t5(int vocabSize) {
      List<String> specials = new ArrayList<>(List.of("<pad>", "</s>", "<unk>"));
      return new Options(vocabSize, specials, "<unk>", 16, Math.max(1_000_000, vocabSize * 10), 0.75, 2, 0.9995,
          true, "</s>", new Normalization(UnicodeNormalizer.Form.NFKC, false));
    }

    /** SentencePiece's defaults for a plain Unigram model: {@code <unk> <s> </s>}, nothing appended, NFKC. */
    public static Options sentencePiece(int vocabSize) {
      return new Options(vocabSize, List.of("<unk>", "<s>", "</s>"), "<unk>", 16,
          Math.max(1_000_000, vocabSize * 10), 0.75, 2, 0.9995, false, null,
          new Normalization(UnicodeNormalizer.Form.NFKC, false));
    }
  }

  /** T5's sentinel count; the sentinels take the last ids of a {@link Options#t5} vocabulary. */
  public static final int T5_SENTINELS = 100;

  private final Options options;
  private final Normalizer normalizer;
  private final Metaspace preTokenizer = Metaspace.sentencePiece();

  public UnigramTrainer(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    // The chosen form and case, then spaces collapsed as SentencePiece collapses them.
    List<Normalizer> steps = new ArrayList<>(options.normalization().steps());
    steps.add(new Replace(Replace.Pattern.regex(" {2,}"), " "));
    this.normalizer = new NormalizerSequence(steps);
  }

  public Options options() {
    return options;
  }

  /** The words to count: normalized, spaces collapsed, cut before each '▁' ("▁Hello", "▁world"). */
  public List<String> preTokenize(String text) {
    return PreTokenizedString.words(text, normalizer, preTokenizer);
  }

  /**
   * Seed candidates of one word: every substring of up to {@code maxPieceLength} characters that does not
   * have '▁' after its first character, weighted by the word's count. Summed over the corpus and ranked by
   * count × length (SentencePiece's seed score), the top ones seed EM.
   */
  public static void seedSubstrings(String word, long count, int maxPieceLength, BiConsumer<String, Long> emit) {
    int n = word.length();
    for (int i = 0; i < n; i = next(word, i)) {
      int chars = 0;
      for (int k = i; k < n && chars < maxPieceLength; ) {
        if (k > i && word.charAt(k) == SPACE) {
          break;
        }
        k = next(word, k);
        chars++;
        emit.accept(word.substring(i, k), count);
      }
    }
  }

  private static int next(String s, int i) {
    return i + Character.charCount(s.codePointAt(i));
  }

  /**
   * The initial model: all characters (in code point order, so the piece order does not depend on how the
   * counts were gathered), then the best multi-character seeds in {@link #compareSeeds} order,
   * log-probabilities from counts. A distributed trainer may pass only the characters and its top
   * {@code seedSize - characters} {@link #isSeedCandidate candidates}: the result is the same.
   */
  public static PieceModel seedModel(Map<String, Long> substringCounts, int seedSize) {
    List<Map.Entry<String, Long>> all = new ArrayList<>(substringCounts.entrySet());
    all.sort(Map.Entry.comparingByKey());
    List<String> pieces = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    List<Map.Entry<String, Long>> multi = new ArrayList<>();
    for (Map.Entry<String, Long> e : all) {
      if (e.getKey().codePointCount(0, e.getKey().length()) == 1) {
        pieces.add(e.getKey());
        weights.add((double) e.getValue());
      } else if (isSeedCandidate(e.getKey(), e.getValue())) {
        multi.add(e);
      }
    }
    multi.sort((a, b) -> compareSeeds(a.getKey(), a.getValue(), b.getKey(), b.getValue()));
    for (int i = 0; i < multi.size() && pieces.size() < seedSize; i++) {
      pieces.add(multi.get(i).getKey());
      weights.add((double) multi.get(i).getValue() * multi.get(i).getKey().codePointCount(0,
          multi.get(i).getKey().length()));
    }
    double sum = weights.stream().mapToDouble(Double::doubleValue).sum();
    double[] logProbs = new double[pieces.size()];
    for (int i = 0; i < logProbs.length; i++) {
      logProbs[i] = Math.log(weights.get(i)) - Math.log(sum);
    }
    return new PieceModel(pieces, logProbs);
  }

  /** A multi-character substring worth ranking as a seed: seen once is no evidence that it is a unit. */
  public static boolean isSeedCandidate(String substring, long count) {
    return count > 1 && substring.codePointCount(0, substring.length()) > 1;
  }

  /** Seed ranking, best first: count × length descending (SentencePiece's seed score), then the text. */
  public static int compareSeeds(String a, long countA, String b, long countB) {
    int byScore = Double.compare(-(double) countA * a.codePointCount(0, a.length()),
        -(double) countB * b.codePointCount(0, b.length()));
    return byScore != 0 ? byScore : a.compareTo(b);
  }

  /** Whether every character of {@code piece} is in the kept {@link #alphabet}. */
  public static boolean inAlphabet(String piece, java.util.Set<String> alphabet) {
    return piece.codePoints().allMatch(cp -> alphabet.contains(Character.toString(cp)));
  }

  /**
   * E-step accumulator: expected count of every piece (forward-backward over each word's lattice, times
   * the word's count) and the corpus log-likelihood. Accumulators over disjoint words {@link #merge}.
   *
   * <p>Expected counts are summed exactly, in 128-bit fixed point with each posterior rounded to 2^-52, so
   * the totals do not depend on the order of the words: a Spark {@code treeAggregate} over any partitioning
   * and a loop over a {@code HashMap} give bit-identical models, hence identical vocabularies (a plain
   * {@code double} sum differs in the last bits, which flips ties between pieces of equal score).
   */
  public static final class EStep implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final double ONE = 0x1p52;
    private final long[] high;
    private final long[] low;
    private double logLikelihood;
    private long words;

    public EStep(int pieces) {
      high = new long[pieces];
      low = new long[pieces];
    }

    public void add(PieceModel model, String word, long count) {
      int n = word.length();
      double[] alpha = new double[n + 1];
      Arrays.fill(alpha, Double.NEGATIVE_INFINITY);
      alpha[0] = 0;
      List<int[]> edges = new ArrayList<>();
      model.forEachEdge(word, (s, e, p) -> edges.add(new int[] {s, e, p}));
      // Edges arrive by start position, so alpha[start] is final when its edges are read.
      for (int[] edge : edges) {
        alpha[edge[1]] = logAdd(alpha[edge[1]], alpha[edge[0]] + model.logProb(edge[2]));
      }
      double z = alpha[n];
      if (z == Double.NEGATIVE_INFINITY) {
        return; // a character outside the model; cannot happen when seeds hold all characters
      }
      double[] beta = new double[n + 1];
      Arrays.fill(beta, Double.NEGATIVE_INFINITY);
      beta[n] = 0;
      for (int k = edges.size() - 1; k >= 0; k--) {
        int[] edge = edges.get(k);
        beta[edge[0]] = logAdd(beta[edge[0]], beta[edge[1]] + model.logProb(edge[2]));
      }
      for (int[] edge : edges) {
        double posterior = Math.exp(alpha[edge[0]] + model.logProb(edge[2]) + beta[edge[1]] - z);
        long fixed = Math.round(posterior * ONE); // count, fixed >= 0: the signed 128-bit product is the unsigned one
        add(edge[2], Math.multiplyHigh(count, fixed), count * fixed);
      }
      logLikelihood += count * z;
      words += count;
    }

    private void add(int piece, long hi, long lo) {
      long sum = low[piece] + lo;
      high[piece] += hi + (Long.compareUnsigned(sum, low[piece]) < 0 ? 1 : 0);
      low[piece] = sum;
    }

    public EStep merge(EStep other) {
      if (other.high.length != high.length) {
        throw new IllegalArgumentException("EStep sizes differ: " + high.length + " vs " + other.high.length);
      }
      for (int i = 0; i < high.length; i++) {
        add(i, other.high[i], other.low[i]);
      }
      logLikelihood += other.logLikelihood;
      words += other.words;
      return this;
    }

    /** Expected count of every piece. */
    public double[] expected() {
      double[] out = new double[high.length];
      for (int i = 0; i < out.length; i++) {
        double unsignedLow = (low[i] >>> 11) * 0x1p11 + (low[i] & 0x7FF);
        out[i] = (high[i] * 0x1p64 + unsignedLow) / ONE;
      }
      return out;
    }

    /** Average log-likelihood per word, the quantity EM raises. */
    public double objective() {
      return words == 0 ? 0 : logLikelihood / words;
    }
  }

  /**
   * M-step: pieces expected less than half a time are dropped, the rest get SentencePiece's Bayesian
   * estimate {@code digamma(count) - digamma(total)} (which shrinks rare pieces harder than log(count/total)).
   * Single characters always stay.
   */
  public static PieceModel mStep(PieceModel model, double[] expected) {
    List<String> pieces = new ArrayList<>();
    List<Double> counts = new ArrayList<>();
    for (int i = 0; i < model.size(); i++) {
      String p = model.pieces().get(i);
      boolean single = p.codePointCount(0, p.length()) == 1;
      if (expected[i] < 0.5 && !single) {
        continue;
      }
      pieces.add(p);
      counts.add(Math.max(expected[i], 1e-3));
    }
    double total = counts.stream().mapToDouble(Double::doubleValue).sum();
    double logTotal = digamma(total);
    double[] logProbs = new double[pieces.size()];
    for (int i = 0; i < logProbs.length; i++) {
      logProbs[i] = digamma(counts.get(i)) - logTotal;
    }
    return new PieceModel(pieces, logProbs);
  }

  /**
   * Viterbi accumulator for pruning: how often each piece is in the best segmentation of the corpus. Integer
   * counts held in doubles are exact (below 2^53), so merging in any order gives the same totals.
   */
  public static final class ViterbiCounts implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] counts;

    public ViterbiCounts(int pieces) {
      counts = new double[pieces];
    }

    public void add(PieceModel model, String word, long count) {
      for (int piece : viterbi(model, word)) {
        counts[piece] += count;
      }
    }

    public ViterbiCounts merge(ViterbiCounts other) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
      return this;
    }

    public double[] counts() {
      return counts.clone();
    }
  }

  /** Best segmentation of {@code word} under {@code model}, as piece indices. */
  static int[] viterbi(PieceModel model, String word) {
    int n = word.length();
    double[] best = new double[n + 1];
    int[] from = new int[n + 1];
    int[] piece = new int[n + 1];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    best[0] = 0;
    model.forEachEdge(word, (s, e, p) -> {
      double score = best[s] + model.logProb(p);
      if (score > best[e]) {
        best[e] = score;
        from[e] = s;
        piece[e] = p;
      }
    });
    if (best[n] == Double.NEGATIVE_INFINITY) {
      return new int[0];
    }
    int count = 0;
    for (int e = n; e > 0; e = from[e]) {
      count++;
    }
    int[] out = new int[count];
    for (int e = n; e > 0; e = from[e]) {
      out[--count] = piece[e];
    }
    return out;
  }

  /**
   * SentencePiece's pruning: the likelihood lost when a piece is removed and its occurrences are spelled
   * by its own best alternative segmentation; keeps the {@code keep} pieces losing the most (and every
   * single character).
   */
  public static PieceModel prune(PieceModel model, double[] viterbiCounts, int keep) {
    int size = model.size();
    double total = Arrays.stream(viterbiCounts).sum();
    double[] loss = new double[size];
    for (int i = 0; i < size; i++) {
      String p = model.pieces().get(i);
      if (p.codePointCount(0, p.length()) == 1) {
        loss[i] = Double.POSITIVE_INFINITY;
        continue;
      }
      double freq = viterbiCounts[i];
      if (freq <= 0) {
        loss[i] = 0; // never used in a best segmentation: the first to go
        continue;
      }
      int[] alternative = secondBest(model, p, i);
      double logProbPiece = Math.log(freq) - Math.log(total);
      double newTotal = total + freq * (alternative.length - 1);
      double logProbAlternative = 0;
      for (int a : alternative) {
        logProbAlternative += Math.log(viterbiCounts[a] + freq) - Math.log(newTotal);
      }
      loss[i] = freq * (logProbPiece - logProbAlternative);
    }
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(loss[b], loss[a]));
    boolean[] kept = new boolean[size];
    for (int r = 0; r < size; r++) {
      if (r < keep || loss[order[r]] == Double.POSITIVE_INFINITY) {
        kept[order[r]] = true;
      }
    }
    List<String> pieces = new ArrayList<>();
    List<Double> logProbs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (kept[i]) {
        pieces.add(model.pieces().get(i));
        logProbs.add(model.logProb(i));
      }
    }
    return new PieceModel(pieces, logProbs.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** Best segmentation of piece {@code self}'s own text without using it. */
  private static int[] secondBest(PieceModel model, String text, int self) {
    int n = text.length();
    double[] best = new double[n + 1];
    int[] from = new int[n + 1];
    int[] piece = new int[n + 1];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    best[0] = 0;
    model.forEachEdge(text, (s, e, p) -> {
      if (p == self) {
        return;
      }
      double score = best[s] + model.logProb(p);
      if (score > best[e]) {
        best[e] = score;
        from[e] = s;
        piece[e] = p;
      }
    });
    List<Integer> out = new ArrayList<>();
    for (int e = n; e > 0 && best[e] > Double.NEGATIVE_INFINITY; e = from[e]) {
      out.add(0, piece[e]);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The characters kept: most frequent first until they cover {@code coverage} of all occurrences, and
   * never more than {@code max}.
   */
  public static java.util.Set<String> alphabet(Map<String, Long> substringCounts, double coverage, int max) {
    List<Map.Entry<String, Long>> chars = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, Long> e : substringCounts.entrySet()) {
      if (e.getKey().codePointCount(0, e.getKey().length()) == 1) {
        chars.add(e);
        total += e.getValue();
      }
    }
    chars.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry::getKey));
    java.util.Set<String> kept = new HashSet<>();
    long covered = 0;
    for (Map.Entry<String, Long> e : chars) {
      if (kept.size() >= max || (covered >= coverage * total && !kept.isEmpty())) {
        break;
      }
      kept.add(e.getKey());
      covered += e.getValue();
    }
    return kept;
  }

  /** Pieces to learn: the vocabulary size less the special tokens and the T5 sentinels. */
  public int learnedSize() {
    return options.vocabSize() - options.specialTokens().size() - (options.appendEos() ? T5_SENTINELS : 0);
  }

  /**
   * The passes of EM and pruning over all (word, count) pairs, wherever the pairs live: a loop here, a
   * {@code treeAggregate} on Spark. Each returns the accumulator summed over every word.
   */
  public interface WordPasses {
    EStep eStep(PieceModel model);

    ViterbiCounts viterbi(PieceModel model);
  }

  /** Trains on {@code wordCounts} (words from {@link #preTokenize}) in this process. Pure. */
  public Tokenizer train(Map<String, Long> wordCounts) {
    Map<String, Long> substrings = new HashMap<>();
    wordCounts.forEach((w, c) -> seedSubstrings(w, c, options.maxPieceLength(),
        (s, n) -> substrings.merge(s, n, Long::sum)));
    java.util.Set<String> alphabet = alphabet(substrings, options.characterCoverage(), learnedSize());
    // Pieces holding a left-out character could never be used; drop them before seeding.
    substrings.keySet().removeIf(s -> !inAlphabet(s, alphabet));
    PieceModel seed = seedModel(substrings, options.seedSize());
    return train(seed, new WordPasses() {
      public EStep eStep(PieceModel model) {
        EStep e = new EStep(model.size());
        wordCounts.forEach((w, c) -> e.add(model, w, c));
        return e;
      }

      public ViterbiCounts viterbi(PieceModel model) {
        ViterbiCounts v = new ViterbiCounts(model.size());
        wordCounts.forEach((w, c) -> v.add(model, w, c));
        return v;
      }
    });
  }

  /**
   * EM rounds and pruning from {@code seed} until the pieces are 10% above the target, then the final
   * vocabulary. Only {@code passes} reads the words; everything here works on piece arrays.
   */
  public Tokenizer train(PieceModel seed, WordPasses passes) {
    int target = learnedSize();
    PieceModel model = seed;
    int desired = (int) Math.ceil(target * 1.1); // SentencePiece stops pruning 10% above the target
    while (true) {
      for (int round = 0; round < options.subIterations(); round++) {
        model = mStep(model, passes.eStep(model).expected());
      }
      if (model.size() <= desired) {
        break;
      }
      ViterbiCounts v = passes.viterbi(model);
      int keep = Math.max(desired, (int) (model.size() * options.shrinkingFactor()));
      PieceModel pruned = prune(model, v.counts(), keep);
      if (pruned.size() >= model.size()) {
        break; // only single characters left to remove
      }
      model = pruned;
    }
    return tokenizer(finalPieces(model, target));
  }

  /** The {@code target} most probable pieces, every single character first in line, best first. */
  static LinkedHashMap<String, Double> finalPieces(PieceModel model, int target) {
    List<Integer> chars = new ArrayList<>();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < model.size(); i++) {
      String p = model.pieces().get(i);
      (p.codePointCount(0, p.length()) == 1 ? chars : others).add(i);
    }
    Comparator<Integer> byScore = (a, b) -> Double.compare(model.logProb(b), model.logProb(a));
    chars.sort(byScore);
    others.sort(byScore);
    List<Integer> chosen = new ArrayList<>(chars.subList(0, Math.min(target, chars.size())));
    chosen.addAll(others.subList(0, Math.min(others.size(), Math.max(0, target - chosen.size()))));
    chosen.sort(byScore);
    LinkedHashMap<String, Double> out = new LinkedHashMap<>();
    for (int i : chosen) {
      out.put(model.pieces().get(i), model.logProb(i));
    }
    return out;
  }

  private Tokenizer tokenizer(LinkedHashMap<String, Double> learned) {
    List<UnigramModel.Piece> pieces = new ArrayList<>();
    List<AddedToken> added = new ArrayList<>();
    for (String s : options.specialTokens()) {
      added.add(AddedToken.special(pieces.size(), s));
      pieces.add(new UnigramModel.Piece(s, 0.0, UnigramModel.PieceType.CONTROL));
    }
    learned.forEach((p, score) -> {
      if (!options.specialTokens().contains(p)) {
        pieces.add(new UnigramModel.Piece(p, score, UnigramModel.PieceType.NORMAL));
      }
    });
    if (options.appendEos()) {
      // T5: <extra_id_99> first, <extra_id_0> last, so <extra_id_0> has the largest id.
      for (int i = T5_SENTINELS - 1; i >= 0; i--) {
        String s = "<extra_id_" + i + ">";
        added.add(AddedToken.special(pieces.size(), s));
        pieces.add(new UnigramModel.Piece(s, 0.0, UnigramModel.PieceType.CONTROL));
      }
    }
    int unk = options.specialTokens().indexOf(options.unkToken());
    UnigramModel model = new UnigramModel(pieces, unk, false, UnigramModel.Scoring.HF);
    TemplateProcessing post = null;
    if (options.appendEos()) {
      int eos = options.specialTokens().indexOf(options.eosToken());
      String e = options.eosToken();
      post = new TemplateProcessing(
          List.of(new TemplateProcessing.SequencePiece(false, 0), new TemplateProcessing.SpecialTokenPiece(e, 0)),
          List.of(new TemplateProcessing.SequencePiece(false, 0), new TemplateProcessing.SpecialTokenPiece(e, 0),
              new TemplateProcessing.SequencePiece(true, 0), new TemplateProcessing.SpecialTokenPiece(e, 0)),
          Map.of(e, new TemplateProcessing.SpecialToken(e, List.of(eos), List.of(e))));
    }
    return new Tokenizer(normalizer, preTokenizer, model, post,
        new MetaspaceDecoder(SPACE, Metaspace.PrependScheme.ALWAYS, true), added);
  }

  private static double logAdd(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double max = Math.max(a, b);
    return max + Math.log1p(Math.exp(Math.min(a, b) - max));
  }

  /** Digamma by recurrence up to 6 and the asymptotic series, as SentencePiece computes it. */
  static double digamma(double x) {
    double result = 0;
    for (; x < 6; x += 1) {
      result -= 1 / x;
    }
    double f = 1 / (x * x);
    double t = f * (-1 / 12.0 + f * (1 / 120.0 + f * (-1 / 252.0 + f * (1 / 240.0 + f * (-1 / 132.0)))));
    return result + Math.log(x) - 0.5 / x + t;
  }
}
