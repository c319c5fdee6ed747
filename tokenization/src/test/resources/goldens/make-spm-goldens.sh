#!/usr/bin/env bash
# Regenerates the SentencePiece goldens in this folder with Google's spm_encode (Debian package
# `sentencepiece`, 0.1.97 when these were made). Input: every non-empty line of the corpus samples and of
# spm-edge-cases.txt, one document per line. Output: one line of ids per input line.
#
# The two small BPE models in ../tokenizers (spm-bpe-*.model) are trained here too, by spm_train on the
# corpus samples: one with byte fallback and SentencePiece's default nmt_nfkc normalization, one without byte
# fallback (unknown characters become <unk>) and with the identity normalization. Both have the user-defined
# symbols <sep> and [MASK]. Pass --train to retrain them (the files then differ in the temporary paths
# that trainer_spec records).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
res="$here/.."
models="$res/tokenizers"
cat "$res"/corpus/moby-dick.sample.txt "$res"/corpus/sotu.sample.txt "$res"/corpus/europarl.sample.txt \
    "$res"/corpus/chinese-poetry.sample.txt "$here"/spm-edge-cases.txt | grep -av '^$' > "$here/spm-input.txt"
if [[ "${1:-}" == "--train" ]]; then
  tmp=$(mktemp -d)
  cat "$res"/corpus/*.sample.txt | grep -av '^$' > "$tmp/corpus.txt"
  common=(--input="$tmp/corpus.txt" --model_type=bpe --vocab_size=3000 --character_coverage=0.995
          --user_defined_symbols='<sep>,[MASK]' --minloglevel=2)
  spm_train "${common[@]}" --model_prefix="$tmp/spm-bpe-3k-bytes" --byte_fallback=true
  spm_train "${common[@]}" --model_prefix="$tmp/spm-bpe-3k-identity" --byte_fallback=false \
      --normalization_rule_name=identity
  cp "$tmp"/spm-bpe-3k-bytes.model "$tmp"/spm-bpe-3k-identity.model "$models/"
  rm -r "$tmp"
fi
for model in sctg-clean_30k spm-bpe-3k-bytes spm-bpe-3k-identity; do
  spm_encode --model="$models/$model.model" --output_format=id \
      < "$here/spm-input.txt" > "$here/$model.spm-ids.txt"
done
