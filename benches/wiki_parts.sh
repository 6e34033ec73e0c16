#!/usr/bin/env bash
# Where a /wiki answer's CPU goes (issue 16):   benches/wiki_parts.sh [PAGES] [RATE] [ROUNDS] [SECONDS]
# (default 1000000 pages, 20000 requests/s, 3 rounds, 8 s). Folio on core 0 (one worker), oha on
# core 1, the same fixed rate for each of: /plaintext (no data); /xml of 13 bytes at the starts
# of random pages (a route that reads the dump: residency check, body from the map, its headers);
# /xml of those pages' whole bytes (the same, with the page's size); /wiki of the same pages by
# title (all that, plus the title lookup). The differences between neighbours price each part.
# Server user and system CPU per answer from /proc/PID/stat. Prints Markdown for RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RATE="${2:-20000}"
ROUNDS="${3:-3}"
SECS="${4:-8}"
source benches/fixture.sh
oha_tool
machine_line
echo "- dump: $PAGES pages; $("$OHA" --version); $RATE requests/s offered for $SECS s per route, $ROUNDS rounds"

declare -A USER SYS
# measure NAME URLFILE: a warm-up, then RATE for SECS; appends user and system µs per answer.
measure() {
  local a b n
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 2000 -c 4 --urls-from-file "$2" \
    -H "accept-encoding: identity" > /dev/null
  a=($(awk '{print $14, $15}' "/proc/$SERVER_PID/stat"))
  n=$(taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$RATE" -c 16 \
    --urls-from-file "$2" -H "accept-encoding: identity" --output-format json \
    | python3 -c 'import json, sys; d = json.load(sys.stdin)["statusCodeDistribution"]; print(sum(v for k, v in d.items() if k[0] == "2"))')
  b=($(awk '{print $14, $15}' "/proc/$SERVER_PID/stat"))
  USER[$1]+=" $(us_per_answer "${a[0]}" "${b[0]}" "$n")"
  SYS[$1]+=" $(us_per_answer "${a[1]}" "${b[1]}" "$n")"
}

LAUNCH=(taskset -c 0)
trap 'stop_server' EXIT
LISTS="$(mktemp -d)"
for round in $(seq "$ROUNDS"); do
  serve 18150 --workers 1
  wait_verified "$URL"
  if [ ! -f "$LISTS/wiki" ]; then
    [ -f "$WORK/capacity-wiki.lua.urls" ] ||
      python3 benches/requests.py wiki "$URL" "$WORK/capacity-wiki.lua" --count 20000 --seed 16
    head -2000 "$WORK/capacity-wiki.lua.urls" | sed "s#^http://[^/]*#$URL#" > "$LISTS/wiki"
    echo "$URL/plaintext" > "$LISTS/plain"
    # The same pages' byte ranges, from /pages/{title}.
    python3 - "$URL" "$LISTS" <<'PY'
import json, sys, urllib.request
url, lists = sys.argv[1], sys.argv[2]
small, whole = open(f"{lists}/xml-13", "w"), open(f"{lists}/xml-page", "w")
for line in open(f"{lists}/wiki"):
    title = line.strip().split("/wiki/", 1)[1]
    page = json.load(urllib.request.urlopen(f"{url}/pages/{title}"))
    small.write(f"{url}/xml?range={page['start']}-{page['start'] + 12}\n")
    whole.write(f"{url}/xml?range={page['start']}-{page['end']}\n")
PY
  fi
  for kind in plain xml-13 xml-page wiki; do
    sed -i "s#^http://[^/]*#$URL#" "$LISTS/$kind"
    measure "$kind" "$LISTS/$kind"
  done
done
stop_server
rm -rf "$LISTS"

echo
echo "| route | user µs per answer (rounds) | system µs (rounds) | median total |"
echo "| --- | --- | --- | --- |"
for kind in plain xml-13 xml-page wiki; do
  name=$(case $kind in plain) echo "/plaintext";; xml-13) echo "/xml, 13 bytes of a random page";;
    xml-page) echo "/xml, a random page's bytes";; wiki) echo "/wiki/{the same page's title}";; esac)
  u=$(echo "${USER[$kind]}" | median); s=$(echo "${SYS[$kind]}" | median)
  echo "| $name |${USER[$kind]} |${SYS[$kind]} | $(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}') |"
done
