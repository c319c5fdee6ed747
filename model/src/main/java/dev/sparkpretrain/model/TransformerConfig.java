package dev.sparkpretrain.model;

import dev.sparkpretrain.model.ops.Activation;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Architecture hyper-parameters of a Transformer language model (BERT, GPT-2 or T5), validated on construction.
 *
 * <p>Example: {@code TransformerConfig.preset("bert-tiny").withVocabSize(8000)}.
 *
 * @param family             which model family the config describes
 * @param vocabSize          rows of the (shared) token embedding table
 * @param hiddenSize         model width d_model
 * @param numLayers          encoder layers (BERT, T5) or decoder layers (GPT)
 * @param numHeads           attention heads per layer
 * @param intermediateSize   width of the feed-forward layer (d_ff)
 * @param maxPositions       rows of the learned position table (BERT, GPT); for T5 the longest sequence expected
 * @param typeVocabSize      token-type (segment) rows; 2 for BERT, 0 for GPT and T5
 * @param hiddenDropout      dropout on embeddings and on each residual branch
 * @param attentionDropout   dropout on the attention probabilities
 * @param layerNormEps       epsilon inside layer norm / RMS norm
 * @param initializerRange   standard deviation of the normal initialisation of weights
 * @param headSize           width of one attention head (d_kv); {@code hiddenSize / numHeads} except in some T5s
 * @param numDecoderLayers   T5 decoder layers (0 for BERT and GPT)
 * @param relativeBuckets    T5 relative-position buckets (0 unless T5)
 * @param relativeMaxDistance T5 distance beyond which all offsets share one bucket
 * @param activation         feed-forward non-linearity: exact GELU (BERT), tanh GELU (GPT-2), ReLU (T5 v1.0)
 * @param tieWordEmbeddings  whether the output projection reuses the token embeddings (T5 v1.1: false)
 * @param positionEncoding   how positions enter: a learned table (BERT, GPT-2), the fixed sinusoids of "Attention Is
 *                           All You Need" (BERT or GPT, no parameters), or T5's relative position bias (T5 only)
 * @param feedForward        {@code act(x W1) W2} (BERT, GPT-2, T5 v1.0) or the gated {@code (act(x W1) * x W1linear) W2}
 *                           of T5 v1.1 (Shazeer 2020, "GLU Variants Improve Transformer")
 */
public record TransformerConfig(Family family, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                                int intermediateSize, int maxPositions, int typeVocabSize, double hiddenDropout,
                                double attentionDropout, double layerNormEps, double initializerRange,
                                int headSize, int numDecoderLayers, int relativeBuckets, int relativeMaxDistance,
                                Activation activation, boolean tieWordEmbeddings, PositionEncoding positionEncoding,
                                FeedForward feedForward) implements Serializable {

    /** The three model families. */
    public enum Family { BERT, GPT, T5 }

    /** Where position information comes from. */
    public enum PositionEncoding {
        /** A trained {@code [maxPositions, hiddenSize]} table added to the token embeddings (BERT, GPT-2). */
        LEARNED,
        /** {@code PE(pos, 2i) = sin(pos / 10000^(2i/d))}, {@code PE(pos, 2i+1) = cos(...)}, added, not trained. */
        SINUSOIDAL,
        /** T5's bucketed relative position bias on the attention scores (the only choice for T5). */
        RELATIVE
    }

    /** The feed-forward sublayer's form. */
    public enum FeedForward {
        /** One hidden layer: {@code act(x W1 + b1) W2 + b2}. */
        DENSE,
        /** The gated form of T5 v1.1 ({@code wi_0}, {@code wi_1}, {@code wo}): {@code (act(x W1) * (x W1linear)) W2}. */
        GATED
    }

    /**
     * The configuration with each family's own position encoding (learned for BERT and GPT, relative for T5) and the
     * dense feed-forward layer: BERT, GPT-2 and T5 v1.0 as published.
     */
    public TransformerConfig(Family family, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                             int intermediateSize, int maxPositions, int typeVocabSize, double hiddenDropout,
                             double attentionDropout, double layerNormEps, double initializerRange, int headSize,
                             int numDecoderLayers, int relativeBuckets, int relativeMaxDistance, Activation activation,
                             boolean tieWordEmbeddings) {
        this(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize,
                hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize, numDecoderLayers,
                relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings,
                family == Family.T5 ? PositionEncoding.RELATIVE : PositionEncoding.LEARNED, FeedForward.DENSE);
    }

    public TransformerConfig {
        if (family == null) throw new IllegalArgumentException("family must not be null");
        if (activation == null) throw new IllegalArgumentException("activation must not be null");
        if (positionEncoding == null) throw new IllegalArgumentException("positionEncoding must not be null");
        if (feedForward == null) throw new IllegalArgumentException("feedForward must not be null");
        positive("vocabSize", vocabSize);
        positive("hiddenSize", hiddenSize);
        positive("numLayers", numLayers);
        positive("numHeads", numHeads);
        positive("intermediateSize", intermediateSize);
        positive("maxPositions", maxPositions);
        positive("headSize", headSize);
        if (typeVocabSize < 0) throw new IllegalArgumentException("typeVocabSize must be >= 0, got " + typeVocabSize);
        if (family == Family.BERT && typeVocabSize < 1) {
            throw new IllegalArgumentException("typeVocabSize must be >= 1 for BERT, got " + typeVocabSize);
        }
        if (family != Family.T5 && headSize * numHeads != hiddenSize) {
            throw new IllegalArgumentException("headSize * numHeads must equal hiddenSize for " + family + ", got "
                    + headSize + " * " + numHeads + " != " + hiddenSize);
        }
        if (family == Family.T5) {
            positive("numDecoderLayers", numDecoderLayers);
            positive("relativeBuckets", relativeBuckets);
            positive("relativeMaxDistance", relativeMaxDistance);
        } else if (numDecoderLayers != 0) {
            throw new IllegalArgumentException("numDecoderLayers must be 0 for " + family + ", got " + numDecoderLayers);
        }
        probability("hiddenDropout", hiddenDropout);
        probability("attentionDropout", attentionDropout);
        if (!(layerNormEps > 0 && layerNormEps < 1)) {
            throw new IllegalArgumentException("layerNormEps must be in (0, 1), got " + layerNormEps);
        }
        if (!(initializerRange > 0 && initializerRange < 10)) {
            throw new IllegalArgumentException("initializerRange must be in (0, 10), got " + initializerRange);
        }
        if (family != Family.T5 && !tieWordEmbeddings) {
            throw new IllegalArgumentException("tieWordEmbeddings must be true for " + family);
        }
        if ((family == Family.T5) != (positionEncoding == PositionEncoding.RELATIVE)) {
            throw new IllegalArgumentException("positionEncoding must be " + (family == Family.T5
                    ? "relative for T5" : "learned or sinusoidal for " + family) + ", got " + positionEncoding);
        }
        if (positionEncoding == PositionEncoding.SINUSOIDAL && hiddenSize % 2 != 0) {
            throw new IllegalArgumentException("hiddenSize must be even for sinusoidal positions, got " + hiddenSize);
        }
    }

    /** Rows of the learned position table: {@code maxPositions} for LEARNED, else 0. */
    public int learnedPositions() {
        return positionEncoding == PositionEncoding.LEARNED ? maxPositions : 0;
    }

    /** Positions of the fixed sinusoidal encoding: {@code maxPositions} for SINUSOIDAL, else 0. */
    public int sinusoidalPositions() {
        return positionEncoding == PositionEncoding.SINUSOIDAL ? maxPositions : 0;
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }

    private static void probability(String field, double value) {
        if (!(value >= 0 && value < 1)) throw new IllegalArgumentException(field + " must be in [0, 1), got " + value);
    }

    /** A BERT configuration as google-research/bert's {@code bert_config.json}: vocab 30522, 512 positions, 2 types. */
    public static TransformerConfig bert(int layers, int hidden, int heads) {
        return new TransformerConfig(Family.BERT, 30522, hidden, layers, heads, 4 * hidden, 512, 2, 0.1, 0.1,
                1e-12, 0.02, hidden / heads, 0, 0, 0, Activation.GELU, true);
    }

    /** A GPT-2 configuration: vocab 50257, 1024 positions, tanh-GELU, eps 1e-5. */
    public static TransformerConfig gpt(int layers, int hidden, int heads) {
        return new TransformerConfig(Family.GPT, 50257, hidden, layers, heads, 4 * hidden, 1024, 0, 0.1, 0.1,
                1e-5, 0.02, hidden / heads, 0, 0, 0, Activation.GELU_TANH, true);
    }

    /** A T5 v1.0 configuration: vocab 32128, 32 buckets up to distance 128, ReLU, tied embeddings, eps 1e-6. */
    public static TransformerConfig t5(int layers, int hidden, int heads, int headSize, int ff) {
        return new TransformerConfig(Family.T5, 32128, hidden, layers, heads, ff, 512, 0, 0.1, 0.1,
                1e-6, 1.0, headSize, layers, 32, 128, Activation.RELU, true);  // T5 drops attention weights too
    }

    /**
     * A T5 v1.1 configuration (google-research/text-to-text-transfer-transformer, {@code released_checkpoints.md}, and
     * Hugging Face's {@code google/t5-v1_1-*} configs): as {@link #t5} but gated-GELU feed-forward ({@code gelu_new},
     * the tanh form), LM head untied from the embeddings. Dropout stays 0.1 as in those configs (Google pre-trained
     * v1.1 without dropout: set it to 0 for that).
     */
    public static TransformerConfig t5v11(int layers, int hidden, int heads, int headSize, int ff) {
        return new TransformerConfig(Family.T5, 32128, hidden, layers, heads, ff, 512, 0, 0.1, 0.1,
                1e-6, 1.0, headSize, layers, 32, 128, Activation.GELU_TANH, false, PositionEncoding.RELATIVE,
                FeedForward.GATED);
    }

    private static final Map<String, Supplier<TransformerConfig>> PRESETS = new TreeMap<>();

    static {
        // Google's smaller BERTs (Turc et al. 2019, "Well-Read Students Learn Better"): heads = hidden / 64.
        PRESETS.put("bert-tiny", () -> bert(2, 128, 2));
        PRESETS.put("bert-mini", () -> bert(4, 256, 4));
        PRESETS.put("bert-small", () -> bert(4, 512, 8));
        PRESETS.put("bert-medium", () -> bert(8, 512, 8));
        PRESETS.put("bert-base", () -> bert(12, 768, 12));      // BERT-base uncased: 110,106,428 with heads
        PRESETS.put("bert-large", () -> bert(24, 1024, 16));
        PRESETS.put("gpt2-tiny", () -> gpt(2, 128, 2));
        PRESETS.put("gpt2-mini", () -> gpt(4, 256, 4));
        PRESETS.put("gpt2", () -> gpt(12, 768, 12));            // GPT-2 small: 124,439,808
        PRESETS.put("gpt2-medium", () -> gpt(24, 1024, 16));
        PRESETS.put("t5-tiny", () -> t5(2, 128, 2, 64, 512));
        PRESETS.put("t5-mini", () -> t5(4, 256, 4, 64, 1024));
        PRESETS.put("t5-small", () -> t5(6, 512, 8, 64, 2048));  // T5 v1.0 small: 60,506,624
        PRESETS.put("t5-base", () -> t5(12, 768, 12, 64, 3072));
        PRESETS.put("t5-v1_1-small", () -> t5v11(8, 512, 6, 64, 1024));   // google/t5-v1_1-small: 76,961,152
        PRESETS.put("t5-v1_1-base", () -> t5v11(12, 768, 12, 64, 2048));  // google/t5-v1_1-base: 247,577,856
    }

    /** Names accepted by {@link #preset(String)}, sorted. */
    public static java.util.Set<String> presetNames() {
        return java.util.Collections.unmodifiableSet(PRESETS.keySet());
    }

    /**
     * A named preset: {@code bert-tiny} (2 layers, 128 wide, 2 heads, FFN 512), {@code bert-mini}, {@code bert-small},
     * {@code bert-medium}, {@code bert-base}, {@code bert-large}, {@code gpt2-tiny}, {@code gpt2-mini}, {@code gpt2},
     * {@code gpt2-medium}, {@code t5-tiny}, {@code t5-mini}, {@code t5-small}, {@code t5-base}, {@code t5-v1_1-small},
     * {@code t5-v1_1-base}.
     */
    public static TransformerConfig preset(String name) {
        Supplier<TransformerConfig> s = PRESETS.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + PRESETS.keySet());
        }
        return s.get();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
            new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES);

    /**
     * Reads a config written as {@code conf/models/*.yaml}: one {@code field: value} per record component, all
     * required, unknown keys rejected, enums case-insensitive.
     */
    public static TransformerConfig fromYaml(String yaml) {
        try {
            return YAML.readValue(yaml, TransformerConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("invalid model config: " + e.getOriginalMessage(), e);
        }
    }

    /** {@link #fromYaml(String)} of a file. */
    public static TransformerConfig fromYaml(java.nio.file.Path file) throws java.io.IOException {
        return fromYaml(java.nio.file.Files.readString(file));
    }

    public TransformerConfig withVocabSize(int v) {
        return new TransformerConfig(family, v, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions,
                typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings,
                positionEncoding, feedForward);
    }

    public TransformerConfig withMaxPositions(int p) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, p,
                typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings,
                positionEncoding, feedForward);
    }

    public TransformerConfig withDropout(double hidden, double attention) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hidden, attention, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings,
                positionEncoding, feedForward);
    }

    public TransformerConfig withTieWordEmbeddings(boolean tie) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tie, positionEncoding,
                feedForward);
    }

    public TransformerConfig withPositionEncoding(PositionEncoding encoding) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings, encoding,
                feedForward);
    }

    public TransformerConfig withFeedForward(FeedForward form) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings,
                positionEncoding, form);
    }
}
