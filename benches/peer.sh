#!/usr/bin/env bash
# Folio against the Python peer, side by side:   benches/peer.sh [PAGES] [SECONDS] [RUNS]
# (default 1000000 pages, 10 s per run, 3 runs). Builds the release binaries and a synthetic
# dump (benches/fixture.sh); installs the peer (benches/peers/python: marisa-trie, numpy,
# uvicorn with uvloop and httptools, one worker process per core) in a venv and builds its index
# from the same dump; starts both; checks that they give the same answers; then measures
#   - start-up: launch to the first answered /offsets/List_of_ (and the peer index-load time),
#   - /wiki/{random title} at 64 connections (wrk -t2, same random titles for both): requests/s,
#     and the server's CPU time per request (user + system of every process of the server, from
#     /proc), which does not depend on how the cores are shared with wrk,
#   - /offsets/List_of_ (about 16,000 hits at a million pages) at one connection: its median,
# interleaving the two servers RUNS times and printing the medians and ratios in Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
RUNS="${3:-3}"
source benches/fixture.sh
CORES=$(nproc)
python_peer

PEER="http://127.0.0.1:18094"
trap 'stop_server; python_peer_stop' EXIT
serve 18093
FOLIO="$URL"
curl -sf -o /dev/null "$FOLIO/offsets/List_of_"
FOLIO_START=$(( ($(date +%s%N) - SERVE_T0) / 1000000 ))
t0=$(date +%s%N)
python_peer_start 18094 "$CORES"
PEER_START=$(( ($(date +%s%N) - t0) / 1000000 ))
sleep 2 # every worker has loaded
PEER_LOAD=$(awk '/index loaded in/ {print $5}' "$WORK/peer.log" | sort -g | tail -1)

# The same answers from both, and the same random titles for both.
LUA="$WORK/peer-paths.lua"
python3 benches/requests.py same "$FOLIO" "$PEER" "$LUA" --seed 11
HITS=$(curl -s "$FOLIO/offsets/List_of_" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')

# cpu_ticks PID: user + system clock ticks of PID and its child processes (uvicorn's workers).
cpu_ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
# wiki_run URL PID: "requests/s CPU-µs-per-request" of one wrk run against the server PID
wiki_run() {
  local before out
  before=$(cpu_ticks "$2")
  out=$(wrk -t2 -c64 -d"${SECS}s" -s "$LUA" "$1")
  local ticks=$(( $(cpu_ticks "$2") - before ))
  echo "$out" | awk -v t="$ticks" -v hz="$HZ" '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%s %.1f\n", r, t / hz * 1e6 / n}'
}
offsets_p50() { wrk -t1 -c1 -d"${SECS}s" --latency "$1/offsets/List_of_" | awk '$1 == "50%" {print $2}' | to_ms; }
F_WIKI="" P_WIKI="" F_CPU="" P_CPU="" F_OFF="" P_OFF=""
for run in $(seq "$RUNS"); do
  read -r rps cpu < <(wiki_run "$FOLIO" "$SERVER_PID"); F_WIKI+="$rps "; F_CPU+="$cpu "
  read -r rps cpu < <(wiki_run "$PEER" "$PEER_PID"); P_WIKI+="$rps "; P_CPU+="$cpu "
  F_OFF+="$(offsets_p50 "$FOLIO") "; P_OFF+="$(offsets_p50 "$PEER") "
  echo "run $run of $RUNS done" >&2
done
fw=$(echo "$F_WIKI" | median); pw=$(echo "$P_WIKI" | median)
fo=$(echo "$F_OFF" | median); po=$(echo "$P_OFF" | median)
fc=$(echo "$F_CPU" | median); pc=$(echo "$P_CPU" | median)
record peer.folio.wiki_cpu_us "$fc"; record peer.python.wiki_cpu_us "$pc"
record peer.folio.wiki_rps "$fw"; record peer.python.wiki_rps "$pw"
record peer.folio.offsets_ms "$fo"; record peer.python.offsets_ms "$po"
record peer.folio.startup_ms "$FOLIO_START"; record peer.python.startup_ms "$PEER_START"
record peer.python.load_s "$PEER_LOAD"; record peer.offsets_hits "$HITS"
echo "| measure ($PAGES pages, median of $RUNS) | Folio | Python peer ($CORES uvicorn workers) | Folio's advantage | target |"
echo "| --- | --- | --- | --- | --- |"
echo "| /wiki/{random title}, 64 connections | $fw req/s | $pw req/s | $(ratio "$fw" "$pw" 1) x | 20 x |"
echo "| /wiki: the server's CPU time per request | $fc µs | $pc µs | $(ratio "$pc" "$fc" 1) x | |"
echo "| /offsets/List_of_ ($HITS hits), median at 1 connection | $fo ms | $po ms | $(ratio "$po" "$fo" 1) x | 50 x |"
echo "| launch to first answer | $FOLIO_START ms | $PEER_START ms (index load: ${PEER_LOAD} s per worker) | $(ratio "$PEER_START" "$FOLIO_START" 1) x | ms vs s |"
