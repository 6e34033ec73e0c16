#!/usr/bin/env bash
# Compressed datasets (issue 15), one run, on a synthetic multistream dump of at least 1 GB of bz2
# (folio-ingest synth --multistream: 100 pages per stream, level 9, with its -index.txt.bz2):
#   benches/compressed.sh [SECONDS] [RUNS]     (default 10 s per load run, 3 runs)
#   FOLIO_BENCH_COMPRESSED_PAGES (default 1,400,000 pages: about 1.03 GB of bz2, 6.2 GB of XML)
# 1. Ingest: `build --compressed` with --threads 1 and --threads 2, alternated RUNS times, CPU
#    seconds (user + sys) and wall time of each, medians.
# 2. The index's own bytes per page, file by file, and that no decompressed copy exists.
# 3. Serving, the server pinned to core 0 (one worker; its decoding pool on the same core) and
#    wrk to core 1: /wiki on random titles with a stream cache too small to help (every request
#    decodes its page's stream, up to the page's end) against the CPU the decoding itself took (the server's own
#    decode_cpu_ns, thread CPU clocks); /wiki on titles whose streams are all cached against the
#    plain index of the same dump; /wiki on random titles with the default cache against plain.
#    Each server is measured once its background check of the index has finished.
#    And what the lean index (no title-ordered copy, format 6) costs a long listing:
#    /offsets/List_of_ against the plain index's.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS="${2:-3}"
PAGES="${FOLIO_BENCH_COMPRESSED_PAGES:-1400000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
source benches/lib.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -n "${FOLIO_BENCH_BUILT:-}" ] || cargo build --release --locked -p folio-server -p folio-ingest >&2
BIN="$CARGO_TARGET_DIR/release"
DATA="${FOLIO_BENCH_WORK:-$HOME/.cache/folio-bench}/compressed"
mkdir -p "$DATA"
DUMP="$DATA/synth-$PAGES-multistream.xml.bz2"
[ -s "$DUMP" ] || "$BIN/folio-ingest" synth --pages "$PAGES" --out "$DUMP" --multistream --quiet >&2
WORK="$(mktemp -d -p "$DATA")"
SERVER_PID=
trap '[ -z "$SERVER_PID" ] || kill $SERVER_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cat "$DUMP" > /dev/null

echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
echo "- dump: $PAGES pages, $(stat -c %s "$DUMP") bytes of multistream bz2 ($(ls "${DUMP%.xml.bz2}-index.txt.bz2" >/dev/null && echo "with its index file"))"

# 1. Ingest on one thread and on two, alternated RUNS times (medians: the machine is shared, and
#    one pair of builds can differ by 10 % from the next): "wall user sys" of /usr/bin/time.
timed() { /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >&2; cat "$WORK/time"; }
declare -A WALL CPUS
for r in $(seq "$RUNS"); do
  for t in 1 2; do
    rm -rf "$WORK/idx"
    read -r w u s < <(timed "$BIN/folio-ingest" build "$DUMP" --out "$WORK/idx" --compressed --quiet --threads "$t")
    WALL[$t]+="$w "
    CPUS[$t]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
  done
  echo "ingest run $r of $RUNS done" >&2
done
W1=$(echo "${WALL[1]}" | median); W2=$(echo "${WALL[2]}" | median)
CPU1=$(echo "${CPUS[1]}" | median); CPU2=$(echo "${CPUS[2]}" | median)
record compressed.ingest.speedup "$(ratio "$W1" "$W2")"
echo
echo "| ingest (\`build --compressed\`), median of $RUNS alternated runs | wall | CPU (user + sys) | each run's wall |"
echo "| --- | --- | --- | --- |"
echo "| --threads 1 | $W1 s | $CPU1 s | ${WALL[1]% } s |"
echo "| --threads 2 | $W2 s | $CPU2 s | ${WALL[2]% } s |"
echo "| 1 → 2 threads | $(ratio "$W1" "$W2") x faster | $(ratio "$CPU2" "$CPU1") x the CPU | |"

# 2. The index's bytes per page, and no XML anywhere.
echo
python3 - "$WORK/idx" <<'PY'
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
n, titles = m["counts"]["pages"], m["counts"]["title_bytes"]
optional = {"search_keys.fst", "search_order.npy", "search_weights.npy", "title_weights.npy", "disambiguation.npy"}
files = sorted(m["files"].items(), key=lambda kv: -kv[1]["bytes"])
print("| file | bytes per page |")
print("| --- | --- |")
for name, f in files:
    print(f"| {name}{' (suggestions, optional)' if name in optional else ''} | {f['bytes'] / n:.1f} |")
core = sum(f["bytes"] for name, f in files if name not in optional)
on_disk = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
xml = [f for f in os.listdir(d) if f.endswith(".xml")]
print(f"\nWithout the optional suggestion files: {core / n:.1f} bytes per page, of which {titles / n:.1f} are "
      f"title bytes (each title once): {(core - titles) / n:.1f} bytes per page besides the titles. The whole "
      f"directory: {on_disk / 2**20:.0f} MiB; XML files in it: {len(xml)} (the dump is the .bz2: "
      f"{m['compressed']['bytes'] / 2**30:.2f} GiB, {m['compressed']['streams']} streams, decoding to "
      f"{m['dump']['bytes'] / 2**30:.2f} GiB of XML that exists nowhere).")
with open(os.environ.get("FOLIO_BENCH_KV", os.devnull), "a") as kv:
    kv.write(f"compressed.index_bytes_per_page {(core - titles) / n:.1f}\n")
PY

# The plain index of the same dump (its XML decompressed into the index directory), to compare.
"$BIN/folio-ingest" build "$DUMP" --out "$WORK/plain" --quiet >&2

# 3. Serving.
URL=http://127.0.0.1:18096
serve() { # serve DIR [FLAGS...]: one server on core 0
  taskset -c 0 "$BIN/folio-server" --data "$1" --tables "$WORK/tables" --listen 127.0.0.1:18096 \
    --workers 1 --quiet "${@:2}" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.01; done
  # The background check runs on the same core: measure after it.
  wait_verified "$URL"
}
stop() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
decode_ns() { curl -sf "$URL/stats" | python3 -c 'import json,sys; c=json.load(sys.stdin)["dataset"]["compressed"]["stream_cache"]; print(c["decode_cpu_ns"], c["misses"])'; }
# Random existing titles, drawn once (from the plain server; the same paths for every server),
# and 200 titles, from about as many streams, whose decoded streams (about 0.5 MB each) all fit
# the default cache.
serve "$WORK/plain"
python3 benches/requests.py wiki "$URL" "$WORK/random.lua" --count 20000 --seed 15
python3 benches/requests.py wiki "$URL" "$WORK/few.lua" --count 200 --seed 16
LISTED=$(curl -sf "$URL/offsets/List_of_" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
printf 'request = function() return wrk.format("GET", "/offsets/List_of_") end\n' > "$WORK/list.lua"
stop
declare -A RPS P99 CPU ERR DEC
run() { # run NAME LUA: one wrk run, figures added to NAME's
  local before after n ns0 ns1 m0 m1 out
  before=$(cpu_ticks)
  [ "$1" != uncached ] || read -r ns0 m0 < <(decode_ns)
  out=$(taskset -c 1 wrk -t1 -c8 -d"${SECS}s" --latency -s "$WORK/$2.lua" "$URL")
  after=$(cpu_ticks)
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  if [ "$1" = uncached ]; then
    read -r ns1 m1 < <(decode_ns)
    DEC[$1]+="$(awk -v a="$ns0" -v b="$ns1" -v x="$m0" -v y="$m1" 'BEGIN {printf "%.1f", (b - a) / (y - x) / 1000}') "
  fi
  RPS[$1]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
  P99[$1]+="$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms) "
  CPU[$1]+="$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", t / hz / n * 1e6}') "
  ERR[$1]=$(( ${ERR[$1]:-0} + $(echo "$out" | awk '/Non-2xx|Socket errors/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END {print s + 0}') ))
}
for r in $(seq "$RUNS"); do
  serve "$WORK/idx" --stream-cache 1; run uncached random; stop
  serve "$WORK/idx"; taskset -c 1 wrk -t1 -c8 -d2s -s "$WORK/few.lua" "$URL" > /dev/null
  run cached few; run random random; run list list; stop
  serve "$WORK/plain"; run plain-few few; run plain-random random; run plain-list list; stop
  echo "run $r of $RUNS done" >&2
done
echo
echo "| /wiki/{title} | dataset | requests/s | p99 | server CPU per request | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
row() { echo "| $1 | $2 | $(echo "${RPS[$3]}" | median) | $(echo "${P99[$3]}" | median) ms | $(echo "${CPU[$3]}" | median) µs | ${ERR[$3]} |"; }
row "random titles, every stream decoded (1 MiB cache)" compressed uncached
row "200 titles, their streams cached" compressed cached
row "200 titles" plain plain-few
row "random titles, 256 MiB cache" compressed random
row "random titles" plain plain-random
echo
echo "| /offsets/List_of_ ($LISTED titles) | dataset | requests/s | p99 | server CPU per request | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
row "from pages.arrow through title_order.npy" "compressed (lean)" list
row "from the title-ordered copy" plain plain-list
record compressed.listing_cpu_over_plain "$(ratio "$(echo "${CPU[list]}" | median)" "$(echo "${CPU[plain-list]}" | median)")"
dec=$(echo "${DEC[uncached]}" | median); unc=$(echo "${CPU[uncached]}" | median)
record compressed.uncached_over_decode "$(ratio "$unc" "$dec")"
record compressed.cached_over_plain "$(ratio "$(echo "${CPU[cached]}" | median)" "$(echo "${CPU[plain-few]}" | median)")"
record compressed.random_rps_over_plain "$(ratio "$(echo "${RPS[random]}" | median)" "$(echo "${RPS[plain-random]}" | median)")"
echo
echo "Medians of $RUNS runs of $SECS s, wrk -t1 -c8, server on core 0 with 1 worker, wrk on core 1." \
  "Uncached: $unc µs of server CPU per request, against $dec µs of CPU to decode its stream up to the page's end" \
  "(the server's decode_cpu_ns over its misses in the same runs): $(ratio "$unc" "$dec") x." \
  "Cached: $(ratio "$(echo "${CPU[cached]}" | median)" "$(echo "${CPU[plain-few]}" | median)") x the CPU per request of plain," \
  "$(ratio "$(echo "${RPS[cached]}" | median)" "$(echo "${RPS[plain-few]}" | median)") x its requests/s." \
  "Random titles with the default cache: $(ratio "$(echo "${RPS[random]}" | median)" "$(echo "${RPS[plain-random]}" | median)" 4) x plain's requests/s."
