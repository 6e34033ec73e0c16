#!/usr/bin/env bash
# HTTP load runs of folio-server with wrk, side by side in one run:
#   benches/server.sh [PAGES] [SECONDS]      (default 1000000 pages, 10 s per run)
# Builds the release binaries, makes (or reuses) a synthetic dump of PAGES pages and its index,
# measures the time from start to the first answer, then runs wrk (-t2 -c64 --latency) against
# /plaintext, /json, /wiki/{random existing title} (with --workers 2 and --workers 1) and
# /offsets/{a prefix with ~16,000 hits} (one connection, for its latency), and /plaintext and
# /json of a minimal actix-web server (benches/peers/actix-hello) as a peer, and prints Markdown.
# wrk runs on the same cores as the server: absolute figures are lower than on separate machines.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
source benches/fixture.sh
(cd benches/peers/actix-hello && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/peers" cargo build --release --locked >&2)
PEER="$CARGO_TARGET_DIR/peers/release/actix-hello"
PORT=18090
URL="http://127.0.0.1:$PORT"
SERVER_PID=""
start() { # start WORKERS: starts the server; STARTUP_MS = ms until its first answer
  local t0 t1
  t0=$(date +%s%N)
  "$BIN/folio-server" --data "$IDX" --listen "127.0.0.1:$PORT" --workers "$1" --quiet > /dev/null 2>&1 &
  SERVER_PID=$!
  until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.002; done
  t1=$(date +%s%N)
  STARTUP_MS=$(( (t1 - t0) / 1000000 ))
}
stop() { kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; }
PEER_URL="http://127.0.0.1:18095"
"$PEER" 127.0.0.1:18095 > /dev/null 2>&1 &
PEER_PID=$!
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null; kill $PEER_PID 2>/dev/null; true' EXIT
until curl -sf -o /dev/null "$PEER_URL/plaintext"; do sleep 0.01; done

# Random existing titles, percent-encoded, from the page table.
PATHS="$WORK/wiki-paths-$PAGES.txt"
if [ ! -f "$PATHS" ]; then
  start 2
  python3 - "$URL" "$PATHS" <<'PY'
import json, random, sys, urllib.parse, urllib.request
url, out = sys.argv[1], sys.argv[2]
random.seed(1)
titles, after = [], ""
while len(titles) < 200000:
    q = urllib.parse.urlencode({"limit": 10000, "after": after})
    page = json.load(urllib.request.urlopen(f"{url}/titles?{q}"))
    titles += [i["title"] for i in page["items"]]
    after = page["next"]
    if after is None:
        break
sample = random.sample(titles, min(20000, len(titles)))
with open(out, "w") as f:
    for t in sample:
        f.write("/wiki/" + urllib.parse.quote(t.replace(" ", "_"), safe="") + "\n")
PY
  stop
fi
LUA="$WORK/paths.lua"
cat > "$LUA" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("FOLIO_PATHS")) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

run() { # run LABEL CONNECTIONS PATH [LUA]: one wrk run, prints "req/s p50 p99"
  local out base="${BASE:-$URL}"
  local threads=$(( $2 < 2 ? $2 : 2 ))
  if [ -n "${4:-}" ]; then
    out=$(FOLIO_PATHS="$PATHS" wrk -t"$threads" -c"$2" -d"${SECS}s" --latency -s "$4" "$base$3")
  else
    out=$(wrk -t"$threads" -c"$2" -d"${SECS}s" --latency "$base$3")
  fi
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  local non2xx
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "| $1 | $2 | $rps | $p50 | $p99 | ${non2xx:-0} |"
}

echo "| run | connections | requests/s | p50 | p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
start 2
STARTUP=$STARTUP_MS
run "/plaintext" 64 /plaintext
BASE="$PEER_URL" run "actix-web peer: /plaintext" 64 /plaintext
run "/json" 64 /json
BASE="$PEER_URL" run "actix-web peer: /json" 64 /json
run "/wiki/{random title}, 2 workers" 64 / "$LUA"
run "/offsets/List_of_ ($(curl -s "$URL/offsets/List_of_" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') hits)" 1 /offsets/List_of_
stop
start 1
run "/wiki/{random title}, 1 worker" 64 / "$LUA"
run "/plaintext, 1 worker" 64 /plaintext
stop
echo
echo "Start-up: first answer ${STARTUP} ms after launch, $PAGES-page index ($(du -sh "$DUMP" | cut -f1) dump)."
