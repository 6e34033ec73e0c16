#!/usr/bin/env bash
# Every core its own event loop (issue 16), measured so that sharing two cores with the load
# generator does not decide the figures:   benches/cores.sh [PAGES] [SECONDS] [RUNS]
# (default 1000000 pages, 10 s per run, 3 runs). Builds the release binaries, the actix-web peer
# (benches/peers/actix-hello) and oha; makes (or reuses) the synthetic dump (benches/fixture.sh).
#   A. Throughput, pinned: the server on core 0 with one worker, wrk (one thread, 64
#      connections) on core 1. /plaintext and /json of Folio per core, Folio's shared runtime
#      and actix-web (also pinned: one worker); /wiki/{random title} of both Folio runtimes.
#      RUNS interleaved runs, medians.
#   B. Server CPU time per request (user + system from /proc/PID/stat) at a fixed offered rate
#      below saturation (oha -q, on core 1): every kind of route, per core with one worker on
#      core 0; /wiki also with two workers (unpinned) and with the shared runtime.
#   C. Compression: /offsets/List_of_ and a page of about 100 KB, bytes on the wire and CPU per
#      request for no coding, gzip and zstd.
#   D. Cold reads: the page cache dropped, then the server started in a memory cgroup of 512 MiB
#      (cgroup v1, as root), so that the dump is mostly not in memory: /wiki on random titles at a fixed rate, and /json beside it,
#      p50 and p99 of each, both runtimes, against /json with the dump in memory.
# Prints Markdown for benches/RESULTS.md. FOLIO_CORES_PARTS="A B C D" picks the parts to run.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
RUNS="${3:-3}"
source benches/fixture.sh
oha_tool
actix_peer
HZ=$(getconf CLK_TCK)
machine_line
echo "- dump: $PAGES pages, $(stat -c %s "$DUMP") bytes of XML; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $("$OHA" --version)"

# pinned PORT FLAG...: folio-server on core 0 (fixture.sh's serve, under taskset), measured
# once its background check is done. With CGROUP set: started inside that memory cgroup, so
# all it reads is charged there.
pinned() {
  LAUNCH=(${CGROUP:+sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CGROUP"} taskset -c 0)
  serve "$@"
  LAUNCH=()
  wait_verified "$URL"
}

PATHS="$WORK/cores-wiki-$PAGES.lua"
pinned 18100 --workers 1
python3 benches/requests.py wiki "$URL" "$PATHS" --count 20000 --seed 16
sed "s|$URL/wiki/|/wiki/|" "$PATHS.urls" > "$WORK/cores-paths" # paths, to aim at any port
sed "s|^|$URL|" "$WORK/cores-paths" > "$WORK/cores-urls-wiki"

taskset -c 0 "$ACTIX" 127.0.0.1:18101 > /dev/null 2>&1 &
ACTIX_PID=$!
trap 'stop_server; kill $ACTIX_PID 2>/dev/null; true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:18101/plaintext"; do sleep 0.01; done

PARTS="${FOLIO_CORES_PARTS:-A B C D}"
part() { [[ " $PARTS " == *" $1 "* ]]; }

# ---- A. Throughput, pinned.
if part A; then
declare -A RPS
wrk1() { # wrk1 KEY URL [LUA]
  local out
  out=$(taskset -c 1 wrk -t1 -c64 -d"${SECS}s" ${3:+-s "$3"} "$2")
  RPS[$1]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
}
for r in $(seq "$RUNS"); do
  pinned 18100 --workers 1
  wrk1 core_plain "$URL/plaintext"
  wrk1 actix_plain "http://127.0.0.1:18101/plaintext"
  wrk1 core_json "$URL/json"
  wrk1 actix_json "http://127.0.0.1:18101/json"
  wrk1 core_wiki "$URL" "$PATHS"
  pinned 18100 --workers 1 --runtime shared
  wrk1 shared_plain "$URL/plaintext"
  wrk1 shared_json "$URL/json"
  wrk1 shared_wiki "$URL" "$PATHS"
  echo "A: run $r of $RUNS done" >&2
done
m() { echo "${RPS[$1]}" | median; }
echo
echo "### A. Throughput: server on core 0 (1 worker), wrk -t1 -c64 on core 1, medians of $RUNS x ${SECS} s"
echo
echo "| route | Folio per core | Folio shared runtime | actix-web | per core / actix-web | per core / shared |"
echo "| --- | --- | --- | --- | --- | --- |"
for k in plain json; do
  name=$([ $k = plain ] && echo /plaintext || echo /json)
  echo "| $name | $(m core_$k) | $(m shared_$k) | $(m actix_$k) | $(ratio "$(m core_$k)" "$(m actix_$k)") | $(ratio "$(m core_$k)" "$(m shared_$k)") |"
  record "cores.$k.rps" "$(m core_$k)"; record "cores.actix_$k.rps" "$(m actix_$k)"
done
echo "| /wiki/{random title} | $(m core_wiki) | $(m shared_wiki) | | | $(ratio "$(m core_wiki)" "$(m shared_wiki)") |"
echo
echo "/wiki to /plaintext, per core: $(ratio "$(m core_wiki)" "$(m core_plain)") (target 0.8)."
record cores.wiki.rps "$(m core_wiki)"
fi

# ---- B. CPU per request at a fixed rate.
# at_rate RATE URLFILE [CODING]: "served-rps p50-ms p99-ms cpu-µs-per-request non-2xx" of one oha
# run on core 1 against SERVER_PID (URLFILE: one URL per line), asking for CODING (default
# identity: oha asks for compressed answers unless told).
at_rate() {
  local rate=$1 urls=$2 coding=${3:-identity} before after
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 500 -c 4 --urls-from-file "$urls" \
    -H "accept-encoding: $coding" > /dev/null
  before=$(cpu_ticks "$SERVER_PID")
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$rate" -c 16 \
    --urls-from-file "$urls" -H "accept-encoding: $coding" --output-format json > "$WORK/cores-oha.json"
  after=$(cpu_ticks "$SERVER_PID")
  python3 - "$WORK/cores-oha.json" $((after - before)) "$HZ" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
codes = d.get("statusCodeDistribution", {})
n = sum(codes.values())
bad = sum(v for k, v in codes.items() if not k.startswith("2"))
p = d["latencyPercentiles"]
print(f"{d['summary']['requestsPerSec']:.0f} {p['p50'] * 1000:.2f} {p['p99'] * 1000:.2f} {ticks / hz * 1e6 / max(n, 1):.1f} {bad}")
PY
}
urls() { # urls NAME PATH...: a URL file of these paths on URL
  printf "$URL%s\n" "${@:2}" > "$WORK/cores-urls-$1"
  echo "$WORK/cores-urls-$1"
}
RATE="${FOLIO_CORES_RATE:-4000}"
if part B; then
pinned 18100 --workers 1
sed "s|^/wiki/|$URL/pages/|" "$WORK/cores-paths" > "$WORK/cores-urls-pages"
head -2000 "$WORK/cores-paths" | sed "s|^/wiki/|$URL/html/|" > "$WORK/cores-urls-html"
echo
echo "### B. Server CPU per request at $RATE requests/s offered (oha -c16 on core 1, ${SECS} s)"
echo
echo "| route | served/s | p50 | p99 | server CPU per request | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
row_b() { # row_b LABEL KEY RATE URLFILE
  local served p50 p99 cpu bad
  read -r served p50 p99 cpu bad < <(at_rate "$3" "$4")
  echo "| $1 | $served | $p50 ms | $p99 ms | $cpu µs | $bad |"
  record "cores.cpu.$2_us" "$cpu"
  CPU[$2]=$cpu
}
declare -A CPU
row_b "/plaintext, per core, 1 worker on core 0" plain "$RATE" "$(urls plain /plaintext)"
row_b "/json" json "$RATE" "$(urls json /json)"
row_b "/wiki/{random title}" wiki "$RATE" "$WORK/cores-urls-wiki"
row_b "/pages/{random title}" pages "$RATE" "$WORK/cores-urls-pages"
row_b "/offsets/Ana (prefix listing)" offsets "$RATE" "$(urls offsets /offsets/Ana)"
row_b "/suggest?q=ana (at 500/s)" suggest 500 "$(urls suggest '/suggest?q=ana')"
row_b "/db" db "$RATE" "$(urls db /db)"
row_b "/fortunes" fortunes "$RATE" "$(urls fortunes /fortunes)"
row_b "/html/{random title} (rendered)" html 500 "$WORK/cores-urls-html"
W1=""; W2=""
for r in $(seq "$RUNS"); do
  pinned 18100 --workers 1
  sed -i "s|^http://127.0.0.1:[0-9]*|$URL|" "$WORK/cores-urls-wiki"
  W1+="$(at_rate "$RATE" "$WORK/cores-urls-wiki" | cut -d' ' -f4) "
  stop_server
  serve 18100 --workers 2
  wait_verified "$URL"
  W2+="$(at_rate "$RATE" "$WORK/cores-urls-wiki" | cut -d' ' -f4) "
done
pinned 18100 --workers 1 --runtime shared
read -r served p50 p99 shared_cpu bad < <(at_rate "$RATE" "$WORK/cores-urls-wiki")
echo "| /wiki/{random title}, shared runtime, 1 worker on core 0 | $served | $p50 ms | $p99 ms | $shared_cpu µs | $bad |"
w1=$(echo "$W1" | median); w2=$(echo "$W2" | median)
record cores.cpu.wiki_w1_us "$w1"; record cores.cpu.wiki_w2_us "$w2"
echo
echo "/wiki CPU per request, 2 workers (unpinned) to 1 worker, medians of $RUNS alternating runs:" \
  "$w2 µs / $w1 µs = $(ratio "$w2" "$w1") (target at most 1.1)."
fi

# ---- C. Compression.
if part C; then
pinned 18100 --workers 1
BIG=$(curl -sf -X POST -H 'content-type: text/plain' "$URL/sql" --data \
  'SELECT title FROM pages WHERE redirect IS NULL ORDER BY abs(("end" - start) - 100000) LIMIT 1' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["title"].replace(" ", "_"))')
PAGE_PATH="/wiki/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$BIG")"
echo
echo "### C. Compression (server on core 0, 1 worker; oha on core 1)"
echo
echo "| answer | coding | bytes on the wire | served/s | server CPU per request |"
echo "| --- | --- | --- | --- | --- |"
for target in "/offsets/List_of_ 100" "$PAGE_PATH 400"; do
  set -- $target
  for coding in identity gzip zstd; do
    bytes=$(curl -s -o /dev/null -w '%{size_download}' -H "accept-encoding: $coding" "$URL$1")
    read -r served p50 p99 cpu bad < <(at_rate "$2" "$(urls comp "$1")" "$coding")
    echo "| $1 | $coding | $bytes | $served | $cpu µs |"
    record "cores.compress.$(basename "$1" | tr -c 'a-zA-Z0-9\n' '_').$coding.bytes" "$bytes"
  done
done
fi

# ---- D. Cold reads.
part D || exit 0
CG=/sys/fs/cgroup/memory/folio-cold
echo
echo "### D. Cold reads: the server in a 512 MiB memory cgroup, $(du -h "$DUMP" | cut -f1) dump, $(du -sh "$IDX" | cut -f1) index"
echo
if [ -w /sys/fs/cgroup/memory ] && mkdir -p "$CG" 2>/dev/null; then
  echo $((512 << 20)) > "$CG/memory.limit_in_bytes"
  echo "| runtime (1 worker, core 0) | /wiki random at 1000/s: served/s | p50 | p99 | /json at 200/s beside it: p50 | p99 |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for runtime in per-core shared; do
    stop_server
    # Nothing maps the dump now: drop it from the page cache, then start the server in the
    # cgroup (the page cache is charged to the cgroup that reads it first).
    sync
    echo 3 > /proc/sys/vm/drop_caches
    CGROUP="$CG" pinned 18100 --workers 1 --runtime "$runtime"
    sed -i "s|^http://127.0.0.1:[0-9]*|$URL|" "$WORK/cores-urls-wiki"
    taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q 200 -c 4 \
      --urls-from-file "$(urls json /json)" --output-format json > "$WORK/cores-json.json" &
    JSON_PID=$!
    sleep 1 # the /json run is under way before the cold reads start
    read -r served p50 p99 cpu bad < <(at_rate 1000 "$WORK/cores-urls-wiki")
    wait "$JSON_PID"
    read -r jp50 jp99 < <(python3 -c 'import json, sys; p = json.load(open(sys.argv[1]))["latencyPercentiles"]; print("%.2f %.2f" % (p["p50"] * 1000, p["p99"] * 1000))' "$WORK/cores-json.json")
    echo "| $runtime | $served | $p50 ms | $p99 ms | $jp50 ms | $jp99 ms |"
    record "cores.cold.$runtime.wiki_p99_ms" "$p99"; record "cores.cold.$runtime.json_p99_ms" "$jp99"
    stop_server
  done
  rmdir "$CG" 2>/dev/null || true
else
  echo "(skipped: needs root and the cgroup v1 memory controller)"
fi
