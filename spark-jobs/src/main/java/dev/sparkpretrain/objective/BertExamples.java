package dev.sparkpretrain.objective;

import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.PairTask;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * BERT examples from one document, as google-research/bert's {@code create_instances_from_document}: sentences
 * are gathered into a chunk up to a target length (shorter with {@code short_seq_prob}), split at a random
 * sentence boundary into A and B; half the time B is replaced by text
 * from a random other document and the unused sentences are put back. The pair is truncated to fit, wrapped in
 * [CLS] A [SEP] B [SEP] and masked by {@link MaskedLm}, or left unmasked for the trainer (dynamic masking).
 *
 * <p>With {@code pair_task: sop} (ALBERT's sentence-order prediction) B always follows A in the document and
 * half the pairs are swapped (label 1); no other document is drawn, so {@code pool} may be null. Unlike ALBERT's
 * script, a one-segment chunk does not fall back to a random B: it is paired as for an actual next below.
 *
 * <p>One deliberate difference: the next-sentence label is a fair coin (see the comment in {@link #create}),
 * so the random share is 50% whatever the paragraph lengths.
 */
public final class BertExamples {
  private BertExamples() {}

  public static List<BertExample> create(TokenizedDocument doc, int dupe, RandomNextPool pool,
      BertObjectiveConfig config, BertVocab vocab, SplittableRandom rng) {
    boolean sop = config.pairTask() == PairTask.SOP;
    List<BertExample> out = new ArrayList<>();
    List<int[]> sentences = doc.sentences();
    List<boolean[]> starts = doc.wordStarts();
    int maxNumTokens = config.maxSeqLength() - 3; // [CLS], [SEP], [SEP]
    // Mostly fill the sequence; sometimes (short_seq_prob) use a shorter one so that the model also sees the
    // short sequences it will be fine-tuned on.
    int targetSeqLength = maxNumTokens;
    if (rng.nextDouble() < config.shortSeqProb()) {
      targetSeqLength = 2 + rng.nextInt(maxNumTokens - 1); // randint(2, max_num_tokens)
    }
    List<Integer> chunk = new ArrayList<>();
    int currentLength = 0;
    int i = 0;
    int ordinal = 0;
    while (i < sentences.size()) {
      chunk.add(i);
      currentLength += sentences.get(i).length;
      if (i == sentences.size() - 1 || currentLength >= targetSeqLength) {
        if (!chunk.isEmpty()) {
          // The label is a fair coin. google-research/bert forces a random B whenever the chunk has one segment,
          // which pushes the random share well above one half on corpora of short paragraphs; here an actual
          // next is still made: from the document's next sentence, or else by cutting the one sentence in two.
          boolean randomNext = !sop && rng.nextDouble() < 0.5;
          boolean splitSentence = false;
          if (!randomNext && chunk.size() == 1) {
            if (i + 1 < sentences.size()) {
              chunk.add(++i);
            } else if (sentences.get(chunk.get(0)).length >= 2) {
              splitSentence = true;
            } else {
              // A one-token document: nothing to pair it with. NSP takes a random B; SOP leaves B empty, so no
              // example is made.
              randomNext = !sop;
            }
          }
          int aEnd = 1;
          if (chunk.size() >= 2) {
            aEnd = 1 + rng.nextInt(chunk.size() - 1); // randint(1, len(chunk) - 1)
          }
          Segment a = new Segment();
          Segment b = new Segment();
          int label;
          if (splitSentence) {
            label = 0;
            int[] only = sentences.get(chunk.get(0));
            boolean[] onlyStarts = starts.get(chunk.get(0));
            int cut = 1 + rng.nextInt(only.length - 1);
            a.add(only, onlyStarts, 0, cut);
            b.add(only, onlyStarts, cut, only.length);
          } else {
            for (int j = 0; j < aEnd; j++) {
              a.add(sentences.get(chunk.get(j)), starts.get(chunk.get(j)));
            }
            if (randomNext) {
              label = 1;
              int targetBLength = targetSeqLength - a.size();
              TokenizedDocument random = pool.draw(doc.key(), rng);
              int randomStart = rng.nextInt(random.sentences().size());
              for (int j = randomStart; j < random.sentences().size(); j++) {
                b.add(random.sentences().get(j), random.wordStarts().get(j));
                if (b.size() >= targetBLength) {
                  break;
                }
              }
              // The sentences after A were not used: put them back for the next chunk.
              i -= chunk.size() - aEnd;
            } else {
              label = 0;
              for (int j = aEnd; j < chunk.size(); j++) {
                b.add(sentences.get(chunk.get(j)), starts.get(chunk.get(j)));
              }
            }
          }
          if (sop && rng.nextDouble() < 0.5) {
            // ALBERT: the same two consecutive segments in swapped order (before truncation, as there).
            Segment first = a;
            a = b;
            b = first;
            label = 1;
          }
          truncatePair(a, b, maxNumTokens, rng);
          if (a.size() >= 1 && b.size() >= 1) {
            out.add(assemble(doc.key(), dupe, ordinal++, a, b, label, config, vocab, rng));
          }
        }
        chunk.clear();
        currentLength = 0;
      }
      i++;
    }
    return out;
  }

  /** Trims the longer segment, from the front or the back at random, until the pair fits (as the reference). */
  static void truncatePair(Segment a, Segment b, int maxNumTokens, SplittableRandom rng) {
    while (a.size() + b.size() > maxNumTokens) {
      boolean truncA = a.size() > b.size();
      Segment t = truncA ? a : b;
      // Random front/back truncation adds noise instead of always cutting the same end.
      if (rng.nextDouble() < 0.5) {
        t.removeFirst();
      } else {
        t.removeLast();
      }
    }
  }

  private static BertExample assemble(long key, int dupe, int ordinal, Segment a, Segment b, int label,
      BertObjectiveConfig config, BertVocab vocab, SplittableRandom rng) {
    int n = a.size() + b.size() + 3;
    int[] tokens = new int[n];
    int[] segments = new int[n];
    boolean[] wordStart = new boolean[n];
    int p = 0;
    tokens[p++] = vocab.cls();
    for (int j = 0; j < a.size(); j++, p++) {
      tokens[p] = a.id(j);
      wordStart[p] = a.wordStart(j);
    }
    tokens[p++] = vocab.sep();
    for (int j = 0; j < b.size(); j++, p++) {
      tokens[p] = b.id(j);
      wordStart[p] = b.wordStart(j);
      segments[p] = 1;
    }
    tokens[p] = vocab.sep();
    segments[p] = 1;
    long exampleId = dev.sparkpretrain.corpus.ContentHash.mix(key, ((long) dupe << 32) | ordinal);
    BertExample unmasked = new BertExample(exampleId, tokens, segments, new int[0], new int[0], label, wordStart);
    // Dynamic masking leaves the masks to the trainer, which draws new ones every epoch.
    return config.masking() == BertObjectiveConfig.Masking.DYNAMIC ? unmasked
        : MaskedLm.mask(unmasked, MaskedLm.Rule.of(config, vocab), rng);
  }
}
