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
TABLES="$(mktemp -d)"
PORT=18096
URL="http://127.0.0.1:$PORT"
"$BIN/folio-server" --data "$IDX" --tables "$TABLES" --listen "127.0.0.1:$PORT" --quiet > "$TABLES/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$TABLES"' EXIT
until curl -sf -o /dev/null "$URL/json"; do sleep 0.01; done

# The request mix, with titles, prefixes and ranges drawn from the index itself.
MIX="$TABLES/mix.lua"
python3 - "$URL" "$IDX" "$MIX" <<'PY'
import json, random, sys, urllib.parse, urllib.request
url, idx, out = sys.argv[1:4]
random.seed(7)
titles, after = [], ""
while len(titles) < 100000:
    q = urllib.parse.urlencode({"limit": 10000, "after": after})
    page = json.load(urllib.request.urlopen(f"{url}/titles?{q}"))
    titles += [(i["title"], i["page_id"]) for i in page["items"]]
    after = page["next"]
    if after is None:
        break
size = json.load(urllib.request.urlopen(f"{url}/stats"))["dataset"]["dump_bytes"]
enc = lambda t: urllib.parse.quote(t.replace(" ", "_"), safe="")
lua = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
sample = random.sample(titles, min(20000, len(titles)))
reqs = []
for _ in range(4000):
    t, pid = random.choice(sample)
    a = random.randrange(size - 70000)
    kind = random.random()
    if kind < 0.40 or (kind < 0.55 and len(t.strip()) < 4):
        reqs.append(("GET", "/wiki/" + enc(t), ""))
    elif kind < 0.55:
        reqs.append(("GET", "/offsets/" + enc(t[:4]), ""))
    elif kind < 0.70:
        reqs.append(("GET", f"/xml?range={a}-{a + random.randrange(1, 65536)}", ""))
    elif kind < 0.80:
        reqs.append(("GET", "/titles?" + urllib.parse.urlencode({"prefix": t[:2], "limit": 50}), ""))
    elif kind < 0.90:
        reqs.append(("POST", "/sql", f"SELECT title, start, \"end\" FROM pages WHERE page_id = {pid}"))
    else:
        reqs.append(("GET", "/updates?queries=5", ""))
with open(out, "w") as f:
    f.write("local reqs = {\n")
    for m, p, b in reqs:
        f.write(f"  {{{lua(m)}, {lua(p)}, {lua(b)}}},\n")
    f.write("}\n")
    f.write("""math.randomseed(os.time())
local sql = {["Content-Type"] = "text/plain"}
request = function()
  local r = reqs[math.random(#reqs)]
  if r[1] == "POST" then return wrk.format("POST", r[2], sql, r[3]) end
  return wrk.format("GET", r[2])
end
""")
PY

rss_anon_mib() { awk '/^RssAnon:/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
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
