#!/usr/bin/env bash
# The rest of the API while every ad-hoc SQL slot is held by hostile queries:
#   benches/hostile.sh [PAGES] [SECONDS]     (default 1000000 pages, 10 s per run)
# Builds the release binaries and the fixture (benches/fixture.sh), serves it with the default SQL
# limits (512 MiB per query, 1 GiB in all: two workers) and a 5 s time limit, the server pinned
# to core 0 (its SQL workers inherit the pin and run at nice 10) and wrk to core 1. For /wiki
# (random titles), /json, /db and /offsets/List_of_, wrk -t1 -c16: once with SQL idle, once while
# two client loops keep both SQL slots busy with hostile queries (an endless count over
# generate_series, stopped at the time limit; repeat('x', 2e9), stopped at the memory limit).
# Prints req/s, p99 and the server's own CPU time per request (utime + stime of the server
# process, from /proc; the workers are other processes), and the SQL outcomes.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
source benches/fixture.sh
stop_server
SERVER_TMP="$(mktemp -d)"
URL="http://127.0.0.1:18099"
taskset -c 0 "$BIN/folio-server" --data "$IDX" --tables "$SERVER_TMP/tables" --listen 127.0.0.1:18099 \
  --quiet --sql-timeout 5 > "$SERVER_TMP/server.log" 2>&1 &
SERVER_PID=$!
until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.01; done
WIKI="$SERVER_TMP/wiki.lua"
python3 benches/requests.py wiki "$URL" "$WIKI" --count 2000 --seed 5

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
HZ=$(getconf CLK_TCK)
run() { # run NAME: one wrk run per route; prints table rows
  for route in /wiki /json /db /offsets/List_of_; do
    local args=("$URL$route")
    [ "$route" = /wiki ] && args=(-s "$WIKI" "$URL")
    local t0 out t1 rps p99 n
    t0=$(cpu_ticks)
    out=$(taskset -c 1 wrk -t1 -c16 -d"${SECS}s" --latency "${args[@]}")
    t1=$(cpu_ticks)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms)
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    local us
    us=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.1f", d / hz * 1e6 / n}')
    record "hostile.$1.$route.rps" "$rps"
    record "hostile.$1.$route.p99_ms" "$p99"
    echo "| $route | $1 | $rps | $p99 ms | $us µs |"
  done
}

echo "| route | SQL slots | requests/s | p99 | server CPU per request |"
echo "| --- | --- | --- | --- | --- |"
run idle
hostile() {
  while :; do
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: text/plain' \
      --data 'SELECT count(*) FROM generate_series(1, 1000000000000)' "$URL/sql" || true
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: text/plain' \
      --data "SELECT length(repeat('x', 2000000000))" "$URL/sql" || true
  done
}
taskset -c 1 bash -c "$(declare -f hostile); URL=$URL; hostile" > "$SERVER_TMP/a.log" 2>&1 &
H1=$!
taskset -c 1 bash -c "$(declare -f hostile); URL=$URL; hostile" > "$SERVER_TMP/b.log" 2>&1 &
H2=$!
until [ "$(curl -sf "$URL/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sql"]["workers"]["busy"])')" = 2 ]; do
  sleep 0.05
done
run hostile
kill "$H1" "$H2" 2>/dev/null || true
wait "$H1" "$H2" 2>/dev/null || true
curl -sf "$URL/stats" | python3 -c 'import json, sys
w = json.load(sys.stdin)["sql"]["workers"]
print("\nSQL workers during the run: %d started, %d stopped at the time limit, %d at the memory limit, %d lost." % (
    w["started"], w["stopped_time"], w["stopped_memory"], w["lost"]))'
echo "Server RssAnon after: $(rss_anon_mib) MiB."
