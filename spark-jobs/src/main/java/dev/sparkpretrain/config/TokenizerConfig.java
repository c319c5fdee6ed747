package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * The tokenizer: either an existing file ({@code file}: tokenizer.json, vocab.txt or .model) or one trained
 * on the corpus by a distributed count.
 *
 * @param file an existing tokenizer; when set, nothing is trained
 * @param model the algorithm to train when {@code file} is not set
 * @param vocabSize target vocabulary size including special tokens
 * @param minFrequency words seen fewer times are not counted
 * @param lowercase lowercase (WordPiece: and strip accents, as BERT uncased); null: the family's default
 *     (WordPiece yes, BPE and Unigram no)
 * @param specialTokens the special tokens, in id order from 0; null: the family's (BERT {@code [PAD] [UNK]
 *     [CLS] [SEP] [MASK]}, GPT-2 {@code <|endoftext|>}, T5 {@code <pad> </s> <unk>}; T5's 100 sentinels
 *     {@code <extra_id_N>} are added after the learned pieces either way). A list must keep what the family
 *     needs: {@code [UNK] [CLS] [SEP]} for WordPiece, {@code <unk> </s>} for Unigram
 * @param normalization Unicode normalization before counting; null: the family's (WordPiece and BPE none,
 *     Unigram NFKC)
 */
public record TokenizerConfig(
    String file,
    Model model,
    @JsonProperty("vocab_size") Integer vocabSize,
    @JsonProperty("min_frequency") Long minFrequency,
    Boolean lowercase,
    @JsonProperty("special_tokens") List<String> specialTokens,
    Normalization normalization)
    implements Serializable {

  public enum Model {
    @JsonProperty("wordpiece") WORDPIECE,
    @JsonProperty("bpe") BPE,
    @JsonProperty("unigram") UNIGRAM
  }

  /** Unicode normalization forms offered for training. */
  public enum Normalization {
    @JsonProperty("nfc") NFC,
    @JsonProperty("nfkc") NFKC,
    @JsonProperty("none") NONE
  }

  /** The tokens each family cannot do without: its unknown token, BERT's sequence markers, T5's end. */
  private static List<String> requiredSpecialTokens(Model model) {
    return switch (model) {
      case WORDPIECE -> List.of("[UNK]", "[CLS]", "[SEP]");
      case UNIGRAM -> List.of("<unk>", "</s>");
      case BPE -> List.of();
    };
  }

  /** With the family's special tokens and normalization. */
  public TokenizerConfig(String file, Model model, Integer vocabSize, Long minFrequency, Boolean lowercase) {
    this(file, model, vocabSize, minFrequency, lowercase, null, null);
  }

  public TokenizerConfig {
    model = model == null ? Model.WORDPIECE : model;
    vocabSize = vocabSize == null ? 8000 : vocabSize;
    minFrequency = minFrequency == null ? 2L : minFrequency;
    if (lowercase == null) {
      lowercase = model == Model.WORDPIECE;
    }
    if (normalization == null) {
      normalization = model == Model.UNIGRAM ? Normalization.NFKC : Normalization.NONE;
    }
    // 5 special tokens + at least a few hundred characters/pieces; 1M keeps the embedding sane.
    ConfigException.require(vocabSize >= 100 && vocabSize <= 1_000_000, "tokenizer.vocab_size",
        "an integer in [100, 1000000]", vocabSize);
    ConfigException.require(minFrequency >= 1, "tokenizer.min_frequency", ">= 1", minFrequency);
    if (specialTokens != null) {
      specialTokens = List.copyOf(specialTokens);
      ConfigException.require(!specialTokens.isEmpty() && specialTokens.stream().noneMatch(String::isBlank)
          && new HashSet<>(specialTokens).size() == specialTokens.size(), "tokenizer.special_tokens",
          "a non-empty list of distinct, non-blank tokens", specialTokens);
      List<String> required = requiredSpecialTokens(model);
      ConfigException.require(specialTokens.containsAll(required), "tokenizer.special_tokens",
          "a list holding " + String.join(" ", required) + " (needed by " + model.name().toLowerCase(Locale.ROOT)
              + ")", specialTokens);
    }
  }

  public static TokenizerConfig defaults() {
    return new TokenizerConfig(null, null, null, null, null, null, null);
  }

  public TokenizerConfig withFile(String path) {
    return new TokenizerConfig(path, model, vocabSize, minFrequency, lowercase, specialTokens, normalization);
  }
}
