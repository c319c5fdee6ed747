#!/usr/bin/env bash
# Regenerates the SentencePiece goldens in this folder with Google's spm_encode (Debian package
# `sentencepiece`, 0.1.97 when these were made). Input: every non-empty line of the corpus samples and of
# spm-edge-cases.txt, one document per line. Output: one line of ids per input line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
res="$here/.."
cat "$res"/corpus/moby-dick.sample.txt "$res"/corpus/sotu.sample.txt "$res"/corpus/europarl.sample.txt \
    "$res"/corpus/chinese-poetry.sample.txt "$here"/spm-edge-cases.txt | grep -av '^$' > "$here/spm-input.txt"
spm_encode --model="$res/tokenizers/sctg-clean_30k.model" --output_format=id \
    < "$here/spm-input.txt" > "$here/sctg-clean_30k.spm-ids.txt"
