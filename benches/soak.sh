#!/usr/bin/env bash
# The soak run: MINUTES of mixed load against one server, checking that nothing fails and memory
# settles.   benches/soak.sh [PAGES] [MINUTES]   (default 1000000 pages, 10 minutes)
#
# Builds the release binaries and a synthetic dump (benches/fixture.sh), serves it with fresh SQL
# tables, and runs wrk (-t2 -c64, on the same cores) one minute at a time with a Lua mix of
#   40% /wiki/{random title}      15% /offsets/{random 4-character prefix}
#   15% /xml byte ranges          10% /titles pages       10% POST /sql point queries
#   10% /updates?queries=5 (durable writes)
# After each minute it records the requests, the errors (socket errors and non-2xx answers)
# and the server's resident memory (anonymous: the mapped files do not count). It fails if any
# request failed, or if memory at the end is more than 10% above where it settled (the largest
# value of minutes 2 and 3). Prints a Markdown table for benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
MINUTES="${2:-10}"
source benches/fixture.sh
serve 18096
kill -0 "$SERVER_PID"

# The request mix, with titles, prefixes and ranges drawn from the index itself.
MIX="$SERVER_TMP/mix.lua"
python3 benches/requests.py mix "$URL" "$MIX" --seed 7

echo "| minute | requests/s | p99 | errors | RssAnon MiB |"
echo "| --- | --- | --- | --- | --- |"
echo "| 0 | | | | $(rss_anon_mib) |"
total_err=0
declare -a MEM
for m in $(seq "$MINUTES"); do
  out=$(wrk -t2 -c64 -d60s --latency -s "$MIX" "$URL")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  err=$(echo "$out" | awk '/Non-2xx|Socket errors/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END {print s + 0}')
  total_err=$((total_err + err))
  MEM[$m]=$(rss_anon_mib)
  echo "| $m | $rps | $p99 | $err | ${MEM[$m]} |"
  kill -0 "$SERVER_PID" || { echo "the server died" >&2; exit 1; }
done
settled=${MEM[2]}
[ "$MINUTES" -ge 3 ] && [ "${MEM[3]}" -gt "$settled" ] && settled=${MEM[3]}
final=${MEM[$MINUTES]}
echo
echo "Settled at $settled MiB (largest of minutes 2 and 3), ended at $final MiB; $total_err failed requests."
curl -sf "$URL/stats" | python3 -c 'import json, sys; s = json.load(sys.stdin); print("Load counters:", s["load"], "SQL:", s["sql"])'
if [ "$total_err" -ne 0 ]; then echo "FAIL: $total_err requests failed" >&2; exit 1; fi
if [ "$final" -gt $((settled * 110 / 100)) ]; then echo "FAIL: memory grew more than 10%" >&2; exit 1; fi
echo "PASS"
