package dev.sparkpretrain.jobs.prepare;

import dev.sparkpretrain.config.BertObjectiveConfig;
import dev.sparkpretrain.config.ConfigException;
import dev.sparkpretrain.config.GptObjectiveConfig;
import dev.sparkpretrain.config.ObjectiveConfig;
import dev.sparkpretrain.config.T5ObjectiveConfig;
import dev.sparkpretrain.objective.BertVocab;
import dev.sparkpretrain.tokenization.Tokenizer;
import java.io.Serializable;

/** The special-token ids an objective needs, looked up once (before any Spark work) with clear errors. */
record SpecialIds(BertVocab bert, int endOfText, int eos) implements Serializable {
  static SpecialIds of(ObjectiveConfig objective, Tokenizer tokenizer) {
    if (objective instanceof BertObjectiveConfig) {
      int pad = require(tokenizer, "[PAD]");
      int cls = require(tokenizer, "[CLS]");
      int sep = require(tokenizer, "[SEP]");
      int mask = require(tokenizer, "[MASK]");
      int unk = require(tokenizer, "[UNK]");
      // Random replacements never draw a special token: those sit at the start of BERT vocabularies.
      int firstRandom = Math.max(Math.max(Math.max(pad, cls), Math.max(sep, mask)), unk) + 1;
      return new SpecialIds(new BertVocab(pad, cls, sep, mask, tokenizer.vocabSize(), firstRandom), -1, -1);
    }
    if (objective instanceof GptObjectiveConfig g) {
      return new SpecialIds(null, require(tokenizer, g.endOfText()), -1);
    }
    T5ObjectiveConfig t = (T5ObjectiveConfig) objective;
    int eos = require(tokenizer, t.eosToken());
    int sentinel = tokenizer.tokenToId("<extra_id_0>");
    if (sentinel != tokenizer.vocabSize() - 1) {
      throw new ConfigException("tokenizer: T5 span corruption needs the sentinels at the end of the "
          + "vocabulary (<extra_id_0> = vocab_size - 1 = " + (tokenizer.vocabSize() - 1) + "), got id " + sentinel);
    }
    return new SpecialIds(null, -1, eos);
  }

  private static int require(Tokenizer tokenizer, String token) {
    int id = tokenizer.tokenToId(token);
    if (id < 0) {
      throw new ConfigException("tokenizer: the objective needs the special token " + token
          + ", which the vocabulary lacks");
    }
    return id;
  }
}
