package dev.sparkpretrain.jobs.tokenizer;

import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.DataConfig;
import dev.sparkpretrain.config.TokenizerConfig;
import dev.sparkpretrain.corpus.CorpusReader;
import dev.sparkpretrain.corpus.TextCleaner;
import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.model.bpe.BpeTrainer;
import dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer;
import dev.sparkpretrain.tokenization.model.wordpiece.WordPieceTrainer;
import dev.sparkpretrain.tokenization.normalize.Normalization;
import dev.sparkpretrain.tokenization.normalize.UnicodeNormalizer;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Trains a vocabulary on Spark: executors pre-tokenize and count words ({@code reduceByKey}); only the counts of
 * words seen at least {@code min_frequency} times reach the driver, so driver memory is bounded by the number of
 * distinct frequent words, never by the corpus. Unigram needs more passes (seed substrings, EM rounds, pruning),
 * which {@link DistributedUnigramTrainer} runs on the executors as well.
 */
public final class TokenizerTrainJob {
  private TokenizerTrainJob() {}

  /** Reads and cleans the corpus as {@code prepare} does, then trains on it. */
  public static Tokenizer train(SparkSession spark, DataConfig data, TokenizerConfig config) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.setJobGroup("tokenizer", "tokenizer: count words and train", false);
    TextCleaner cleaner = new TextCleaner(data);
    JavaRDD<String> texts = CorpusReader.read(sc, data)
        .filter(r -> !r.isRejected())
        .map(r -> cleaner.clean(r.document().text()));
    Tokenizer t = train(texts, config);
    sc.clearJobGroup();
    return t;
  }

  /** The two halves of a counting trainer: what executors count, and what the driver trains from the counts. */
  interface CountingTrainer extends Serializable {
    List<String> preTokenize(String text);

    Tokenizer train(Map<String, Long> counts);
  }

  static CountingTrainer trainer(TokenizerConfig config) {
    switch (config.model()) {
      case WORDPIECE -> {
        WordPieceTrainer.Options d = WordPieceTrainer.Options.bert(config.vocabSize());
        WordPieceTrainer t = new WordPieceTrainer(new WordPieceTrainer.Options(config.vocabSize(),
            config.minFrequency(), specialTokens(config, d.specialTokens()), normalization(config),
            d.continuingSubwordPrefix()));
        return new CountingTrainer() {
          public List<String> preTokenize(String text) {
            return t.preTokenize(text);
          }

          public Tokenizer train(Map<String, Long> counts) {
            return t.train(counts);
          }
        };
      }
      case BPE -> {
        BpeTrainer.Options d = BpeTrainer.Options.gpt2(config.vocabSize());
        BpeTrainer t = new BpeTrainer(new BpeTrainer.Options(config.vocabSize(), config.minFrequency(),
            specialTokens(config, d.specialTokens()), d.addPrefixSpace(), normalization(config)));
        return new CountingTrainer() {
          public List<String> preTokenize(String text) {
            return t.preTokenize(text);
          }

          public Tokenizer train(Map<String, Long> counts) {
            return t.train(counts);
          }
        };
      }
      default -> throw new ConfigException("tokenizer.model: '" + config.model()
          + "' is not trained from word counts alone");
    }
  }

  /**
   * T5's Unigram setup ({@code <pad> </s> <unk>}, 100 sentinels at the end, cased NFKC) at the configured size,
   * with the configured special tokens (they keep {@code </s>}: the config requires it) and normalization.
   */
  public static UnigramTrainer unigram(TokenizerConfig config) {
    UnigramTrainer.Options d = UnigramTrainer.Options.t5(config.vocabSize());
    return new UnigramTrainer(new UnigramTrainer.Options(d.vocabSize(), specialTokens(config, d.specialTokens()),
        d.unkToken(), d.maxPieceLength(), d.seedSize(), d.shrinkingFactor(), d.subIterations(),
        d.characterCoverage(), d.appendEos(), d.eosToken(), normalization(config)));
  }

  private static List<String> specialTokens(TokenizerConfig config, List<String> familyDefault) {
    return config.specialTokens() == null ? familyDefault : config.specialTokens();
  }

  /** The configured form and case (the config has resolved the family's defaults). */
  static Normalization normalization(TokenizerConfig config) {
    UnicodeNormalizer.Form form = switch (config.normalization()) {
      case NFC -> UnicodeNormalizer.Form.NFC;
      case NFKC -> UnicodeNormalizer.Form.NFKC;
      case NONE -> null;
    };
    return new Normalization(form, config.lowercase());
  }

  public static Tokenizer train(JavaRDD<String> texts, TokenizerConfig config) {
    if (config.model() == TokenizerConfig.Model.UNIGRAM) {
      return DistributedUnigramTrainer.train(texts, unigram(config), config.minFrequency());
    }
    CountingTrainer trainer = trainer(config);
    long minFrequency = config.minFrequency();
    Map<String, Long> counts = new HashMap<>(texts
        .flatMap(t -> trainer.preTokenize(t).iterator())
        .mapToPair(w -> new Tuple2<>(w, 1L))
        .reduceByKey(Long::sum)
        .filter(wc -> wc._2() >= minFrequency)
        .collectAsMap());
    return trainer.train(counts);
  }
}
