package dev.sparkpretrain.jobs.tokenizer;

import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.model.unigram.PieceModel;
import dev.sparkpretrain.tokenization.model.unigram.UnigramTrainer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Unigram training with Spark doing every pass over the words, and the driver only ever holding pieces:
 *
 * <ol>
 *   <li>word counts by {@code reduceByKey}, kept on the executors as a persisted (word, count) RDD;
 *   <li>seed substring counts by {@code reduceByKey}; only the character counts (for the alphabet) and the
 *       top {@code seedSize} candidates ({@code takeOrdered}) reach the driver;
 *   <li>each EM round's E-step and each pruning's Viterbi counts aggregated over the pairs (an accumulator
 *       per partition, {@code treeReduce}),
 *       with the current {@link PieceModel} broadcast; M-step and pruning run on the driver
 *       ({@link UnigramTrainer#train(PieceModel, UnigramTrainer.WordPasses)}).
 * </ol>
 *
 * <p>The result is identical to {@link UnigramTrainer#train(Map)} on the same counts: the seed set is the
 * same (one total order, {@link UnigramTrainer#compareSeeds}) and the E-step sums are exact, hence
 * independent of partitioning. Expected driver memory: the character counts, the seeds (≤ {@code seedSize}
 * strings, 1M by default) and two {@code long} arrays per piece during an aggregation.
 *
 * <pre>{@code
 * Tokenizer t5 = DistributedUnigramTrainer.train(texts, new UnigramTrainer(UnigramTrainer.Options.t5(32_000)), 2);
 * }</pre>
 */
public final class DistributedUnigramTrainer {
  private DistributedUnigramTrainer() {}

  /** Trains on the words of {@code texts} seen at least {@code minFrequency} times. */
  public static Tokenizer train(JavaRDD<String> texts, UnigramTrainer trainer, long minFrequency) {
    JavaPairRDD<String, Long> words = texts
        .flatMap(t -> trainer.preTokenize(t).iterator())
        .mapToPair(w -> new Tuple2<>(w, 1L))
        .reduceByKey(Long::sum)
        .filter(wc -> wc._2() >= minFrequency)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      PieceModel seed = seed(words, trainer);
      return trainer.train(seed, new SparkWordPasses(JavaSparkContext.fromSparkContext(texts.context()), words));
    } finally {
      words.unpersist(false);
    }
  }

  /** The seed model, as {@link UnigramTrainer#seedModel} over all substrings would give it. */
  static PieceModel seed(JavaPairRDD<String, Long> words, UnigramTrainer trainer) {
    UnigramTrainer.Options options = trainer.options();
    int maxPieceLength = options.maxPieceLength();
    JavaPairRDD<String, Long> substrings = words
        .flatMapToPair(wc -> {
          List<Tuple2<String, Long>> out = new ArrayList<>();
          UnigramTrainer.seedSubstrings(wc._1(), wc._2(), maxPieceLength, (s, n) -> out.add(new Tuple2<>(s, n)));
          return out.iterator();
        })
        .reduceByKey(Long::sum)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Map<String, Long> characters = new HashMap<>(substrings
          .filter(sc -> sc._1().codePointCount(0, sc._1().length()) == 1)
          .collectAsMap());
      Set<String> alphabet = new HashSet<>(
          UnigramTrainer.alphabet(characters, options.characterCoverage(), trainer.learnedSize()));
      characters.keySet().retainAll(alphabet);
      // seedModel keeps every character and fills up to seedSize with the best multi-character candidates.
      int wanted = Math.max(0, options.seedSize() - characters.size());
      Map<String, Long> seeds = new HashMap<>(characters);
      if (wanted > 0) {
        for (Tuple2<String, Long> s : substrings
            .filter(sc -> UnigramTrainer.isSeedCandidate(sc._1(), sc._2())
                && UnigramTrainer.inAlphabet(sc._1(), alphabet))
            .takeOrdered(wanted, new SeedOrder())) {
          seeds.put(s._1(), s._2());
        }
      }
      return UnigramTrainer.seedModel(seeds, options.seedSize());
    } finally {
      substrings.unpersist(false);
    }
  }

  /** {@link UnigramTrainer#compareSeeds} for Spark's {@code takeOrdered}, which ships the comparator. */
  static final class SeedOrder implements Comparator<Tuple2<String, Long>>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Tuple2<String, Long> a, Tuple2<String, Long> b) {
      return UnigramTrainer.compareSeeds(a._1(), a._2(), b._1(), b._2());
    }
  }

  /**
   * E-step and Viterbi passes over the persisted (word, count) pairs: one accumulator per partition, built on the
   * executor (a {@code treeAggregate} zero value would ship two arrays of the model's size inside every task),
   * then merged by {@code treeReduce}.
   */
  private record SparkWordPasses(JavaSparkContext sc, JavaPairRDD<String, Long> words)
      implements UnigramTrainer.WordPasses {
    @Override
    public UnigramTrainer.EStep eStep(PieceModel model) {
      Broadcast<PieceModel> b = sc.broadcast(model);
      int size = model.size();
      try {
        return words.mapPartitions(it -> {
          PieceModel m = b.value();
          UnigramTrainer.EStep acc = new UnigramTrainer.EStep(size);
          it.forEachRemaining(wc -> acc.add(m, wc._1(), wc._2()));
          return List.of(acc).iterator();
        }).treeReduce(UnigramTrainer.EStep::merge);
      } finally {
        b.destroy();
      }
    }

    @Override
    public UnigramTrainer.ViterbiCounts viterbi(PieceModel model) {
      Broadcast<PieceModel> b = sc.broadcast(model);
      int size = model.size();
      try {
        return words.mapPartitions(it -> {
          PieceModel m = b.value();
          UnigramTrainer.ViterbiCounts acc = new UnigramTrainer.ViterbiCounts(size);
          it.forEachRemaining(wc -> acc.add(m, wc._1(), wc._2()));
          return List.of(acc).iterator();
        }).treeReduce(UnigramTrainer.ViterbiCounts::merge);
      } finally {
        b.destroy();
      }
    }
  }
}
