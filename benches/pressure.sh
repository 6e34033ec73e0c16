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
serve 18097
PORT=18097
PATHS="$SERVER_TMP/paths.lua"
python3 benches/requests.py wiki "$URL" "$PATHS" --count 2000 --seed 3

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
printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Content-Type"] = "text/plain"\n' "$Q" > "$SERVER_TMP/q.lua"
rate=$(wrk -t2 -c8 -d"${SECS}s" -s "$SERVER_TMP/q.lua" "$URL/sql" | awk '/Requests\/sec/ {printf "%d", $2}')
before=$(rss_anon_mib)
echo "Sustainable rate (closed loop, 8 connections): $rate req/s. Offered open loop: $((rate * 2)) req/s for ${SECS}s."
python3 benches/pressure.py open 127.0.0.1 "$PORT" $((rate * 2)) "$SECS" "$Q"
echo "Server RssAnon: $before MiB before, $(rss_anon_mib) MiB after."
