package dev.sparkpretrain.tokenization.io;

import dev.sparkpretrain.tokenization.Tokenizer;
import dev.sparkpretrain.tokenization.TokenizerFormatException;
import dev.sparkpretrain.tokenization.decode.ByteFallbackDecoder;
import dev.sparkpretrain.tokenization.decode.Decoder;
import dev.sparkpretrain.tokenization.decode.DecoderSequence;
import dev.sparkpretrain.tokenization.decode.MetaspaceDecoder;
import dev.sparkpretrain.tokenization.model.TokenModel;
import dev.sparkpretrain.tokenization.model.bpe.SentencePieceBpeModel;
import dev.sparkpretrain.tokenization.model.unigram.UnigramModel;
import dev.sparkpretrain.tokenization.normalize.PrecompiledCharsMap;
import dev.sparkpretrain.tokenization.normalize.SentencePieceNormalizer;
import dev.sparkpretrain.tokenization.pretokenize.Metaspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece {@code .model} files (a serialized {@code ModelProto}), read with {@link ProtobufReader}.
 * Builds a tokenizer that encodes as SentencePiece's own {@code Encode} (as {@code spm_encode} does):
 * SentencePiece's normalizer, no pre-tokenizer (Viterbi runs over the whole normalized text), the Unigram
 * or BPE model as SentencePiece runs them, no special tokens added (spm_encode adds none by default). WORD
 * and CHAR models are rejected with the field named.
 */
public final class SentencePieceModelReader {
  private SentencePieceModelReader() {}

  /** What this project reads of a {@code ModelProto}. */
  public record ModelProto(List<UnigramModel.Piece> pieces, int modelType, boolean byteFallback,
                           boolean treatWhitespaceAsSuffix, String normalizerName, byte[] precompiledCharsmap,
                           boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {}

  public static Tokenizer read(Path file) throws IOException {
    return tokenizer(parse(Files.readAllBytes(file)));
  }

  public static ModelProto parse(byte[] bytes) {
    ProtobufReader r = new ProtobufReader(bytes, "ModelProto");
    List<UnigramModel.Piece> pieces = new ArrayList<>();
    int modelType = 1;
    boolean byteFallback = false;
    boolean suffix = false;
    String name = "";
    byte[] charsmap = new byte[0];
    boolean dummy = true;
    boolean removeExtra = true;
    boolean escape = true;
    while (r.hasMore()) {
      int tag = r.readTag();
      int field = tag >>> 3;
      int wire = tag & 7;
      if (field == 1 && wire == ProtobufReader.LENGTH_DELIMITED) {
        pieces.add(piece(r.readMessage("pieces[" + pieces.size() + "]")));
      } else if (field == 2 && wire == ProtobufReader.LENGTH_DELIMITED) {
        ProtobufReader t = r.readMessage("trainer_spec");
        while (t.hasMore()) {
          int tt = t.readTag();
          switch (tt >>> 3) {
            case 3 -> modelType = (int) t.readVarint();
            case 35 -> byteFallback = t.readVarint() != 0;
            case 24 -> suffix = t.readVarint() != 0;
            default -> t.skip(tt & 7);
          }
        }
      } else if (field == 3 && wire == ProtobufReader.LENGTH_DELIMITED) {
        ProtobufReader n = r.readMessage("normalizer_spec");
        while (n.hasMore()) {
          int nt = n.readTag();
          switch (nt >>> 3) {
            case 1 -> name = n.readString();
            case 2 -> charsmap = n.readBytes();
            case 3 -> dummy = n.readVarint() != 0;
            case 4 -> removeExtra = n.readVarint() != 0;
            case 5 -> escape = n.readVarint() != 0;
            default -> n.skip(nt & 7);
          }
        }
      } else {
        r.skip(wire);
      }
    }
    if (pieces.isEmpty()) {
      throw new TokenizerFormatException("ModelProto.pieces", "no pieces; is this a SentencePiece .model file?");
    }
    return new ModelProto(pieces, modelType, byteFallback, suffix, name, charsmap, dummy, removeExtra, escape);
  }

  private static UnigramModel.Piece piece(ProtobufReader p) {
    String token = null;
    float score = 0;
    int type = 1;
    while (p.hasMore()) {
      int tag = p.readTag();
      switch (tag >>> 3) {
        case 1 -> token = p.readString();
        case 2 -> score = p.readFloat();
        case 3 -> type = (int) p.readVarint();
        default -> p.skip(tag & 7);
      }
    }
    if (token == null) {
      throw new TokenizerFormatException(p.path() + ".piece", "missing");
    }
    if (type < 1 || type > 6) {
      throw new TokenizerFormatException(p.path() + ".type", "unknown piece type " + type);
    }
    return new UnigramModel.Piece(token, score, UnigramModel.PieceType.values()[type - 1]);
  }

  /** The SentencePiece-exact tokenizer for a parsed model. */
  public static Tokenizer tokenizer(ModelProto m) {
    if (m.modelType() != 1 && m.modelType() != 2) {
      String kind = switch (m.modelType()) {
        case 3 -> "WORD";
        case 4 -> "CHAR";
        default -> "type " + m.modelType();
      };
      throw new TokenizerFormatException("ModelProto.trainer_spec.model_type",
          kind + " models are not supported; only UNIGRAM and BPE");
    }
    if (m.treatWhitespaceAsSuffix()) {
      throw new TokenizerFormatException("ModelProto.trainer_spec.treat_whitespace_as_suffix",
          "whitespace as a suffix is not supported");
    }
    int unk = -1;
    List<String> userDefined = new ArrayList<>();
    for (int i = 0; i < m.pieces().size(); i++) {
      UnigramModel.Piece p = m.pieces().get(i);
      if (p.type() == UnigramModel.PieceType.UNKNOWN && unk < 0) {
        unk = i;
      } else if (p.type() == UnigramModel.PieceType.USER_DEFINED) {
        userDefined.add(p.token());
      }
    }
    if (unk < 0) {
      throw new TokenizerFormatException("ModelProto.pieces", "no piece of type UNKNOWN");
    }
    PrecompiledCharsMap charsMap = m.precompiledCharsmap().length == 0 ? null
        : new PrecompiledCharsMap(m.precompiledCharsmap());
    SentencePieceNormalizer normalizer = new SentencePieceNormalizer(charsMap, m.addDummyPrefix(),
        m.removeExtraWhitespaces(), m.escapeWhitespaces(), userDefined);
    TokenModel model;
    try {
      model = m.modelType() == 2 ? new SentencePieceBpeModel(m.pieces(), unk, m.byteFallback())
          : new UnigramModel(m.pieces(), unk, m.byteFallback(), UnigramModel.Scoring.SENTENCE_PIECE);
    } catch (IllegalArgumentException e) {
      throw new TokenizerFormatException("ModelProto", e.getMessage(), e);
    }
    Metaspace.PrependScheme scheme = m.addDummyPrefix() ? Metaspace.PrependScheme.ALWAYS
        : Metaspace.PrependScheme.NEVER;
    Decoder metaspace = new MetaspaceDecoder('\u2581', scheme, true);
    Decoder decoder = m.byteFallback() ? new DecoderSequence(List.of(new ByteFallbackDecoder(), metaspace))
        : metaspace;
    return new Tokenizer(normalizer, null, model, null, decoder, List.of());
  }
}
