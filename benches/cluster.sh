#!/usr/bin/env bash
# SQL on a Ballista cluster against the server's own /sql (issue 17):
#   benches/cluster.sh [PAGES] [RUNS]   (default 1000000 pages, 5 runs of each statement)
# Builds the release binaries (benches/fixture.sh) and folio-cluster (cluster/, release), indexes
# a synthetic dump of PAGES pages, and serves its page table twice, as datasets `a` and `b`
# (one file, read twice: the union has 2 x PAGES rows). The same statements then run:
#   - on /sql of one folio-server with both datasets (its SQL worker process; curl's total time,
#     warm: the first run of each statement is not counted);
#   - on a Ballista cluster of one scheduler and two executors of one task slot each, all on this
#     machine (`folio-cluster query --scheduler ... --timing`: planning, scheduling, running and
#     collecting the answer, without the client process's start);
#   - on folio-cluster's standalone mode (scheduler and executor in the client process).
# Both sides use both cores. Prints Markdown for benches/RESULTS.md: the median time of each.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RUNS="${2:-5}"
source benches/fixture.sh
if [ -z "${FOLIO_BENCH_BUILT:-}" ]; then
  (cd cluster && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/cluster" cargo build --release --locked >&2)
fi
CLUSTER="$CARGO_TARGET_DIR/cluster/release/folio-cluster"
TMP="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
echo "- data: a synthetic dump of $PAGES pages, its pages.arrow ($(stat -c %s "$IDX/pages.arrow") bytes) served as datasets a and b"

"$BIN/folio-server" --data "a=$IDX" --data "b=$IDX" --tables "$TMP/tables" --listen 127.0.0.1:18400 --quiet \
  --sql-timeout 120 --sql-memory 4096 --sql-memory-total 4096 > "$TMP/server.log" 2>&1 &
PIDS+=($!)
URL=http://127.0.0.1:18400
until curl -sf -o /dev/null "$URL/ready"; do sleep 0.05; done
"$CLUSTER" scheduler --bind 127.0.0.1:18450 > "$TMP/scheduler.log" 2>&1 &
PIDS+=($!)
until grep -q "scheduler at" "$TMP/scheduler.log"; do sleep 0.05; done
for k in 1 2; do
  "$CLUSTER" executor --scheduler 127.0.0.1:18450 --bind "127.0.0.1:$((18450 + 2 * k))" \
    --grpc-port "$((18451 + 2 * k))" --slots 1 > "$TMP/executor-$k.log" 2>&1 &
  PIDS+=($!)
done
DATA=(--data "a=$IDX" --data "b=$IDX")

# sql_ms SQL: /sql's time in ms for one run.
sql_ms() {
  curl -sf -o /dev/null -w '%{time_total}\n' "$URL/sql" -H 'Content-Type: text/plain' --data-binary "$1" |
    awk '{printf "%.1f\n", $1 * 1000}'
}
# cluster_ms SQL [--scheduler URL]: the statement's time in ms as folio-cluster reports it.
cluster_ms() {
  local sql=$1
  shift
  "$CLUSTER" query "${DATA[@]}" "$@" --timing --format csv --timeout 300 "$sql" 2>&1 > /dev/null |
    awk '/ rows? in / {print $4}'
}

echo
echo "| statement | /sql (ms) | Ballista, scheduler + 2 executors (ms) | Ballista standalone (ms) |"
echo "| --- | ---: | ---: | ---: |"
while IFS= read -r sql; do
  [ -n "$sql" ] || continue
  sql_ms "$sql" > /dev/null
  cluster_ms "$sql" --scheduler df://127.0.0.1:18450 > /dev/null
  local_runs=() remote_runs=() standalone_runs=()
  for _ in $(seq "$RUNS"); do
    local_runs+=("$(sql_ms "$sql")")
    remote_runs+=("$(cluster_ms "$sql" --scheduler df://127.0.0.1:18450)")
    standalone_runs+=("$(cluster_ms "$sql")")
  done
  echo "| \`$sql\` | $(echo "${local_runs[@]}" | median) | $(echo "${remote_runs[@]}" | median) | $(echo "${standalone_runs[@]}" | median) |"
done <<'SQL'
SELECT dataset, ns, count(*) AS n FROM all_pages GROUP BY dataset, ns
SELECT dataset, sum("end" - start) AS bytes, max(length(title)) AS longest FROM all_pages GROUP BY dataset
SELECT dataset, title FROM all_pages WHERE title LIKE 'List of%' ORDER BY "end" - start DESC LIMIT 10
SELECT count(*) AS n FROM a.pages x JOIN b.pages y ON x.title = y.title AND x.ns = y.ns
SQL
echo
echo "(median of $RUNS runs each; /sql and the cluster answered the same rows in tests/python/test_cluster.py)"
