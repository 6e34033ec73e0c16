#!/usr/bin/env bash
# Replicas behind HAProxy (issue 17), on this machine's two cores:
#   benches/replicas.sh [PAGES] [SECONDS] [RUNS]   (default 200000 pages, 10 s per run, 3 runs)
# Builds the release binaries and the synthetic dump (benches/fixture.sh); needs haproxy.
#   A. Throughput of /wiki/{random title} and /json with everything served on core 0 and wrk
#      (one thread, 64 connections) on core 1: one folio-server (1 worker) alone; HAProxy and
#      one replica; HAProxy and three replicas (deploy/replicas.sh, 1 worker each). Two cores
#      cannot show three replicas going faster than one: what this shows is what the proxy
#      and the extra processes cost per core, which is what a plan for more machines needs.
#   B. CPU time per request (user + system from /proc/PID/stat over the same runs): HAProxy's,
#      and the replicas' together, against the lone server's.
#   C. Memory of three replicas of one index: each one's RSS and PSS (proportional: a page
#      shared by three counts a third to each), and the PSS of the mapped index and dump.
# Prints Markdown for benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-200000}"
SECS="${2:-10}"
RUNS="${3:-3}"
source benches/fixture.sh
command -v haproxy > /dev/null || { apt-get update -qq && apt-get install -y -qq haproxy; }
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
echo "- dump: $PAGES pages, $(stat -c %s "$DUMP") bytes of XML; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $(haproxy -v | head -1 | cut -d' ' -f1-3)"

PATHS="$WORK/replicas-wiki-$PAGES.lua"
serve 18200 --workers 1
wait_verified "$URL"
python3 benches/requests.py wiki "$URL" "$PATHS" --count 20000 --seed 17 > /dev/null
stop_server

RUN="$(mktemp -d)"
cluster_stop() { deploy/replicas.sh stop --run "$RUN" > /dev/null 2>&1 || true; }
trap 'stop_server; cluster_stop; rm -rf "$RUN"' EXIT
# cluster N: HAProxy and N replicas of the fixture's index, all on core 0, on port 18300.
cluster() {
  cluster_stop
  taskset -c 0 deploy/replicas.sh start --replicas "$1" --listen 127.0.0.1:18300 --run "$RUN" --workers 1 \
    --bin "$BIN/folio-server" -- --data "$IDX" > /dev/null
  for k in $(seq "$1"); do wait_verified "http://127.0.0.1:$((18300 + k))"; done
  URL=http://127.0.0.1:18300
}
# pids of what serves: HAProxy's, then the replicas'.
haproxy_pid() { cat "$RUN/haproxy.pid"; }
replica_pids() { cat "$RUN"/replica-*.pid; }
sum_ticks() { local t=0; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo $t; }

declare -A RPS PROXY SERVERS
# measure KEY URL [LUA]: wrk on core 1; requests/s, and CPU µs per request of the proxy and
# the servers (PROXY_PIDS and SERVER_PIDS).
measure() {
  local p0 s0 out n
  p0=$(sum_ticks ${PROXY_PIDS[@]+"${PROXY_PIDS[@]}"}) s0=$(sum_ticks "${SERVER_PIDS[@]}")
  out=$(taskset -c 1 wrk -t1 -c64 -d"${SECS}s" ${3:+-s "$3"} "$2")
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  RPS[$1]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
  PROXY[$1]+="$(awk -v t="$(( $(sum_ticks ${PROXY_PIDS[@]+"${PROXY_PIDS[@]}"}) - p0 ))" -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz / n * 1e6}') "
  SERVERS[$1]+="$(awk -v t="$(( $(sum_ticks "${SERVER_PIDS[@]}") - s0 ))" -v n="$n" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz / n * 1e6}') "
}
for r in $(seq "$RUNS"); do
  LAUNCH=(taskset -c 0)
  serve 18200 --workers 1
  LAUNCH=()
  wait_verified "$URL"
  PROXY_PIDS=() SERVER_PIDS=("$SERVER_PID")
  measure alone_json "$URL/json"
  measure alone_wiki "$URL" "$PATHS"
  stop_server
  for n in 1 3; do
    cluster "$n"
    PROXY_PIDS=("$(haproxy_pid)")
    mapfile -t SERVER_PIDS < <(replica_pids)
    measure "r${n}_json" "$URL/json"
    measure "r${n}_wiki" "$URL" "$PATHS"
  done
  echo "A: run $r of $RUNS done" >&2
done
m() { echo "${RPS[$1]}" | median; }
mp() { echo "${PROXY[$1]}" | median; }
ms() { echo "${SERVERS[$1]}" | median; }
echo
echo "### A and B. Everything on core 0, wrk -t1 -c64 on core 1, medians of $RUNS x ${SECS} s"
echo
echo "| route | served by | requests/s | / alone | HAProxy CPU µs/request | folio-server(s) CPU µs/request |"
echo "| --- | --- | --- | --- | --- | --- |"
for route in json wiki; do
  name=$([ $route = json ] && echo /json || echo "/wiki/{random title}")
  echo "| $name | one folio-server, no proxy | $(m alone_$route) | 1.00 | | $(ms alone_$route) |"
  for n in 1 3; do
    echo "| $name | HAProxy + $n replica(s) | $(m r${n}_$route) | $(ratio "$(m r${n}_$route)" "$(m alone_$route)") | $(mp r${n}_$route) | $(ms r${n}_$route) |"
    record "replicas.r${n}_$route.rps" "$(m r${n}_$route)"
  done
  record "replicas.alone_$route.rps" "$(m alone_$route)"
done

# ---- C. Memory of three replicas, after a load that touched pages all over the dump.
cluster 3
taskset -c 1 wrk -t1 -c64 -d"${SECS}s" -s "$PATHS" "$URL" > /dev/null
echo
echo "### C. Memory of three replicas of one index (after ${SECS} s of /wiki on random titles)"
echo
echo "| replica | RSS MiB | PSS MiB | of which the mapped index and dump: RSS MiB | PSS MiB |"
echo "| --- | --- | --- | --- | --- |"
k=0
total_rss=0 total_pss=0
for p in $(replica_pids); do
  k=$((k + 1))
  read -r rss pss < <(awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} END {print r, p}' "/proc/$p/smaps_rollup")
  # smaps: the entries of files under the index directory or the dump.
  read -r frss fpss < <(awk -v idx="$IDX" -v dump="$DUMP" '
    /^[0-9a-f]+-[0-9a-f]+ / { mapped = (index($6, idx) == 1 || $6 == dump) }
    mapped && /^Rss:/ { r += $2 } mapped && /^Pss:/ { p += $2 }
    END { print r + 0, p + 0 }' "/proc/$p/smaps")
  total_rss=$((total_rss + rss)) total_pss=$((total_pss + pss))
  echo "| $k | $((rss / 1024)) | $((pss / 1024)) | $((frss / 1024)) | $((fpss / 1024)) |"
done
echo "| all three | $((total_rss / 1024)) | $((total_pss / 1024)) | | |"
echo
echo "PSS is what the three cost the machine together; RSS counts the shared pages three times."
record replicas.pss_mib "$((total_pss / 1024))"
record replicas.rss_mib "$((total_rss / 1024))"
