#!/usr/bin/env bash
# Folio against the Python peer, side by side:   benches/peer.sh [PAGES] [SECONDS] [RUNS]
# (default 1000000 pages, 10 s per run, 3 runs). Builds the release binaries and a synthetic
# dump (benches/fixture.sh); installs the peer (benches/peers/python: marisa-trie, numpy,
# uvicorn with uvloop and httptools, one worker process per core) in a venv and builds its index
# from the same dump; starts both; checks that they give the same answers; then measures
#   - start-up: launch to the first answered /offsets/List_of_ (and the peer index-load time),
#   - /wiki/{random title} at 64 connections (wrk -t2, same random titles for both),
#   - /offsets/List_of_ (about 16,000 hits at a million pages) at one connection: its median,
# interleaving the two servers RUNS times and printing the medians and ratios in Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
RUNS="${3:-3}"
source benches/fixture.sh
CORES=$(nproc)
PEER_DIR="$WORK/peer-$PAGES"
VENV="$WORK/peer-venv"
if [ ! -x "$VENV/bin/uvicorn" ] || ! cmp -s benches/peers/python/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/python/requirements.txt
  cp benches/peers/python/requirements.txt "$VENV/requirements.txt"
fi
if [ ! -f "$PEER_DIR/titles.marisa" ]; then
  t0=$(date +%s%N)
  "$VENV/bin/python" benches/peers/python/peer.py build "$DUMP" "$PEER_DIR"
  echo "peer index built in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
fi

FOLIO="http://127.0.0.1:18093"
PEER="http://127.0.0.1:18094"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; true' EXIT
ms_until() { local t0=$1 url=$2; until curl -sf -o /dev/null "$url"; do sleep 0.002; done; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
t0=$(date +%s%N)
"$BIN/folio-server" --data "$IDX" --tables "$(mktemp -d)" --listen 127.0.0.1:18093 --quiet > /dev/null 2>&1 &
PIDS+=($!)
FOLIO_START=$(ms_until "$t0" "$FOLIO/offsets/List_of_")
t0=$(date +%s%N)
(cd benches/peers/python && PEER_DUMP="$DUMP" PEER_INDEX="$PEER_DIR" exec "$VENV/bin/uvicorn" peer:app \
  --port 18094 --workers "$CORES" --loop uvloop --http httptools --no-access-log --log-level warning) 2> "$WORK/peer.log" &
PIDS+=($!)
PEER_START=$(ms_until "$t0" "$PEER/offsets/List_of_")
sleep 2 # every worker has loaded
PEER_LOAD=$(awk '/index loaded in/ {print $5}' "$WORK/peer.log" | sort -g | tail -1)

# The same random titles for both, and the same answers from both.
LUA="$WORK/peer-paths.lua"
python3 - "$FOLIO" "$PEER" "$LUA" <<'PY'
import json, random, sys, urllib.parse, urllib.request
folio, peer, out = sys.argv[1:4]
random.seed(11)
titles, after = [], ""
while len(titles) < 100000:
    page = json.load(urllib.request.urlopen(f"{folio}/titles?" + urllib.parse.urlencode({"limit": 10000, "after": after})))
    titles += [i["title"] for i in page["items"]]
    after = page["next"]
    if after is None:
        break
paths = ["/wiki/" + urllib.parse.quote(t.replace(" ", "_"), safe="") for t in random.sample(titles, 5000)]
get = lambda base, p: urllib.request.urlopen(base + p).read()
for p in paths[:300]:
    assert get(folio, p) == get(peer, p), f"different answers for {p}"
prefixes = {t[:4] for t in random.sample(titles, 50) if len(t.strip()) >= 4} | {"List of "}
for prefix in prefixes:
    p = "/offsets/" + urllib.parse.quote(prefix.replace(" ", "_"), safe="")
    assert json.loads(get(folio, p)) == json.loads(get(peer, p)), f"different answers for {p}"
print(f"same answers: {len(paths[:300])} pages, {len(prefixes)} prefix listings", file=sys.stderr)
with open(out, "w") as f:
    f.write("local paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n")
    f.write("request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
PY
HITS=$(curl -s "$FOLIO/offsets/List_of_" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')

to_ms() { awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
wiki_rps() { wrk -t2 -c64 -d"${SECS}s" -s "$LUA" "$1" | awk '/Requests\/sec/ {print $2}'; }
offsets_p50() { wrk -t1 -c1 -d"${SECS}s" --latency "$1/offsets/List_of_" | awk '$1 == "50%" {print $2}' | to_ms; }
F_WIKI="" P_WIKI="" F_OFF="" P_OFF=""
for run in $(seq "$RUNS"); do
  F_WIKI+="$(wiki_rps "$FOLIO") "; P_WIKI+="$(wiki_rps "$PEER") "
  F_OFF+="$(offsets_p50 "$FOLIO") "; P_OFF+="$(offsets_p50 "$PEER") "
  echo "run $run of $RUNS done" >&2
done
fw=$(echo "$F_WIKI" | median); pw=$(echo "$P_WIKI" | median)
fo=$(echo "$F_OFF" | median); po=$(echo "$P_OFF" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", a / b}'; }
echo "| measure ($PAGES pages, median of $RUNS) | Folio | Python peer ($CORES uvicorn workers) | Folio's advantage | target |"
echo "| --- | --- | --- | --- | --- |"
echo "| /wiki/{random title}, 64 connections | $fw req/s | $pw req/s | $(ratio "$fw" "$pw") x | 20 x |"
echo "| /offsets/List_of_ ($HITS hits), median at 1 connection | $fo ms | $po ms | $(ratio "$po" "$fo") x | 50 x |"
echo "| launch to first answer | $FOLIO_START ms | $PEER_START ms (index load: ${PEER_LOAD} s per worker) | $(ratio "$PEER_START" "$FOLIO_START") x | ms vs s |"
