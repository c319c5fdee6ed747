package dev.sparkpretrain.tokenization.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sparkpretrain.tokenization.TokenizerFormatException;

/**
 * Typed access to the fields of a tokenizer.json node, each failure naming the field's path. Holds the
 * node and its path so nested stages report {@code pre_tokenizer.pretokenizers[1].pattern}, not
 * {@code pattern}.
 */
record JsonFields(JsonNode node, String path) {

  static JsonFields of(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw new TokenizerFormatException(path, "expected an object, got " + describe(node));
    }
    return new JsonFields(node, path);
  }

  String at(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  boolean has(String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  JsonNode get(String field) {
    return node.get(field);
  }

  String type() {
    return string("type");
  }

  String string(String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new TokenizerFormatException(at(field), "expected a string, got " + describe(v));
    }
    return v.textValue();
  }

  String string(String field, String fallback) {
    return has(field) ? string(field) : fallback;
  }

  boolean bool(String field, boolean fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new TokenizerFormatException(at(field), "expected true or false, got " + describe(v));
    }
    return v.booleanValue();
  }

  /** A boolean that may be null (HF's {@code Option<bool>}). */
  Boolean optionalBool(String field) {
    return has(field) ? bool(field, false) : null;
  }

  int integer(String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new TokenizerFormatException(at(field), "expected an integer, got " + describe(v));
    }
    return v.intValue();
  }

  int integer(String field, int fallback) {
    return has(field) ? integer(field) : fallback;
  }

  double number(String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isNumber()) {
      throw new TokenizerFormatException(at(field), "expected a number, got " + describe(v));
    }
    return v.doubleValue();
  }

  JsonNode array(String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isArray()) {
      throw new TokenizerFormatException(at(field), "expected an array, got " + describe(v));
    }
    return v;
  }

  JsonFields object(String field) {
    return of(node.get(field), at(field));
  }

  TokenizerFormatException unsupported(String what) {
    return new TokenizerFormatException(at("type"), "unsupported " + what + " type '" + node.path("type").asText()
        + "'");
  }

  static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing (field missing)";
    }
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
