package dev.sparkpretrain.tokenization.model.wordpiece;

import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.PreTokenizedString;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.decode.WordPieceDecoder;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.model.bpe.BpeMergeLearner;
import dev.sparkpretrain.tokenization.normalize.BertNormalizer;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.NormalizerSequence;
import dev.sparkpretrain.tokenization.normalize.UnicodeNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.BertPreTokenizer;
import dev.sparkpretrain.tokenization.process.BertProcessing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Trains a BERT WordPiece vocabulary from word counts, the way HF's {@code WordPieceTrainer} does: start
 * from every character seen (word-initial as is, the others with "##"), then add the most frequent
 * adjacent pairs as merged pieces until the vocabulary is full.
 *
 * <p>Split for Spark: {@link #preTokenize} runs on executors to count words; {@link #train} runs on the
 * driver over the counts only.
 *
 * <pre>{@code
 * WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.bert(30_522));
 * Map<String, Long> counts = ...;   // trainer.preTokenize(line) for every line, counted
 * Tokenizer bert = trainer.train(counts);
 * }</pre>
 */
public final class WordPieceTrainer implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * @param vocabSize target size including special tokens; the alphabet is always kept whole, so a tiny
   *     target can be exceeded
   * @param minFrequency a pair seen fewer times is never merged
   * @param specialTokens first ids, in order; must include [UNK], [CLS] and [SEP]
   * @param lowercase lowercase and strip accents (uncased BERT)
   * @param continuingSubwordPrefix marks non-initial pieces
   */
  /**
   * @param normalization its lowercasing is BERT's (accents stripped too, as BERT uncased does); its form,
   *     if any, runs before BERT's normalizer
   */
  public record Options(int vocabSize, long minFrequency, List<String> specialTokens, Normalization normalization,
                        String continuingSubwordPrefix) implements Serializable {
    public Options {
      if (vocabSize < 1) {
        throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
      }
      if (minFrequency < 0) {
        throw new IllegalArgumentException("minFrequency must be >= 0, got " + minFrequency);
      }
      specialTokens = List.copyOf(specialTokens);
      if (new HashSet<>(specialTokens).size() != specialTokens.size()) {
        throw new IllegalArgumentException("specialTokens must not repeat: " + specialTokens);
      }
      for (String required : List.of("[UNK]", "[CLS]", "[SEP]")) {
        if (!specialTokens.contains(required)) {
          throw new IllegalArgumentException("specialTokens must include " + required + ": " + specialTokens);
        }
      }
      Objects.requireNonNull(normalization, "normalization");
      Objects.requireNonNull(continuingSubwordPrefix, "continuingSubwordPrefix");
      if (continuingSubwordPrefix.isEmpty()) {
        throw new IllegalArgumentException("continuingSubwordPrefix must not be empty");
      }
    }

    /** BERT's setup: {@code [PAD] [UNK] [CLS] [SEP] [MASK]} as ids 0..4, pairs seen twice, uncased, "##". */
    public static Options bert(int vocabSize) {
      return new Options(vocabSize, 2, List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
          new Normalization(null, true), "##");
    }
  }

  private final Options options;
  private final Normalizer normalizer;
  private final BertPreTokenizer preTokenizer = new BertPreTokenizer();

  public WordPieceTrainer(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    Normalization n = options.normalization();
    BertNormalizer bert = new BertNormalizer(true, true, null, n.lowercase());
    this.normalizer = n.form() == null ? bert
        : new NormalizerSequence(List.of(new UnicodeNormalizer(n.form()), bert));
  }

  public Options options() {
    return options;
  }

  /** The words to count in {@code text}: BERT normalization and pre-tokenization. */
  public List<String> preTokenize(String text) {
    return PreTokenizedString.words(text, normalizer, preTokenizer);
  }

  /** A full BERT tokenizer whose vocabulary is learned from {@code wordCounts}. Pure. */
  public Tokenizer train(Map<String, Long> wordCounts) {
    String prefix = options.continuingSubwordPrefix();
    TreeSet<Integer> initials = new TreeSet<>();
    TreeSet<Integer> continuations = new TreeSet<>();
    Map<List<String>, Long> words = new HashMap<>();
    for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
      String w = e.getKey();
      if (w.isEmpty() || e.getValue() <= 0) {
        continue;
      }
      List<String> symbols = new ArrayList<>();
      for (int i = 0; i < w.length(); ) {
        int cp = w.codePointAt(i);
        String c = Character.toString(cp);
        initials.add(cp); // HF's alphabet holds every character, wherever it occurs
        if (i == 0) {
          symbols.add(c);
        } else {
          continuations.add(cp);
          symbols.add(prefix + c);
        }
        i += Character.charCount(cp);
      }
      words.merge(symbols, e.getValue(), Long::sum);
    }
    List<String> initial = new ArrayList<>(options.specialTokens());
    initials.forEach(cp -> initial.add(Character.toString(cp)));
    continuations.forEach(cp -> initial.add(prefix + Character.toString(cp)));
    BpeMergeLearner.Result learned = BpeMergeLearner.learn(words, dedupe(initial), options.vocabSize(),
        options.minFrequency(), prefix);

    Vocabulary vocabulary = Vocabulary.ofList(learned.vocab());
    List<AddedToken> added = new ArrayList<>();
    for (String s : options.specialTokens()) {
      added.add(AddedToken.special(vocabulary.id(s), s));
    }
    return new Tokenizer(normalizer, preTokenizer,
        new WordPieceModel(vocabulary, "[UNK]", prefix, 100),
        new BertProcessing(new BertProcessing.SpecialToken("[SEP]", vocabulary.id("[SEP]")),
            new BertProcessing.SpecialToken("[CLS]", vocabulary.id("[CLS]"))),
        new WordPieceDecoder(prefix, true), added);
  }

  private static List<String> dedupe(List<String> tokens) {
    return new ArrayList<>(new java.util.LinkedHashSet<>(tokens));
  }
}
