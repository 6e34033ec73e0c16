#!/usr/bin/env bash
# /plaintext as TechEmpower runs it, pipelined (issue 16):   benches/pipelined.sh [DEPTH] [ROUNDS] [SECONDS]
# (default 16 requests per write, 5 rounds, 6 s). Each round starts Folio (per-core runtime, one
# worker) and then the actix-web peer (one worker), each pinned to core 0, and drives it at
# saturation from wrk on core 1 (one thread, 16 connections, DEPTH requests in each write:
# benches/pipeline.lua). Reports answers per second and the server's user + system CPU per
# answer from /proc/PID/stat, medians of the rounds. With 16 answers to each read, the kernel's
# share per answer is small and the HTTP stack's own cost shows. Prints Markdown for
# benches/RESULTS.md. FOLIO_BENCH_BIN=DIR serves an older build's binaries (benches/fixture.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DEPTH="${1:-16}"
ROUNDS="${2:-5}"
SECS="${3:-6}"
PAGES=1000000
source benches/fixture.sh
actix_peer
machine_line
echo "- $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), one thread, 16 connections, $DEPTH requests per write, $SECS s per round, $ROUNDS rounds"

declare -A RPS CPU
# measure NAME PID URL: appends answers/s to RPS[NAME] and µs of CPU per answer to CPU[NAME].
measure() {
  local a b out n
  taskset -c 1 wrk -t1 -c16 -d1s -s benches/pipeline.lua "$3" -- "$DEPTH" > /dev/null # warm up
  a=$(cpu_ticks "$2")
  out=$(taskset -c 1 wrk -t1 -c16 -d"${SECS}s" -s benches/pipeline.lua "$3" -- "$DEPTH")
  b=$(cpu_ticks "$2")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  if echo "$out" | grep -q "Non-2xx"; then
    echo "$1: answers other than 200: $out" >&2
    exit 1
  fi
  RPS[$1]+=" $(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')"
  CPU[$1]+=" $(us_per_answer "$a" "$b" "$n" 3)"
}

LAUNCH=(taskset -c 0)
trap 'stop_server; actix_stop' EXIT
for round in $(seq "$ROUNDS"); do
  serve 18145 --workers 1
  wait_verified "$URL"
  measure "Folio" "$SERVER_PID" "$URL/plaintext"
  stop_server
  actix_start 18146
  measure "actix-web" "$ACTIX_PID" http://127.0.0.1:18146/plaintext
  actix_stop
done

echo
echo "| server | answers/s (each round) | median | CPU per answer, µs (each round) | median |"
echo "| --- | --- | --- | --- | --- |"
declare -A MED
for k in "Folio" "actix-web"; do
  MED[$k]=$(echo "${CPU[$k]}" | median)
  echo "| $k /plaintext |${RPS[$k]} | $(echo "${RPS[$k]}" | median) |${CPU[$k]} | ${MED[$k]} |"
done
echo
echo "- answers per core, Folio / actix-web (CPU per answer, inverted): **$(ratio "${MED[actix-web]}" "${MED[Folio]}") x**"
