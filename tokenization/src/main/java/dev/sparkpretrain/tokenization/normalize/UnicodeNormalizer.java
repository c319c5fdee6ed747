package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.util.Objects;

/**
 * HF types {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}: Unicode normalization forms.
 *
 * <p>Alignment: the text is cut before every code point that starts a new combining sequence (not a mark,
 * not a Hangul medial/final jamo); each piece is normalized alone. A piece whose output has as many code
 * points as its input is aligned one to one, otherwise every output code point gets the whole piece's
 * range. If piecewise normalization ever differed from normalizing the whole text (it should not), the
 * whole text's form is used with coarse alignment, so the text itself is always exact.
 */
public final class UnicodeNormalizer implements Normalizer {
  private static final long serialVersionUID = 1L;

  /** The four forms, with their HF type tags. */
  public enum Form {
    NFC(java.text.Normalizer.Form.NFC), NFD(java.text.Normalizer.Form.NFD),
    NFKC(java.text.Normalizer.Form.NFKC), NFKD(java.text.Normalizer.Form.NFKD);

    final java.text.Normalizer.Form jdk;

    Form(java.text.Normalizer.Form jdk) {
      this.jdk = jdk;
    }
  }

  private final Form form;

  public UnicodeNormalizer(Form form) {
    this.form = Objects.requireNonNull(form, "form");
  }

  public Form form() {
    return form;
  }

  @Override
  public NormalizedString normalize(NormalizedString in) {
    String text = in.toString();
    if (java.text.Normalizer.isNormalized(text, form.jdk)) {
      return in;
    }
    String whole = java.text.Normalizer.normalize(text, form.jdk);
    NormalizedString out = new NormalizedString(whole.length() + 8);
    int n = in.length();
    int pieceStart = 0;
    for (int i = 0; i <= n; ) {
      int cp = i < n ? in.codePointAt(i) : 0;
      if (i == n || (i > pieceStart && startsSequence(cp))) {
        appendPiece(in, pieceStart, i, out);
        pieceStart = i;
        if (i == n) {
          break;
        }
      }
      i += Character.charCount(cp);
    }
    if (!out.toString().equals(whole)) {
      return coarse(in, whole);
    }
    return out;
  }

  private static boolean startsSequence(int cp) {
    int type = Character.getType(cp);
    return type != Character.NON_SPACING_MARK && type != Character.COMBINING_SPACING_MARK
        && type != Character.ENCLOSING_MARK && !(cp >= 0x1160 && cp <= 0x11FF);
  }

  private void appendPiece(NormalizedString in, int from, int to, NormalizedString out) {
    String src = in.substring(from, to);
    String dst = java.text.Normalizer.normalize(src, form.jdk);
    int srcCps = src.codePointCount(0, src.length());
    int dstCps = dst.codePointCount(0, dst.length());
    if (srcCps == dstCps) {
      int si = from;
      for (int di = 0; di < dst.length(); ) {
        int cp = dst.codePointAt(di);
        int srcUnits = Character.charCount(in.codePointAt(si));
        out.appendCodePoint(cp, in.originalStart(si), in.originalEnd(si + srcUnits - 1));
        si += srcUnits;
        di += Character.charCount(cp);
      }
    } else {
      int start = in.originalStart(from);
      int end = in.originalEnd(to - 1);
      for (int di = 0; di < dst.length(); ) {
        int cp = dst.codePointAt(di);
        out.appendCodePoint(cp, start, end);
        di += Character.charCount(cp);
      }
    }
  }

  private static NormalizedString coarse(NormalizedString in, String whole) {
    NormalizedString out = new NormalizedString(whole.length());
    int start = in.isEmpty() ? 0 : in.originalStart(0);
    int end = in.isEmpty() ? 0 : in.originalEnd(in.length() - 1);
    for (int i = 0; i < whole.length(); i++) {
      out.appendUnit(whole.charAt(i), start, end);
    }
    return out;
  }
}
