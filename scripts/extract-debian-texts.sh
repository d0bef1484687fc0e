#!/usr/bin/env bash
# Extracts two public-domain / permissively licensed English texts from Debian packages into data/, where
# `npm run build-data` copies them into public/data/text/ (committed, so the build needs no Debian package):
#   data/kjv/kjv.txt          the King James Bible (1611; the Debian text is the Bible Retrieval System's data):
#                             every verse, Genesis 1:1 to Revelation 22:21, one verse per line without its number,
#                             a "Book N" heading and a blank line before each chapter.
#   data/wordnet/glosses.txt  WordNet 3.0 glosses (definition; "examples"), every 16th synset of each of the noun,
#                             verb, adjective and adverb data files in file order, as "lemma, lemma: gloss".
# Run once; the output is committed. Needs: apt-get install -y bible-kjv wordnet-base
set -euo pipefail
cd "$(dirname "$0")/.."
command -v bible >/dev/null || { echo "extract-debian-texts: the 'bible' program is missing; apt-get install -y bible-kjv" >&2; exit 1; }
[ -r /usr/share/wordnet/data.noun ] || { echo "extract-debian-texts: /usr/share/wordnet/data.noun is missing; apt-get install -y wordnet-base" >&2; exit 1; }
mkdir -p data/kjv data/wordnet
# -l10000: no wrapping, so each verse is one line; drop the leading blank line and the verse numbers.
bible -l10000 gen1:1-rev22:21 | sed -e '1{/^$/d}' -e 's/^ *[0-9][0-9]* //' -e 's/[[:space:]]*$//' > data/kjv/kjv.txt
# Data lines (not the licence header, which starts with two spaces): fields 5, 7, … are the lemmas (w_cnt in hex
# in field 4); the gloss follows " | ".
: > data/wordnet/glosses.txt
for pos in noun verb adj adv; do
  LC_ALL=C awk -v every=16 '
    function hex(s,   i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1; return v }
    /^  / { next }
    {
      n++; if ((n - 1) % every != 0) next
      split($0, parts, " \\| "); gloss = parts[2]; sub(/[[:space:]]+$/, "", gloss)
      cnt = hex($4); lemmas = ""
      for (i = 0; i < cnt; i++) { w = $(5 + 2 * i); gsub(/_/, " ", w); sub(/\([a-z]+\)$/, "", w); lemmas = lemmas (i ? ", " : "") w }
      print lemmas ": " gloss
    }' "/usr/share/wordnet/data.$pos" >> data/wordnet/glosses.txt
done
echo "bible-kjv-text $(dpkg-query -W -f='${Version}' bible-kjv-text), wordnet-base $(dpkg-query -W -f='${Version}' wordnet-base)"
wc -c data/kjv/kjv.txt data/wordnet/glosses.txt
