#!/usr/bin/env bash
# The TechEmpower routes and SQL under load, side by side with /json in one run:
#   benches/tfb.sh [PAGES] [SECONDS] [RUNS]     (default 1000000 pages, 5 s per run, 3 runs)
# Builds the release binaries, makes (or reuses) a synthetic dump of PAGES pages and its index,
# serves it with fresh SQL tables, and runs wrk (-t2, --latency) against /json, /db, /fortunes,
# /queries?queries=20 and /updates?queries=20 at 64, 256 and 512 connections, interleaved so
# that each ratio compares runs made minutes apart at most. Prints the median of RUNS runs per
# cell and each route's ratio to /json at the same concurrency, then times
# `SELECT ns, count(*) FROM pages GROUP BY ns` over HTTP (median of 7, after one warm-up).
# wrk runs on the same cores as the server. /updates is durable: every answer waits for fdatasync.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-5}"
RUNS="${3:-3}"
source benches/fixture.sh
serve 18092

ROUTES=(/json /db /fortunes "/queries?queries=20" "/updates?queries=20")
CONNS=(64 256 512)
declare -A RPS P99 ERR
wrk_once() { # wrk_once PATH CONNECTIONS: "req/s p99 errors"
  local out
  out=$(wrk -t2 -c"$2" -d"${SECS}s" --latency "$URL$1")
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') \
$(echo "$out" | awk '$1 == "99%" {print $2}') \
$(echo "$out" | awk '/Non-2xx|Socket errors/ {s += $NF} END {print s + 0}')"
}
for run in $(seq "$RUNS"); do
  for c in "${CONNS[@]}"; do
    for r in "${ROUTES[@]}"; do
      read -r rps p99 err < <(wrk_once "$r" "$c")
      RPS["$r,$c"]+="$rps "
      P99["$r,$c"]+="$p99 "
      ERR["$r,$c"]=$(( ${ERR["$r,$c"]:-0} + err ))
    done
  done
  echo "run $run of $RUNS done" >&2
done

echo "| route | connections | requests/s (median of $RUNS) | ratio to /json | p99 (median) | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
for c in "${CONNS[@]}"; do
  base=$(echo "${RPS["/json,$c"]}" | median)
  for r in "${ROUTES[@]}"; do
    rps=$(echo "${RPS["$r,$c"]}" | median)
    p99=$(echo "${P99["$r,$c"]}" | to_ms | median)
    ratio=$(ratio "$rps" "$base")
    record "tfb.$r.$c.rps" "$rps"
    record "tfb.$r.$c.p99_ms" "$p99"
    echo "| $r | $c | $rps | $ratio | ${p99} ms | ${ERR["$r,$c"]} |"
  done
done
curl -sf "$URL/stats" | python3 -c 'import json, sys
sql = json.load(sys.stdin)["sql"]
said = ", ".join("%s %s" % (k.replace("_", " "), format(v, ",")) for k, v in sql.items() if isinstance(v, int))
print("\nCounters after the run (from `/stats`): %s." % said)'

Q='SELECT ns, count(*) FROM pages GROUP BY ns'
curl -sf -o /dev/null -H 'Content-Type: text/plain' --data "$Q" "$URL/sql"
times=""
for _ in 1 2 3 4 5 6 7; do
  times+="$(curl -sf -o /dev/null -w '%{time_total}' -H 'Content-Type: text/plain' --data "$Q" "$URL/sql") "
done
GROUP_MS=$(echo "$times" | median | awk '{printf "%.1f", $1 * 1000}')
record tfb.group_by_ms "$GROUP_MS"
echo
echo "\`$Q\` over $PAGES pages, over HTTP: $GROUP_MS ms (median of 7)."
