#!/usr/bin/env bash
# Every benchmark ratio of Folio's issues in one run, written to benches/RESULTS.md with PNG plots
# in benches/plots/:
#
#   benches/all.sh [PAGES] [RUNS] [SECONDS]     (default 1000000 pages, 3 runs, 10 s per load run)
#
# Installs wrk (apt-get) if missing, builds the release binaries once, makes a synthetic dump of
# PAGES pages with `folio-ingest synth` (and one of 370,000 pages, 1.6 GB, for ingest), then runs
#   benches/ingest.sh 370000 RUNS       build time against grep, memory, index sizes   (issue 2)
#   benches/server.sh PAGES SECONDS RUNS  /plaintext, /json, /wiki, /offsets, workers, actix peer (issue 3)
#   benches/tfb.sh PAGES 5 RUNS         TechEmpower routes at 64/256/512 connections, GROUP BY (issue 4)
#   benches/peer.sh PAGES SECONDS RUNS  the Python peer side by side                     (issue 5)
#   benches/reader.sh SECONDS RUNS      /html against /wiki on the real sample             (issue 14)
#   benches/search.sh PAGES             ranking's ingest cost, /suggest p99, typo quality  (issue 13)
#   benches/fulltext.sh PAGES           full-text build speed and size, /search p50       (issue 13)
# and benches/report.py (matplotlib, in a venv) turns what they recorded into RESULTS.md: the
# machine, the commands, every target with its measured median, each script's tables, the plots.
# About 35 minutes after the release build on 2 cores; the dumps need 6.5 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RUNS="${2:-3}"
SECS="${3:-10}"
[ "$RUNS" -ge 3 ] || { echo "benches/all.sh: RUNS must be at least 3 (RESULTS.md reports medians of 3 or more)" >&2; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
WORK="$CARGO_TARGET_DIR/bench-fixtures"
mkdir -p "$WORK"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p folio-server -p folio-ingest >&2
export FOLIO_BENCH_BUILT=1
export FOLIO_BENCH_KV="$WORK/results.kv"
: > "$FOLIO_BENCH_KV"

VENV="$WORK/report-venv"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s benches/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r benches/requirements.txt
  cp benches/requirements.txt "$VENV/requirements.txt"
fi

step() { # step NAME COMMAND...: runs one bench script, its Markdown to WORK/NAME.md
  echo "== $* ($(date -u +%H:%M:%S) UTC)" >&2
  "${@:2}" > "$WORK/$1.md"
  echo "- \`${*:2}\`" >> "$WORK/commands.md"
}
: > "$WORK/commands.md"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
step ingest benches/ingest.sh 370000 "$RUNS"
step server benches/server.sh "$PAGES" "$SECS" "$RUNS"
export FOLIO_BENCH_INDEXED=1 # server.sh rebuilt the index of this dump
step tfb benches/tfb.sh "$PAGES" 5 "$RUNS"
step peer benches/peer.sh "$PAGES" "$SECS" "$RUNS"
step reader benches/reader.sh "$SECS" "$RUNS"
step search benches/search.sh "$PAGES"
step fulltext benches/fulltext.sh "$PAGES"

{
  echo "- $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores" \
    "($(lscpu | awk -F: '/^L3/ {gsub(/^ +/, "", $2); print $2}') L3), $(free -g | awk '/^Mem/ {print $2}') GB RAM," \
    "Linux $(uname -r); a shared virtual machine, so figures vary by ±30% from minute to minute."
  echo "- wrk $(wrk -v 2>&1 | awk 'NR == 1 {print $2}') runs on the same cores as the server: every" \
    "throughput is the server's share of cores it lends to the load generator."
  dirty=$(git diff --quiet HEAD -- . ':!benches/RESULTS.md' ':!benches/plots' || echo ' (with uncommitted changes)')
  echo "- $(rustc --version); release profile of the workspace; commit $(git rev-parse --short HEAD)$dirty."
  echo "- Run started $started, ended $(date -u '+%Y-%m-%d %H:%M UTC'); page cache hot."
} > "$WORK/machine.md"
sed -i "1i - \`benches/all.sh $PAGES $RUNS $SECS\`, which runs:" "$WORK/commands.md"
sed -i '2,$s/^- /  - /' "$WORK/commands.md"
"$VENV/bin/python" benches/report.py "$WORK" benches
echo "wrote benches/RESULTS.md and benches/plots/*.png" >&2
