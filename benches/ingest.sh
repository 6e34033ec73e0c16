#!/usr/bin/env bash
# Ingest speed and memory, measured side by side with `grep -c '<title>'` on the same file.
#
#   benches/ingest.sh [PAGES] [RUNS]      (default 370000 pages = 1.61 GB of XML, 5 runs)
#
# Builds folio-ingest in release, writes a synthetic dump with `folio-ingest synth`, warms the
# page cache, then alternates grep and `folio-ingest build` RUNS times each and prints the
# medians, their ratio, the peak RssAnon of the build (sampled every 5 ms from /proc; the mapped
# dump's page cache is RssFile and does not count) and the index file sizes, as Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-370000}"
RUNS="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
[ -n "${FOLIO_BENCH_BUILT:-}" ] || cargo build --release --locked -p folio-ingest >&2
source benches/lib.sh
BIN="$CARGO_TARGET_DIR/release/folio-ingest"
WORK="${FOLIO_BENCH_DIR:-$CARGO_TARGET_DIR/bench-fixtures}"
mkdir -p "$WORK"
DUMP="$WORK/ingest-$PAGES.xml"
OUT="$WORK/ingest-$PAGES.idx"
[ -f "$DUMP" ] || "$BIN" synth --pages "$PAGES" --out "$DUMP" --quiet >&2
cat "$DUMP" > /dev/null

calc() { python3 -c "print(round($1, 3))"; }
# Output goes to a file, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > "$WORK/out.txt"; t1=$(date +%s.%N); calc "$t1 - $t0"; }
peak_anon() {
  "$@" > /dev/null & local pid=$! peak=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.005
  done
  wait "$pid"; echo "$peak"
}

g=(); b=(); b1=()
for _ in $(seq "$RUNS"); do
  g+=("$(seconds grep -c '<title>' "$DUMP")")
  b+=("$(seconds "$BIN" build "$DUMP" --out "$OUT" --quiet)")
  b1+=("$(seconds "$BIN" build "$DUMP" --out "$OUT" --quiet --threads 1)")
done
G=$(printf '%s\n' "${g[@]}" | median)
B=$(printf '%s\n' "${b[@]}" | median)
B1=$(printf '%s\n' "${b1[@]}" | median)
ANON=$(peak_anon "$BIN" build "$DUMP" --out "$OUT" --quiet)
manifest="$OUT/manifest.json"
read -r NPAGES TITLE_BYTES XML_BYTES < <(python3 -c "import json,sys; m=json.load(open('$manifest')); print(m['counts']['pages'], m['counts']['title_bytes'], m['dump']['bytes'])")
BUDGET=$(( (TITLE_BYTES * 3 / 2 + 64 * NPAGES + 256 * 1024 * 1024) / 1024 ))
record ingest.pages "$NPAGES"; record ingest.dump_bytes "$XML_BYTES"
record ingest.grep_s "$G"; record ingest.build_s "$B"; record ingest.build_1thread_s "$B1"
record ingest.peak_anon_kib "$ANON"
size() { stat -c %s "$OUT/$1"; }
TABLE=$(( $(size pages.arrow) + $(size offsets.npy) ))

cat <<MD
| measure | value |
| --- | --- |
| dump | $NPAGES pages, $XML_BYTES bytes of XML (\`folio-ingest synth --pages $PAGES\`) |
| \`grep -c '<title>'\`, median of $RUNS | ${G} s |
| \`folio-ingest build\`, median of $RUNS | ${B} s |
| build / grep | $(calc "$B / $G") x |
| \`folio-ingest build --threads 1\`, median of $RUNS | ${B1} s ($(calc "$B1 / $B") x the time on all cores) |
| runs (grep) | ${g[*]} |
| runs (build) | ${b[*]} |
| peak RssAnon of a build | $ANON KiB (budget 1.5 x $TITLE_BYTES title bytes + 64 B x pages + 256 MiB = $BUDGET KiB) |
| pages.arrow + offsets.npy | $TABLE bytes = $(calc "($TABLE - $TITLE_BYTES) / $NPAGES") bytes per page + title bytes |
| titles.fst | $(size titles.fst) bytes ($(calc "$(size titles.fst) / $NPAGES") per page) |
| title_order.npy, folded_order.npy | $(size title_order.npy), $(size folded_order.npy) bytes |
MD
