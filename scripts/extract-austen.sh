#!/usr/bin/env bash
# Extracts Jane Austen's six novels as plain UTF-8 text from Debian's r-cran-janeaustenr (R data format) into
# data/austen/, one line per element of each R character vector. Run once; the output is committed and
# `npm run build-data` copies it into public/data/text/austen/. Needs: apt-get install -y r-cran-janeaustenr
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Rscript >/dev/null || { echo "extract-austen: Rscript not found; apt-get install -y r-cran-janeaustenr" >&2; exit 1; }
mkdir -p data/austen
Rscript --vanilla - <<'R'
books <- c("sense-and-sensibility" = "sensesensibility", "pride-and-prejudice" = "prideprejudice",
           "mansfield-park" = "mansfieldpark", "emma" = "emma", "northanger-abbey" = "northangerabbey",
           "persuasion" = "persuasion")
for (id in names(books)) {
  e <- new.env()
  data(list = books[[id]], package = "janeaustenr", envir = e)
  lines <- get(books[[id]], envir = e)
  con <- file(file.path("data/austen", paste0(id, ".txt")), open = "w", encoding = "UTF-8")
  writeLines(enc2utf8(lines), con, useBytes = TRUE)
  close(con)
}
cat("janeaustenr", as.character(packageVersion("janeaustenr")), "\n")
R
wc -c data/austen/*.txt
