#!/usr/bin/env bash
# Full-text search on a synthetic dump (issue 13), in one run:
#   benches/fulltext.sh [PAGES] [RATE] [SECONDS]     (default 1000000 pages, 20 requests/s, 30 s)
# 1. Build: `folio-ingest fulltext` on the index of the dump (built first if missing), timed:
#    CPU seconds (user + sys), wall seconds, MB of article XML per CPU-second (per core), and
#    the full-text index's size against the dump's.
# 2. /search latency for two-word queries (two words of one random article's text) at a fixed
#    offered rate below saturation: the server pinned to core 0, oha (open loop) on core 1;
#    p50, p99 and the server's CPU time per request, with snippets (the default) and without.
# The dump and its index stay in $FOLIO_BENCH_WORK (default ~/.cache/folio-bench/search), shared
# with benches/search.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RATE="${2:-20}"
SECS="${3:-30}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
source benches/lib.sh
synthetic_dump "$PAGES"
IDX="$WORK/idx-fulltext"
[ -f "$IDX/manifest.json" ] || "$BIN/folio-ingest" build "$DUMP" --out "$IDX" --quiet > /dev/null

# 1. The build.
out=$( { /usr/bin/time -f "TIME %U %S %e %M" "$BIN/folio-ingest" fulltext "$IDX" --quiet; } 2>&1 )
line=$(echo "$out" | grep '^indexed')
read -r _ user sys wall maxrss <<< "$(echo "$out" | grep '^TIME')"
cpu=$(awk -v a="$user" -v b="$sys" 'BEGIN {printf "%.1f", a + b}')
xml=$(echo "$line" | sed -E 's/.*\(([0-9.]+) GB of XML\).*/\1/')
ft_dir="$IDX/$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['fulltext']['dir'])" "$IDX/manifest.json")"
ft_bytes=$(du -sb "$ft_dir" | awk '{print $1}')
docs=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['fulltext']['documents'])" "$IDX/manifest.json")
echo "- fulltext build: $line"
echo "- fulltext build: $docs articles, ${xml} GB of article XML, CPU ${cpu} s (user $user + sys $sys), wall $wall s, peak RSS $((maxrss / 1024)) MiB"
echo "- fulltext build speed: $(awk -v x="$xml" -v c="$cpu" 'BEGIN {printf "%.1f", x * 1000 / c}') MB of article XML per CPU-second (target at least 20 per core); wall $(awk -v x="$xml" -v w="$wall" 'BEGIN {printf "%.1f", x * 1000 / w}') MB/s on $(nproc) cores"
echo "- fulltext index: $ft_bytes bytes, $(awk -v f="$ft_bytes" -v d="$(stat -c %s "$DUMP")" 'BEGIN {printf "%.1f", 100 * f / d}') % of the dump, $(awk -v f="$ft_bytes" -v n="$docs" 'BEGIN {printf "%.0f", f / n}') bytes per article"
record fulltext_build_mb_per_cpu_s "$(awk -v x="$xml" -v c="$cpu" 'BEGIN {printf "%.1f", x * 1000 / c}')"

# 2. The server on core 0, oha on core 1.
URL=http://127.0.0.1:18099
taskset -c 0 "$BIN/folio-server" --data "$IDX" --tables "$WORK/tables-ft" --listen 127.0.0.1:18099 \
  --workers 1 --quiet > "$WORK/server-ft.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait 2>/dev/null' EXIT
until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.05; done
# The background check of the dump reads all of it on the server's core: measure after it.
wait_verified "$URL"
echo "- queries: $(python3 benches/requests.py fulltext "$URL" "$WORK/queries.fulltext" --count 1000 --seed 17)"
sed 's/$/\&snippets=false/' "$WORK/queries.fulltext" > "$WORK/queries.fulltext-bare"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
for kind in fulltext fulltext-bare; do
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 1000 -c 2 --urls-from-file "$WORK/queries.$kind" > /dev/null
  before=$(cpu_ticks)
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$RATE" -c 4 \
    --urls-from-file "$WORK/queries.$kind" --output-format json > "$WORK/oha-$kind.json"
  after=$(cpu_ticks)
  python3 - "$WORK/oha-$kind.json" "$kind" "$RATE" $((after - before)) "$(getconf CLK_TCK)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
kind, rate, ticks, hz = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
s, p = d["summary"], d["latencyPercentiles"]
codes = d.get("statusCodeDistribution", {})
n = sum(codes.values())
what = "with snippets" if kind == "fulltext" else "snippets=false"
print(f"- /search two words, {what}: offered {rate}/s, served {s['requestsPerSec']:.0f}/s, {n} answers {codes}, "
      f"p50 {p['p50'] * 1e3:.2f} ms, p99 {p['p99'] * 1e3:.2f} ms, max {s['slowest'] * 1e3:.2f} ms, "
      f"server CPU {ticks / hz / max(n, 1) * 1e3:.2f} ms/request")
PY
done
