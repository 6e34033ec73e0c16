#!/usr/bin/env bash
# HTTP load runs of folio-server with wrk, side by side in one run:
#   benches/server.sh [PAGES] [SECONDS] [RUNS]   (default 1000000 pages, 10 s per run, 3 runs)
# Builds the release binaries, makes (or reuses) a synthetic dump of PAGES pages and its index
# (benches/fixture.sh), measures the time from launch to the first answer, then, RUNS times
# interleaved, runs wrk (-t2 -c64 --latency) against /plaintext, /json, /wiki/{random existing
# title} (with --workers 2 and --workers 1) and /plaintext with --workers 1, /plaintext and /json
# of a minimal actix-web server (benches/peers/actix-hello) as a peer, and /offsets/List_of_
# (about 16,000 hits at a million pages) at one connection for its latency. Prints the medians
# and the ratios the server issue asks for, in Markdown.
# wrk runs on the same cores as the server: absolute figures are lower than on separate machines.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
RUNS="${3:-3}"
source benches/fixture.sh
(cd benches/peers/actix-hello && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/peers" cargo build --release --locked >&2)
PEER_URL="http://127.0.0.1:18095"
"$CARGO_TARGET_DIR/peers/release/actix-hello" 127.0.0.1:18095 > /dev/null 2>&1 &
PEER_PID=$!
trap 'stop_server; kill $PEER_PID 2>/dev/null; true' EXIT
until curl -sf -o /dev/null "$PEER_URL/plaintext"; do sleep 0.01; done

serve 18090 --workers 2
STARTUP=$STARTUP_MS
PATHS="$WORK/wiki-paths-$PAGES.lua"
python3 benches/requests.py wiki "$URL" "$PATHS"
HITS=$(curl -sf "$URL/offsets/List_of_" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')

declare -A RPS P50 P99 ERR
# run KEY CONNECTIONS URL [LUA]: one wrk run, its figures appended to RPS/P50/P99/ERR[KEY]
run() {
  local out threads=$(( $2 < 2 ? $2 : 2 ))
  out=$(wrk -t"$threads" -c"$2" -d"${SECS}s" --latency ${4:+-s "$4"} "$3")
  RPS[$1]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
  P50[$1]+="$(echo "$out" | awk '$1 == "50%" {print $2}' | to_ms) "
  P99[$1]+="$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms) "
  ERR[$1]=$(( ${ERR[$1]:-0} + $(echo "$out" | awk '/Non-2xx|Socket errors/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END {print s + 0}') ))
}
for r in $(seq "$RUNS"); do
  [ "$r" = 1 ] || serve 18090 --workers 2
  run plaintext 64 "$URL/plaintext"
  run actix_plaintext 64 "$PEER_URL/plaintext"
  run json 64 "$URL/json"
  run actix_json 64 "$PEER_URL/json"
  run wiki_w2 64 "$URL" "$PATHS"
  run offsets 1 "$URL/offsets/List_of_"
  serve 18090 --workers 1
  run wiki_w1 64 "$URL" "$PATHS"
  run plaintext_w1 64 "$URL/plaintext"
  echo "run $r of $RUNS done" >&2
done
stop_server

echo "| run | connections | requests/s | p50 | p99 | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
row() { # row KEY LABEL CONNECTIONS
  local rps p50 p99
  rps=$(echo "${RPS[$1]}" | median); p50=$(echo "${P50[$1]}" | median); p99=$(echo "${P99[$1]}" | median)
  record "server.$1.rps" "$rps"; record "server.$1.p50_ms" "$p50"; record "server.$1.p99_ms" "$p99"
  echo "| $2 | $3 | $rps | $p50 ms | $p99 ms | ${ERR[$1]} |"
}
row plaintext "/plaintext" 64
row actix_plaintext "actix-web peer: /plaintext" 64
row json "/json" 64
row actix_json "actix-web peer: /json" 64
row wiki_w2 "/wiki/{random title}, 2 workers" 64
row offsets "/offsets/List_of_ ($HITS hits)" 1
row wiki_w1 "/wiki/{random title}, 1 worker" 64
row plaintext_w1 "/plaintext, 1 worker" 64
record server.offsets.hits "$HITS"
record server.startup_ms "$STARTUP"
m() { echo "${RPS[$1]}" | median; }
echo
echo "Medians of $RUNS runs of ${SECS} s. Ratios: /wiki to /plaintext $(ratio "$(m wiki_w2)" "$(m plaintext)") (target 0.8);" \
  "/plaintext to actix-web $(ratio "$(m plaintext)" "$(m actix_plaintext)"), /json to actix-web" \
  "$(ratio "$(m json)" "$(m actix_json)") (aim: ahead); /wiki 2 workers to 1 worker" \
  "$(ratio "$(m wiki_w2)" "$(m wiki_w1)") (target 1.8); /offsets (${HITS} hits) median" \
  "$(echo "${P50[offsets]}" | median) ms (target 5 ms)."
echo "Start-up: first answer ${STARTUP} ms after launch, $PAGES-page index ($(du -sh "$DUMP" | cut -f1) dump)."
