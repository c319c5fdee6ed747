package dev.sparkpretrain.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The whole run: corpus, tokenizer, objective, model and trainer, as loaded from {@code conf/*.yaml}.
 * Unknown keys and out-of-range values are rejected with the key's path, before Spark starts.
 *
 * <pre>{@code
 * PretrainConfig config = PretrainConfig.load(Path.of("conf/bert-tiny.yaml"));
 * }</pre>
 */
public record PretrainConfig(
    Long seed,
    DataConfig data,
    TokenizerConfig tokenizer,
    ObjectiveConfig objective,
    ModelConfig model,
    TrainerConfig trainer)
    implements Serializable {

  public PretrainConfig {
    seed = seed == null ? 12345L : seed;
    data = data == null ? DataConfig.defaults() : data;
    tokenizer = tokenizer == null ? TokenizerConfig.defaults() : tokenizer;
    objective = objective == null ? BertObjectiveConfig.defaults() : objective;
    model = model == null ? ModelConfig.defaults() : model;
    trainer = trainer == null ? TrainerConfig.defaults() : trainer;
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private static final ObjectMapper JSON = new ObjectMapper()
      .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  public static PretrainConfig load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file not found: " + file);
    }
    try {
      return parse(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML; {@code origin} names the source in error messages. */
  public static PretrainConfig parse(String yaml, String origin) {
    try {
      PretrainConfig c = YAML.readValue(yaml, PretrainConfig.class);
      return c == null ? new PretrainConfig(null, null, null, null, null, null) : c;
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(origin + ": unknown key '" + path(e) + "'; allowed here: "
          + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")));
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ConfigException ce) {
        throw new ConfigException(origin + ": " + ce.getMessage());
      }
      throw new ConfigException(origin + ": invalid value at '" + path(e) + "': " + e.getOriginalMessage());
    } catch (JsonMappingException e) {
      throw new ConfigException(origin + ": invalid value at '" + path(e) + "': " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ConfigException(origin + ": not valid YAML: " + e.getOriginalMessage());
    }
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  /** The resolved configuration (every default filled in) as JSON, written beside every output. */
  public String toJson() {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public PretrainConfig withData(DataConfig d) {
    return new PretrainConfig(seed, d, tokenizer, objective, model, trainer);
  }

  public PretrainConfig withTokenizer(TokenizerConfig t) {
    return new PretrainConfig(seed, data, t, objective, model, trainer);
  }

  public PretrainConfig withTrainer(TrainerConfig t) {
    return new PretrainConfig(seed, data, tokenizer, objective, model, t);
  }
}
