#!/usr/bin/env bash
# The reader under load: /html/{title} (the article rendered to HTML) against /wiki/{title} (its
# XML from the map) over the same real pages, every article of datasets/enwiki-sample.xml.bz2,
# side by side in one run:
#   benches/reader.sh [SECONDS] [RUNS]        (default 10 s per run, 3 runs)
# On this 2-core machine the server is pinned to core 0 (one worker, the rendering pool on the
# same core) and wrk to core 1 (taskset), so wrk never takes the server's CPU. Reports requests/s,
# latency and the server's CPU time per request (utime + stime from /proc over each run), and the
# wikitext each CPU-second of /html renders. Rendering results are not cached: every /html
# request renders its page.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS="${2:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
source benches/lib.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -n "${FOLIO_BENCH_BUILT:-}" ] || cargo build --release --locked -p folio-server -p folio-ingest >&2
BIN="$CARGO_TARGET_DIR/release"
WORK="$(mktemp -d)"
trap 'kill $SERVER_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
"$BIN/folio-ingest" build datasets/enwiki-sample.xml.bz2 --out "$WORK/idx" --quiet >&2
URL=http://127.0.0.1:18097
taskset -c 0 "$BIN/folio-server" --data "$WORK/idx" --tables "$WORK/tables" --listen 127.0.0.1:18097 \
  --workers 1 --quiet > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
until curl -sf -o /dev/null "$URL/plaintext"; do sleep 0.01; done

for route in wiki html; do
  python3 benches/requests.py articles "$URL" "$WORK/$route.txt" --route "$route"
  { echo "local paths = {"; sed 's/.*/"&",/' "$WORK/$route.txt"; echo "}"
    echo "local i = 0"
    echo "request = function() i = i % #paths + 1; return wrk.format('GET', paths[i]) end"; } > "$WORK/$route.lua"
done
ARTICLES=$(wc -l < "$WORK/wiki.txt")
# The wikitext of every article, and of the XML served for them.
read -r XML_BYTES TEXT_BYTES < <(python3 - "$URL" "$WORK/wiki.txt" <<'PY'
import html, re, sys, urllib.request
xml = text = 0
for p in open(sys.argv[2]).read().split():
    page = urllib.request.urlopen(sys.argv[1] + p).read().decode()
    xml += len(page.encode())
    m = re.search(r"<text[^>]*>(.*?)</text>", page, re.S)
    text += len(html.unescape(m.group(1)).encode()) if m else 0
print(xml, text)
PY
)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
declare -A RPS P99 CPU ERR
for r in $(seq "$RUNS"); do
  for route in wiki html; do
    before=$(cpu_ticks)
    out=$(taskset -c 1 wrk -t1 -c8 -d"${SECS}s" --latency -s "$WORK/$route.lua" "$URL")
    after=$(cpu_ticks)
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    RPS[$route]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
    P99[$route]+="$(echo "$out" | awk '$1 == "99%" {print $2}' | to_ms) "
    CPU[$route]+="$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN {printf "%.1f", t / hz / n * 1e6}') "
    ERR[$route]=$(( ${ERR[$route]:-0} + $(echo "$out" | awk '/Non-2xx|Socket errors/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END {print s + 0}') ))
  done
  echo "run $r of $RUNS done" >&2
done

echo "| route | requests/s | p99 | server CPU per request | errors |"
echo "| --- | --- | --- | --- | --- |"
for route in wiki html; do
  rps=$(echo "${RPS[$route]}" | median); p99=$(echo "${P99[$route]}" | median); cpu=$(echo "${CPU[$route]}" | median)
  record "reader.$route.rps" "$rps"; record "reader.$route.cpu_us" "$cpu"
  echo "| /$route/{article} | $rps | $p99 ms | $cpu µs | ${ERR[$route]} |"
done
html_cpu=$(echo "${CPU[html]}" | median); wiki_cpu=$(echo "${CPU[wiki]}" | median)
echo
echo "Medians of $RUNS runs of $SECS s, wrk -t1 -c8 cycling through all $ARTICLES articles of the sample" \
  "($((XML_BYTES / ARTICLES)) bytes of XML, $((TEXT_BYTES / ARTICLES)) bytes of wikitext on average); server on" \
  "core 0 with 1 worker, wrk on core 1. /html to /wiki requests/s: $(ratio "$(echo "${RPS[html]}" | median)" "$(echo "${RPS[wiki]}" | median)");" \
  "rendering costs $(awk -v h="$html_cpu" -v w="$wiki_cpu" 'BEGIN {printf "%.0f", h - w}') µs of CPU per article more than" \
  "serving its XML, so /html renders $(awk -v h="$html_cpu" -v w="$wiki_cpu" -v b="$TEXT_BYTES" -v n="$ARTICLES" \
  'BEGIN {printf "%.1f", b / n / (h - w)}') MB of wikitext per CPU-second, HTTP included."
