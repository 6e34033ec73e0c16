#!/usr/bin/env bash
# Where a request's instructions go (issue 16), without hardware counters: callgrind counts the
# instructions folio-server executes while it answers N requests on one keep-alive connection
# (collection switched on only around them), per route:   benches/profile.sh [N] [TOP]
# (default 2000 requests, the 25 costliest functions). Serves the bundled sample (its index is
# built into a temporary directory) with one event loop. Prints, per route, instructions per
# request and the functions that take the most of them (their own instructions, callees
# excluded), for benches/RESULTS.md.
# Needs valgrind (apt-get install valgrind) and oha (benches/cores.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
N="${1:-2000}"
TOP="${2:-25}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
command -v valgrind > /dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
[ -n "${FOLIO_BENCH_BUILT:-}" ] || cargo build --release --locked -p folio-server -p folio-ingest >&2
BIN="${FOLIO_BENCH_BIN:-$CARGO_TARGET_DIR/release}"
OHA="${FOLIO_TOOLS:-$HOME/.cache/folio-tools}/bin/oha"
[ -x "$OHA" ] || cargo install --quiet --locked --root "$(dirname "$(dirname "$OHA")")" oha >&2
TMP="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
"$BIN/folio-ingest" build datasets/enwiki-sample.xml.bz2 --out "$TMP/idx" --quiet
PORT=18120
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/cg.%p" \
  "$BIN/folio-server" --data "$TMP/idx" --tables "$TMP/tables" --listen "127.0.0.1:$PORT" --workers 1 --quiet \
  > "$TMP/server.log" 2>&1 &
PID=$!
URL="http://127.0.0.1:$PORT"
until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.2; done
wait_verified "$URL"
echo "- $("$BIN/folio-server" --version), $(valgrind --version), $N requests per route on one connection"
# /wiki/Affirming_the_consequent: a page of 3.8 KB, about the median size of a Wikipedia article.
# oha asks for compressed answers unless told: these measure the plain path.
for path in /plaintext /json /wiki/Affirming_the_consequent; do
  "$OHA" --no-tui -n 200 -c 1 -H "accept-encoding: identity" "$URL$path" > /dev/null # warm up
  callgrind_control -z "$PID" > /dev/null 2>&1
  callgrind_control -i on "$PID" > /dev/null 2>&1
  "$OHA" --no-tui -n "$N" -c 1 -H "accept-encoding: identity" "$URL$path" > /dev/null
  callgrind_control -i off "$PID" > /dev/null 2>&1
  callgrind_control -d "route$(echo "$path" | tr '/' '_')" "$PID" > /dev/null 2>&1
  # The dump callgrind just wrote (the newest file).
  out=$(ls -t "$TMP"/cg.* | sed -n 1p)
  # (Pipes that stop reading early: their writers' SIGPIPE is no failure.)
  total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' || true)
  echo
  echo "#### $path: $(awk -v t="$total" -v n="$N" 'BEGIN {printf "%.0f", t / n}') instructions per request"
  echo
  echo '```'
  callgrind_annotate --threshold=100 "$out" 2>/dev/null \
    | awk '/^-+$/ {d++; next} d >= 3 && NF' | head -"$TOP" \
    | sed -E 's/ \([^)]*\)$//; s/\[[^]]*\]//g' | cut -c1-150 || true
  echo '```'
done
