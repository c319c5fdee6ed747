package dev.sparkpretrain.tokenization.normalize;

import dev.sparkpretrain.tokenization.NormalizedString;
import java.util.Objects;

/**
 * HF types {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}: Unicode normalization forms.
 *
 * <p>Alignment: the text is cut before every code point that starts a new combining sequence (not a mark,
 * not a Hangul medial/final jamo); each piece is normalized alone and aligned as HF aligns it (see
 * {@link Transformations}): one for one, a composed character with its first source character, the extra
 * characters of a decomposition with their source. If piecewise normalization ever differed from
 * normalizing the whole text (it should not), the whole text's form is used with coarse alignment, so the
 * text itself is always exact.
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
    Transformations t = new Transformations(whole.length() + 8);
    int n = in.length();
    int pieceStart = 0;
    for (int i = 0; i <= n; ) {
      int cp = i < n ? in.codePointAt(i) : 0;
      if (i == n || (i > pieceStart && startsSequence(cp))) {
        String piece = in.substring(pieceStart, i);
        t.replace(piece, java.text.Normalizer.normalize(piece, form.jdk));
        pieceStart = i;
        if (i == n) {
          break;
        }
      }
      i += Character.charCount(cp);
    }
    NormalizedString out = t.apply(in);
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
