package dev.sparkpretrain.tokenization;

import dev.sparkpretrain.tokenization.decode.Decoder;
import dev.sparkpretrain.tokenization.io.Gpt2Files;
import dev.sparkpretrain.tokenization.io.SentencePieceModelReader;
import dev.sparkpretrain.tokenization.io.TokenizerJson;
import dev.sparkpretrain.tokenization.io.VocabTxt;
import dev.sparkpretrain.tokenization.model.TokenBuffer;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.normalize.Normalizer;
import dev.sparkpretrain.tokenization.pretokenize.PreTokenizer;
import dev.sparkpretrain.tokenization.process.PostProcessor;
import dev.sparkpretrain.tokenization.process.TemplateProcessing;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A complete tokenizer: added tokens, normalizer, pre-tokenizer, model, post-processor and decoder, run as
 * HF tokenizers runs them, so ids match HF's {@code encode(text)} for the same {@code tokenizer.json}.
 *
 * <pre>{@code
 * Tokenizer bert = Tokenizer.load(Path.of("bert-base-uncased.tokenizer.json"));
 * Encoding e = bert.encode("Hello, world!");        // [CLS] hello , world ! [SEP]
 * String text = bert.decode(e.ids(), true);         // "hello, world!"
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link Serializable} so Spark can ship it to executors.
 */
public final class Tokenizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Normalizer normalizer;
  private final PreTokenizer preTokenizer;
  private final TokenModel model;
  private final PostProcessor postProcessor;
  private final Decoder decoder;
  private final List<AddedToken> addedTokens;
  private final AddedVocabulary matchedOnOriginal;
  private final AddedVocabulary matchedOnNormalized;
  private final java.util.Map<String, AddedToken> addedByContent = new java.util.HashMap<>();
  private final java.util.Map<Integer, AddedToken> addedById = new java.util.HashMap<>();
  /** Whether the post-processor, without special tokens, leaves a single sequence's ids as they are. */
  private final boolean processorKeepsIds;

  /**
   * @param normalizer may be null (none)
   * @param preTokenizer may be null (the whole normalized text is one word)
   * @param model required
   * @param postProcessor may be null (sequences concatenated, no special tokens)
   * @param decoder may be null (tokens joined by spaces, as HF does)
   * @param addedTokens tokens matched before the model, in HF's {@code added_tokens} order
   */
  public Tokenizer(Normalizer normalizer, PreTokenizer preTokenizer, TokenModel model,
                   PostProcessor postProcessor, Decoder decoder, List<AddedToken> addedTokens) {
    this.normalizer = normalizer;
    this.preTokenizer = preTokenizer;
    this.model = Objects.requireNonNull(model, "model");
    this.postProcessor = postProcessor;
    this.decoder = decoder;
    this.addedTokens = List.copyOf(addedTokens);
    List<AddedToken> raw = new ArrayList<>();
    List<AddedToken> normalized = new ArrayList<>();
    for (AddedToken t : this.addedTokens) {
      (t.normalized() && normalizer != null ? normalized : raw).add(t);
      addedByContent.put(t.content(), t);
      addedById.put(t.id(), t);
    }
    matchedOnOriginal = new AddedVocabulary(raw);
    matchedOnNormalized = new AddedVocabulary(normalized);
    processorKeepsIds = keepsIds(postProcessor);
  }

  /**
   * Without special tokens a post-processor may change only type ids and offsets ({@link PostProcessor}), except
   * a template whose single-sequence form holds {@code $A} other than once.
   */
  private static boolean keepsIds(PostProcessor p) {
    if (p instanceof TemplateProcessing t) {
      return t.single().stream()
          .filter(piece -> piece instanceof TemplateProcessing.SequencePiece s && !s.isB()).count() == 1;
    }
    return true;
  }

  /**
   * Reads a tokenizer by file name: {@code *encoder.json} is GPT-2's encoder.json (with the
   * {@code *vocab.bpe} beside it), other {@code *.json} an HF tokenizer.json, {@code *.txt} a BERT vocab.txt
   * (uncased WordPiece with {@code [CLS] A [SEP]}), {@code *.model} a SentencePiece model.
   */
  public static Tokenizer load(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith("encoder.json")) {
      return Gpt2Files.read(file);
    }
    if (name.endsWith(".json")) {
      return TokenizerJson.read(java.nio.file.Files.readString(file));
    }
    if (name.endsWith(".txt")) {
      return VocabTxt.bertUncased(file);
    }
    if (name.endsWith(".model")) {
      return SentencePieceModelReader.read(file);
    }
    throw new IOException("unknown tokenizer file type (want .json, .txt or .model): " + file);
  }

  /** Parses an HF tokenizer.json; {@link TokenizerFormatException} names the field that is wrong. */
  public static Tokenizer fromJson(String tokenizerJson) {
    return TokenizerJson.read(tokenizerJson);
  }

  /** This tokenizer as an HF tokenizer.json. */
  public String toJson() {
    return TokenizerJson.write(this);
  }

  public Encoding encode(String text) {
    return encode(text, true);
  }

  public Encoding encode(String text, boolean addSpecialTokens) {
    Encoding a = encodeSequence(text, 0);
    return postProcessor == null ? a : postProcessor.process(a, text, null, null, addSpecialTokens);
  }

  /**
   * The ids and word starts of {@code encode(text, false)}, and nothing else: no offsets, no type ids, no
   * post-processor copies. For jobs that tokenize whole corpora and keep only the ids (prepare); the
   * conformance tests check it against {@link #encode(String, boolean)}.
   */
  public TokenIds encodeIds(String text) {
    if (!processorKeepsIds) {
      Encoding e = encode(text, false);
      return new TokenIds(e.ids(), e.wordStarts());
    }
    Words words = tokenizeWords(text);
    return new TokenIds(words.tokens.ids(), words.wordStarts());
  }

  /** A pair such as BERT's {@code [CLS] A [SEP] B [SEP]}, B with type id 1. */
  public Encoding encodePair(String a, String b, boolean addSpecialTokens) {
    Encoding ea = encodeSequence(a, 0);
    Encoding eb = encodeSequence(b, 1);
    return postProcessor == null ? Encoding.concat(ea, eb) : postProcessor.process(ea, a, eb, b, addSpecialTokens);
  }

  public List<Encoding> encodeBatch(List<String> texts, boolean addSpecialTokens) {
    List<Encoding> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(encode(t, addSpecialTokens));
    }
    return out;
  }

  /**
   * Text of {@code ids}: unknown ids are skipped, special added tokens too when asked, then the decoder
   * runs (or tokens are joined with spaces when there is none), as HF does.
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      AddedToken added = addedById.get(id);
      String token = added != null ? added.content() : model.vocabulary().token(id);
      if (token == null || (skipSpecialTokens && added != null && added.special())) {
        continue;
      }
      tokens.add(token);
    }
    return decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
  }

  /** Model vocabulary plus added tokens that are not in it (HF's size with added tokens). */
  public int vocabSize() {
    int n = model.vocabulary().size();
    for (AddedToken t : addedTokens) {
      if (model.vocabulary().id(t.content()) < 0) {
        n++;
      }
    }
    return n;
  }

  /** Id of {@code token} (added tokens first, then the model), or -1. */
  public int tokenToId(String token) {
    AddedToken t = addedByContent.get(token);
    return t != null ? t.id() : model.vocabulary().id(token);
  }

  /** Token of {@code id}, or null. */
  public String idToToken(int id) {
    AddedToken t = addedById.get(id);
    return t != null ? t.content() : model.vocabulary().token(id);
  }

  /** The words a trainer counts: normalizer and pre-tokenizer only, no added-token matching (as HF). */
  public List<String> preTokenize(String text) {
    return PreTokenizedString.words(text, normalizer, preTokenizer);
  }

  public Normalizer normalizer() {
    return normalizer;
  }

  public PreTokenizer preTokenizer() {
    return preTokenizer;
  }

  public TokenModel model() {
    return model;
  }

  public PostProcessor postProcessor() {
    return postProcessor;
  }

  public Decoder decoder() {
    return decoder;
  }

  public List<AddedToken> addedTokens() {
    return addedTokens;
  }

  /** One sequence through added tokens, normalizer, pre-tokenizer and model; no special tokens yet. */
  private Encoding encodeSequence(String text, int typeId) {
    Words words = tokenizeWords(text);
    NormalizedString normalized = words.normalized;
    TokenBuffer tokens = words.tokens;
    int n = tokens.size();
    int[] ids = tokens.ids();
    int[] types = new int[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; i++) {
      types[i] = typeId;
      int ts = tokens.start(i);
      int te = tokens.end(i);
      if (te > ts) {
        starts[i] = normalized.originalStart(ts);
        ends[i] = normalized.originalEnd(te - 1);
      } else if (ts < normalized.length()) {
        starts[i] = normalized.originalStart(ts);
        ends[i] = starts[i];
      }
    }
    return new Encoding(ids, types, starts, ends, words.wordStarts(), new boolean[n]);
  }

  /** The tokens of one text, and where each pre-token word's tokens begin. */
  private record Words(NormalizedString normalized, TokenBuffer tokens, int[] firstTokenOfSplit) {
    /** Per token, whether it is the first token of its word (a word the model turned into no token has none). */
    boolean[] wordStarts() {
      boolean[] wordStarts = new boolean[tokens.size()];
      for (int s = 0; s + 1 < firstTokenOfSplit.length; s++) {
        if (firstTokenOfSplit[s] < firstTokenOfSplit[s + 1]) {
          wordStarts[firstTokenOfSplit[s]] = true;
        }
      }
      return wordStarts;
    }
  }

  private Words tokenizeWords(String text) {
    PreTokenizedString words = split(text);
    if (preTokenizer != null) {
      preTokenizer.preTokenize(words);
    }
    NormalizedString normalized = words.text();
    TokenBuffer tokens = new TokenBuffer(normalized.length() / 3 + 8);
    int splits = words.size();
    int[] firstTokenOfSplit = new int[splits + 1];
    for (int s = 0; s < splits; s++) {
      firstTokenOfSplit[s] = tokens.size();
      int id = words.tokenId(s);
      if (id != PreTokenizedString.NO_TOKEN) {
        tokens.add(id, words.start(s), words.end(s));
      } else {
        model.tokenize(normalized, words.start(s), words.end(s), tokens);
      }
    }
    firstTokenOfSplit[splits] = tokens.size();
    return new Words(normalized, tokens, firstTokenOfSplit);
  }

  /** Added tokens on the original text, normalization of the rest, added tokens on the normalized text. */
  private PreTokenizedString split(String text) {
    if (matchedOnOriginal.isEmpty() && matchedOnNormalized.isEmpty()) {
      return PreTokenizedString.whole(normalize(text, 0, text.length()));
    }
    if (!matchedOnOriginal.occursIn(text, 0, text.length())) {
      // Most texts hold no added token: their normalized text is the buffer as it is, not copied into another.
      NormalizedString normalized = normalize(text, 0, text.length());
      if (matchedOnNormalized.isEmpty()) {
        return PreTokenizedString.whole(normalized);
      }
      PreTokenizedString p = new PreTokenizedString(normalized);
      matchedOnNormalized.split(normalized, 0, normalized.length(),
          (s, e, t) -> p.add(s, e, t == null ? PreTokenizedString.NO_TOKEN : t.id()));
      return p;
    }
    NormalizedString buffer = new NormalizedString(text.length() + 16);
    List<int[]> splits = new ArrayList<>();
    matchedOnOriginal.split(text, 0, text.length(), (start, end, token) -> {
      if (token != null) {
        int at = buffer.length();
        buffer.append(NormalizedString.of(text, start, end), 0, end - start);
        splits.add(new int[] {at, buffer.length(), token.id()});
        return;
      }
      NormalizedString piece = normalize(text, start, end);
      int offset = buffer.length();
      buffer.append(piece, 0, piece.length());
      matchedOnNormalized.split(piece, 0, piece.length(), (s, e, t) ->
          splits.add(new int[] {offset + s, offset + e, t == null ? PreTokenizedString.NO_TOKEN : t.id()}));
    });
    PreTokenizedString p = new PreTokenizedString(buffer);
    for (int[] s : splits) {
      p.add(s[0], s[1], s[2]);
    }
    return p;
  }

  private NormalizedString normalize(String text, int from, int to) {
    return normalizer == null ? NormalizedString.of(text, from, to) : normalizer.normalize(text, from, to);
  }
}
