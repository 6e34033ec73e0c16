#!/usr/bin/env bash
# Search on a synthetic dump (issue 13), in one run:
#   benches/search.sh [PAGES] [RATE] [SECONDS]      (default 1000000 pages, 200 requests/s, 20 s)
# 1. What ranking costs at ingest: `folio-ingest build` of the dump as it is by default (links
#    counted in the scan, pages ranked, suggestion files), with --no-links (the same files, no
#    link scan) and with --no-search (neither), alternating, $FOLIO_BENCH_REPS times each
#    (default 5: a shared VM's CPU time for the same build varies by 10-20 % from run to run);
#    CPU seconds (user + sys) and wall time, medians; ranking's cost is the default against
#    --no-links. The dump is in
#    the page cache for every build (one untimed read first).
# 2. /suggest latency at a fixed offered rate below saturation: the server pinned to core 0 with
#    one worker, oha (open loop, -q RATE) pinned to core 1, over prefix queries (a title's first
#    3 to 8 characters) and fuzzy queries (a typo'd prefix that no title starts with), excerpts
#    on; p50, p99 and the server's CPU time per request from /proc.
# 3. Quality: the share of typo'd article titles (one edit, never the first character) whose
#    article is in the top 5.
# The dump and its indexes stay in $FOLIO_BENCH_WORK (default ~/.cache/folio-bench/search) between
# runs: 1M pages are about 4.4 GB of XML.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RATE="${2:-200}"
SECS="${3:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
source benches/lib.sh
synthetic_dump "$PAGES"

# 1. Ingest, with and without ranking.
declare -A CPU WALL
REPS="${FOLIO_BENCH_REPS:-5}"
for _ in $(seq "$REPS"); do
  for mode in search nolinks nosearch; do
    flag=""; [ "$mode" = nosearch ] && flag="--no-search"; [ "$mode" = nolinks ] && flag="--no-links"
    t=$( { /usr/bin/time -f "%U %S %e" "$BIN/folio-ingest" build "$DUMP" --out "$WORK/idx-$mode" --quiet $flag > /dev/null; } 2>&1 | tail -1)
    CPU[$mode]+="$(echo "$t" | awk '{printf "%.2f", $1 + $2}') "
    WALL[$mode]+="$(echo "$t" | awk '{print $3}') "
  done
done
cpu_s=$(echo "${CPU[search]}" | median); cpu_l=$(echo "${CPU[nolinks]}" | median); cpu_n=$(echo "${CPU[nosearch]}" | median)
echo "- ingest CPU s (user+sys), median of $REPS: default $cpu_s (runs ${CPU[search]}), --no-links $cpu_l (runs ${CPU[nolinks]}), --no-search $cpu_n (runs ${CPU[nosearch]})"
echo "- ranking's cost: default / --no-links CPU = $(awk -v a="$cpu_s" -v b="$cpu_l" 'BEGIN {printf "%.3f", a / b}') (target at most 1.30); suggestion files and ranking together: default / --no-search = $(awk -v a="$cpu_s" -v b="$cpu_n" 'BEGIN {printf "%.3f", a / b}')"
echo "- ingest wall s, median of $REPS: default $(echo "${WALL[search]}" | median), --no-links $(echo "${WALL[nolinks]}" | median), --no-search $(echo "${WALL[nosearch]}" | median)"
for mode in search nolinks nosearch; do
  echo "- index bytes without the dump, $mode: $(du -b --exclude=dump.xml "$WORK/idx-$mode" | awk '{print $1}')"
done
for f in search_keys.fst search_order.npy search_weights.npy title_weights.npy; do
  echo "  - $f: $(stat -c %s "$WORK/idx-search/$f") bytes"
done

# 2. The server on core 0, oha on core 1.
URL=http://127.0.0.1:18098
taskset -c 0 "$BIN/folio-server" --data "$WORK/idx-search" --tables "$WORK/tables" --listen 127.0.0.1:18098 \
  --workers 1 --quiet > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait 2>/dev/null' EXIT
until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.05; done
# The background check of the dump reads all of it on the server's core: measure after it.
wait_verified "$URL"
QUALITY=$(python3 benches/requests.py suggest "$URL" "$WORK/queries" --count 2000 --seed 13)
echo "- quality (typo'd whole titles, article in the top 5): $QUALITY"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
for kind in prefix fuzzy; do
  # Warm the page cache and the server's pools on the same queries, untimed.
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 2000 -c 4 --urls-from-file "$WORK/queries.$kind" > /dev/null
  before=$(cpu_ticks)
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$RATE" -c 4 \
    --urls-from-file "$WORK/queries.$kind" \
    --output-format json > "$WORK/oha-$kind.json"
  after=$(cpu_ticks)
  python3 - "$WORK/oha-$kind.json" "$kind" "$RATE" $((after - before)) "$(getconf CLK_TCK)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kind, rate, ticks, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s, p = d["summary"], d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
n = sum(codes.values())
print(f"- /suggest {kind}: offered {rate}/s, served {s['requestsPerSec']:.0f}/s, {n} answers {codes}, "
      f"p50 {p['p50'] * 1e3:.2f} ms, p99 {p['p99'] * 1e3:.2f} ms, max {s['slowest'] * 1e3:.2f} ms, "
      f"server CPU {ticks / hz / max(n, 1) * 1e6:.0f} us/request")
PY
done
