package dev.sparkpretrain.jobs.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparkpretrain.LocalSpark;
import dev.sparkpretrain.config.NearDedupConfig;
import dev.sparkpretrain.config.PretrainConfig;
import dev.sparkpretrain.corpus.ContentHash;
import dev.sparkpretrain.corpus.Shingles;
import dev.sparkpretrain.jobs.tokenizer.TokenizerTrainJob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Near-duplicate removal on local[2] with real near-duplicates: paragraphs of the bundled novel and edited copies
 * of some of them (a word replaced, re-cased and re-spaced, a phrase appended), among paragraphs that are not
 * near-duplicates of each other.
 */
class NearDuplicatesTest {
  static final int EDITED = 30;
  static final NearDedupConfig CONFIG = new NearDedupConfig(true, 0.8, 5, 64, 4);
  static SparkSession spark;
  @TempDir static Path dir;
  /** Paragraphs of at least 500 characters, pairwise Jaccard similarity (5-gram shingles) below 0.5. */
  static List<String> originals = new ArrayList<>();
  /** An edited copy of each of the first {@link #EDITED} originals, in the same order. */
  static List<String> copies = new ArrayList<>();

  @BeforeAll
  static void setUp() throws IOException {
    spark = LocalSpark.session("NearDuplicatesTest", 3, PrepareJob.SESSION_DEFAULTS);
    String text;
    try (InputStream in = NearDuplicatesTest.class.getResourceAsStream("/dev/sparkpretrain/demo/moby-dick.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<int[]> shingles = new ArrayList<>();
    for (String para : text.split("\n\n")) {
      String p = para.replace('\n', ' ').strip();
      int[] s = Shingles.indices(p, 5);
      if (p.length() >= 500 && shingles.stream().allMatch(o -> jaccard(o, s) < 0.5)) {
        originals.add(p);
        shingles.add(s);
      }
      if (originals.size() == 150) {
        break;
      }
    }
    for (int i = 0; i < EDITED; i++) {
      String o = originals.get(i);
      String copy = switch (i % 3) {
        case 0 -> { // one word in the middle replaced
          int at = o.indexOf(' ', o.length() / 2);
          int end = o.indexOf(' ', at + 1);
          yield o.substring(0, at) + " harpooneer" + o.substring(end);
        }
        case 1 -> o.toUpperCase(Locale.ROOT).replace(" ", "  "); // exact dedup misses it, shingles do not
        default -> o + " So it goes, and so on.";
      };
      assertTrue(jaccard(shingles.get(i), Shingles.indices(copy, 5)) >= 0.9, "a near-duplicate: " + copy);
      copies.add(copy);
    }
    assertEquals(150, originals.size());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static double jaccard(int[] a, int[] b) {
    int common = 0;
    for (int i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] == b[j]) {
        common++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return (double) common / (a.length + b.length - common);
  }

  static JavaPairRDD<Long, CleanedDocument> documents(int partitions) {
    List<Tuple2<Long, CleanedDocument>> docs = new ArrayList<>();
    List<String> all = new ArrayList<>(originals);
    all.addAll(copies);
    for (int i = 0; i < all.size(); i++) {
      long key = ContentHash.of(all.get(i));
      docs.add(new Tuple2<>(key, new CleanedDocument(key, "test", i, all.get(i), false, null)));
    }
    return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelizePairs(docs, partitions);
  }

  static Set<Long> kept(int partitions) {
    NearDuplicates near = NearDuplicates.find(spark, documents(partitions), CONFIG, 7);
    Set<Long> kept = new TreeSet<>(near.kept().keys().collect());
    near.release();
    return kept;
  }

  @Test
  void editedCopiesAreRemovedAndTheSmallerContentHashSurvives() {
    Set<Long> expected = new TreeSet<>();
    for (int i = 0; i < originals.size(); i++) {
      long original = ContentHash.of(originals.get(i));
      expected.add(i < EDITED ? Math.min(original, ContentHash.of(copies.get(i))) : original);
    }
    NearDuplicates near = NearDuplicates.find(spark, documents(4), CONFIG, 7);
    assertEquals(EDITED, near.removed());
    assertEquals(expected, new TreeSet<>(near.kept().keys().collect()));
    near.release();
  }

  @Test
  void sameSurvivorsWhateverThePartitioning() {
    assertEquals(kept(1), kept(7));
  }

  @Test
  void prepareCountsNearDuplicatesAmongTheDuplicates() throws IOException {
    Path corpus = dir.resolve("corpus.txt");
    List<String> lines = new ArrayList<>(originals);
    lines.addAll(copies);
    lines.add(originals.get(EDITED)); // and one exact duplicate
    Files.write(corpus, lines);
    PretrainConfig config = PretrainConfig.parse("""
        seed: 7
        data:
          input: [%s]
          near_dedup: {enabled: true, threshold: 0.8, shingle: 5, num_hash_tables: 64, rows_per_band: 4}
          validation_fraction: 0.1
        tokenizer:
          vocab_size: 800
        objective:
          type: gpt
          max_seq_length: 64
          end_of_text: "[SEP]"
        """.formatted(corpus.toUri()), "test");
    var tokenizer = TokenizerTrainJob.train(spark, config.data(), config.tokenizer());
    JsonNode counts = PrepareJob.run(spark, config, tokenizer, "0".repeat(64), dir.resolve("shards").toUri()
        .toString(), false).get("counts");
    assertEquals(EDITED, counts.get("documents_near_duplicate").asLong());
    assertEquals(EDITED + 1, counts.get("documents_duplicate").asLong(), "near and exact duplicates");
    assertEquals(originals.size(), counts.get("documents_used").asLong());
    assertEquals(counts.get("documents_read").asLong(), counts.get("documents_used").asLong()
        + counts.get("documents_rejected").asLong() + counts.get("documents_duplicate").asLong());
  }
}
