#!/usr/bin/env bash
# Slow clients and overload, measured:   benches/pressure.sh [PAGES] [SECONDS]
# (default 1000000 pages, 10 s per run). Builds the release binaries and a synthetic dump
# (benches/fixture.sh) and serves it, then:
#  1. Slow clients: wrk (-t1 -c32) on random /wiki pages alone, then again while 1,000 other
#     connections trickle a request head one byte every 500 ms (benches/pressure.py slow).
#     Prints both p99s and their ratio (the target: at most 10x).
#  2. Overload: finds the sustainable rate of a CPU-heavy query (SELECT ns, count(*) FROM pages
#     GROUP BY ns, wrk closed loop), then offers twice that rate open loop
#     (benches/pressure.py open): how many answers are 200 and how many 503 with Retry-After,
#     the p99 of the 200s, and the server's memory before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
source benches/fixture.sh
TABLES="$(mktemp -d)"
PORT=18097
URL="http://127.0.0.1:$PORT"
"$BIN/folio-server" --data "$IDX" --tables "$TABLES" --listen "127.0.0.1:$PORT" --quiet > "$TABLES/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$TABLES"' EXIT
until curl -sf -o /dev/null "$URL/json"; do sleep 0.01; done
rss_anon_mib() { awk '/^RssAnon:/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
to_ms() { awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}'; }

PATHS="$TABLES/paths.lua"
python3 - "$URL" "$PATHS" <<'PY'
import json, random, sys, urllib.parse, urllib.request
url, out = sys.argv[1:3]
random.seed(3)
page = json.load(urllib.request.urlopen(f"{url}/titles?limit=10000"))
paths = ["/wiki/" + urllib.parse.quote(i["title"].replace(" ", "_"), safe="") for i in page["items"]]
with open(out, "w") as f:
    f.write("local paths = {" + ",".join(json.dumps(p) for p in random.sample(paths, 2000)) + "}\n")
    f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
PY
p99() { wrk -t1 -c32 -d"${SECS}s" --latency -s "$PATHS" "$URL" | awk '$1 == "99%" {print $2}' | to_ms; }

echo "## Slow clients"
alone=$(p99)
python3 benches/pressure.py slow 127.0.0.1 "$PORT" 1000 $((SECS + 4)) &
SLOW=$!
sleep 3
loaded=$(p99)
wait $SLOW
echo "| run | p99 of /wiki (wrk -t1 -c32) |"
echo "| --- | --- |"
echo "| alone | $alone ms |"
echo "| with 1,000 slow clients | $loaded ms |"
echo "Ratio: $(awk -v a="$loaded" -v b="$alone" 'BEGIN {printf "%.2f", a / b}') (target: at most 10)."

echo
echo "## Overload"
Q='SELECT ns, count(*) FROM pages GROUP BY ns'
printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "text/plain"\n' "$Q" > "$TABLES/q.lua"
rate=$(wrk -t2 -c8 -d"${SECS}s" -s "$TABLES/q.lua" "$URL/sql" | awk '/Requests\/sec/ {printf "%d", $2}')
before=$(rss_anon_mib)
echo "Sustainable rate (closed loop, 8 connections): $rate req/s. Offered open loop: $((rate * 2)) req/s for ${SECS}s."
python3 benches/pressure.py open 127.0.0.1 "$PORT" $((rate * 2)) "$SECS" "$Q"
echo "Server RssAnon: $before MiB before, $(rss_anon_mib) MiB after."
