package dev.sparkpretrain.tokenization.model.bpe;

import dev.sparkpretrain.tokenization.AddedToken;
import dev.sparkpretrain.tokenization.PreTokenizedString;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.decode.ByteLevelDecoder;
import dev.sparkpretrain.tokenization.model.Vocabulary;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.normalize.NormalizerSequence;
import dev.sparkpretrain.tokenization.pretokenize.ByteLevel;
import dev.sparkpretrain.tokenization.pretokenize.ByteLevelAlphabet;
import dev.sparkpretrain.tokenization.process.ByteLevelProcessing;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a GPT-2 style byte-level BPE from word counts, as HF's {@code BpeTrainer} with the byte-level
 * alphabet: the vocabulary starts with the special tokens and all 256 byte characters (so nothing is ever
 * unknown), then gains one merged token per merge, most frequent pair first.
 *
 * <p>Split for Spark: {@link #preTokenize} runs on executors to count words; {@link #train} runs on the
 * driver over the counts only.
 *
 * <pre>{@code
 * BpeTrainer trainer = new BpeTrainer(BpeTrainer.Options.gpt2(32_000));
 * Tokenizer gpt = trainer.train(counts);   // counts of trainer.preTokenize(line) over the corpus
 * }</pre>
 */
public final class BpeTrainer implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * @param vocabSize target size including special tokens and the 256 byte characters
   * @param minFrequency a pair seen fewer times is never merged
   * @param specialTokens first ids, in order, matched in text as added tokens
   * @param addPrefixSpace put a space before the text, so a first word is spelled as any other ("Ġword")
   */
  public record Options(int vocabSize, long minFrequency, List<String> specialTokens, boolean addPrefixSpace,
                        Normalization normalization) implements Serializable {
    public Options {
      specialTokens = List.copyOf(specialTokens);
      Objects.requireNonNull(normalization, "normalization");
      if (vocabSize < specialTokens.size() + 256) {
        throw new IllegalArgumentException("vocabSize must be >= special tokens + 256 byte characters ("
            + (specialTokens.size() + 256) + "), got " + vocabSize);
      }
      if (minFrequency < 0) {
        throw new IllegalArgumentException("minFrequency must be >= 0, got " + minFrequency);
      }
      if (new HashSet<>(specialTokens).size() != specialTokens.size()) {
        throw new IllegalArgumentException("specialTokens must not repeat: " + specialTokens);
      }
    }

    /** GPT-2's setup: {@code <|endoftext|>}, pairs seen twice, no prefix space, text as it comes. */
    public static Options gpt2(int vocabSize) {
      return new Options(vocabSize, 2, List.of("<|endoftext|>"), false, Normalization.NONE);
    }
  }

  private final Options options;
  private final ByteLevel preTokenizer;
  /** Null when the text is taken as it comes (GPT-2). */
  private final Normalizer normalizer;

  public BpeTrainer(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    this.preTokenizer = new ByteLevel(options.addPrefixSpace(), true, true);
    List<Normalizer> steps = options.normalization().steps();
    this.normalizer = steps.isEmpty() ? null : new NormalizerSequence(steps);
  }

  public Options options() {
    return options;
  }

  /** The words to count in {@code text}, already spelled in byte-level characters ("Ġworld"). */
  public List<String> preTokenize(String text) {
    return PreTokenizedString.words(text, normalizer, preTokenizer);
  }

  /** A full byte-level BPE tokenizer learned from {@code wordCounts}. Pure. */
  public Tokenizer train(Map<String, Long> wordCounts) {
    Map<List<String>, Long> words = new HashMap<>();
    for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
      String w = e.getKey();
      if (w.isEmpty() || e.getValue() <= 0) {
        continue;
      }
      List<String> symbols = new ArrayList<>(w.length());
      for (int i = 0; i < w.length(); i++) {
        if (ByteLevelAlphabet.byteOf(w.charAt(i)) < 0) {
          throw new IllegalArgumentException("word '" + w + "' is not byte-level text; count the words of "
              + "preTokenize()");
        }
        symbols.add(String.valueOf(w.charAt(i)));
      }
      words.merge(symbols, e.getValue(), Long::sum);
    }
    List<String> alphabet = ByteLevelAlphabet.all();
    alphabet.sort(null); // HF orders the initial alphabet by code point
    LinkedHashSet<String> initial = new LinkedHashSet<>(options.specialTokens());
    initial.addAll(alphabet);
    BpeMergeLearner.Result learned = BpeMergeLearner.learn(words, new ArrayList<>(initial), options.vocabSize(),
        options.minFrequency(), "");
    Vocabulary vocabulary = Vocabulary.ofList(learned.vocab());
    List<AddedToken> added = new ArrayList<>();
    for (String s : options.specialTokens()) {
      added.add(AddedToken.special(vocabulary.id(s), s));
    }
    return new Tokenizer(normalizer, preTokenizer,
        new BpeModel(vocabulary, learned.merges(), null, null, null, false, false, false),
        new ByteLevelProcessing(true, false, true), new ByteLevelDecoder(), added);
  }
}
