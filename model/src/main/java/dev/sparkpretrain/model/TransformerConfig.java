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
 */
public record TransformerConfig(Family family, int vocabSize, int hiddenSize, int numLayers, int numHeads,
                                int intermediateSize, int maxPositions, int typeVocabSize, double hiddenDropout,
                                double attentionDropout, double layerNormEps, double initializerRange,
                                int headSize, int numDecoderLayers, int relativeBuckets, int relativeMaxDistance,
                                Activation activation, boolean tieWordEmbeddings) implements Serializable {

    /** The three model families. */
    public enum Family { BERT, GPT, T5 }

    public TransformerConfig {
        if (family == null) throw new IllegalArgumentException("family must not be null");
        if (activation == null) throw new IllegalArgumentException("activation must not be null");
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
    }

    /** Names accepted by {@link #preset(String)}, sorted. */
    public static java.util.Set<String> presetNames() {
        return java.util.Collections.unmodifiableSet(PRESETS.keySet());
    }

    /**
     * A named preset: {@code bert-tiny} (2 layers, 128 wide, 2 heads, FFN 512), {@code bert-mini}, {@code bert-small},
     * {@code bert-medium}, {@code bert-base}, {@code bert-large}, {@code gpt2-tiny}, {@code gpt2-mini}, {@code gpt2},
     * {@code gpt2-medium}, {@code t5-tiny}, {@code t5-mini}, {@code t5-small}, {@code t5-base}.
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
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings);
    }

    public TransformerConfig withMaxPositions(int p) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, p,
                typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings);
    }

    public TransformerConfig withDropout(double hidden, double attention) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hidden, attention, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tieWordEmbeddings);
    }

    public TransformerConfig withTieWordEmbeddings(boolean tie) {
        return new TransformerConfig(family, vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositions, typeVocabSize, hiddenDropout, attentionDropout, layerNormEps, initializerRange, headSize,
                numDecoderLayers, relativeBuckets, relativeMaxDistance, activation, tie);
    }
}
