#!/usr/bin/env bash
# Capacity per core as CPU time per request (issue 16), for a VM whose throughput at saturation
# moves by more than the gaps being measured:   benches/capacity.sh [PAGES] [RATE] [ROUNDS] [SECONDS]
# (default 1000000 pages, 20000 requests/s, 5 rounds, 10 s). Each round starts Folio (per-core
# runtime, one worker), then the actix-web peer and the Python peer (one worker each), each
# pinned to core 0, and offers every route the same fixed rate from oha on core 1 (16
# connections, below every server's saturation): the server's user + system CPU per answer
# from /proc/PID/stat. A server that needs less CPU per answer serves more answers per core at
# saturation, so the ratios of medians stand for the issue's throughput ratios: actix-web's CPU
# over Folio's for /plaintext and /json (target at least 1.0), Folio's /plaintext over its /wiki
# on random titles (target at least 0.8), the Python peer's /wiki over Folio's (target at least
# 5). Beside them, what a /wiki answer is made of: actix-web answering as many bytes as each
# /wiki answer from a static buffer (its /bytes/{n}: the floor of the /wiki ratio for a server
# that only sends those bytes), Folio's /xml of the same pages' spans (the bytes without the
# title's lookup), and Folio's /wiki on 500 of the titles over and over (the same work with the
# pages and slots in the CPU's caches). Prints Markdown for benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
RATE="${2:-20000}"
ROUNDS="${3:-5}"
SECS="${4:-10}"
source benches/fixture.sh
oha_tool
actix_peer
python_peer
machine_line
echo "- dump: $PAGES pages; $("$OHA" --version); $RATE requests/s offered for $SECS s per route, $ROUNDS rounds"

declare -A CPU
# measure NAME PID URLFILE: a warm-up, then RATE for SECS; appends µs of CPU per answer to CPU[NAME].
measure() {
  local a b n
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 2000 -c 4 --urls-from-file "$3" \
    -H "accept-encoding: identity" > /dev/null
  a=$(cpu_ticks "$2")
  n=$(taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$RATE" -c 16 \
    --urls-from-file "$3" -H "accept-encoding: identity" --output-format json \
    | python3 -c 'import json, sys; d = json.load(sys.stdin)["statusCodeDistribution"]; print(d.get("200", 0) + d.get("206", 0))')
  b=$(cpu_ticks "$2")
  CPU[$1]+=" $(us_per_answer "$a" "$b" "$n")"
}
urls() { printf "%s%s\n" "$1" "$2" > "$WORK/capacity-urls-$3"; echo "$WORK/capacity-urls-$3"; }

LAUNCH=(taskset -c 0)
trap 'stop_server; actix_stop; python_peer_stop' EXIT
for round in $(seq "$ROUNDS"); do
  serve 18140 --workers 1
  wait_verified "$URL"
  [ -f "$WORK/capacity-wiki.lua.urls" ] ||
    python3 benches/requests.py wiki "$URL" "$WORK/capacity-wiki.lua" --count 20000 --seed 16
  measure "Folio /plaintext" "$SERVER_PID" "$(urls "$URL" /plaintext plain)"
  measure "Folio /json" "$SERVER_PID" "$(urls "$URL" /json json)"
  # The list may have been drawn by another script's server: its URLs are pointed at this one.
  sed "s#^http://[^/]*#$URL#" "$WORK/capacity-wiki.lua.urls" > "$WORK/capacity-urls-wiki"
  # The sizes and spans of those pages (once per list): actix-web's /bytes, Folio's /xml.
  [ "$WORK/capacity-urls-bytes" -nt "$WORK/capacity-wiki.lua.urls" ] ||
    python3 benches/requests.py sizes "$WORK/capacity-urls-wiki" http://127.0.0.1:18141 "$WORK/capacity-urls-bytes"
  sed "s#^http://[^/]*#$URL#" "$WORK/capacity-urls-bytes.xml" > "$WORK/capacity-urls-xml"
  head -500 "$WORK/capacity-urls-wiki" > "$WORK/capacity-urls-wiki500"
  measure "Folio /wiki/{random title}" "$SERVER_PID" "$WORK/capacity-urls-wiki"
  measure "Folio /xml?range={the same pages}" "$SERVER_PID" "$WORK/capacity-urls-xml"
  measure "Folio /wiki/{500 of those titles}" "$SERVER_PID" "$WORK/capacity-urls-wiki500"
  stop_server
  actix_start 18141
  measure "actix-web /plaintext" "$ACTIX_PID" "$(urls http://127.0.0.1:18141 /plaintext aplain)"
  measure "actix-web /json" "$ACTIX_PID" "$(urls http://127.0.0.1:18141 /json ajson)"
  measure "actix-web /bytes/{size of each /wiki answer}" "$ACTIX_PID" "$WORK/capacity-urls-bytes"
  actix_stop
  python_peer_start 18142 1 taskset -c 0
  sed "s#^http://[^/]*#http://127.0.0.1:18142#" "$WORK/capacity-wiki.lua.urls" > "$WORK/capacity-urls-pwiki"
  measure "Python peer /wiki/{random title}" "$PEER_PID" "$WORK/capacity-urls-pwiki"
  python_peer_stop
done

echo
echo "| server and route | CPU per answer, µs (each round) | median |"
echo "| --- | --- | --- |"
declare -A MED
for k in "Folio /plaintext" "Folio /json" "Folio /wiki/{random title}" "Folio /xml?range={the same pages}" \
  "Folio /wiki/{500 of those titles}" "actix-web /plaintext" "actix-web /json" \
  "actix-web /bytes/{size of each /wiki answer}" "Python peer /wiki/{random title}"; do
  MED[$k]=$(echo "${CPU[$k]}" | median)
  echo "| $k |${CPU[$k]} | ${MED[$k]} |"
done
echo
echo "- answers per core, Folio / actix-web: /plaintext **$(ratio "${MED[actix-web /plaintext]}" "${MED[Folio /plaintext]}") x**, /json **$(ratio "${MED[actix-web /json]}" "${MED[Folio /json]}") x** (target at least 1.0)"
echo "- /wiki/{random title} / /plaintext, Folio per core: **$(ratio "${MED[Folio /plaintext]}" "${MED[Folio /wiki/{random title}]}") x** (target at least 0.8)"
echo "- /wiki/{random title} per core, Folio / the Python peer: **$(ratio "${MED[Python peer /wiki/{random title}]}" "${MED[Folio /wiki/{random title}]}") x** (target at least 5); Folio's /wiki at most 12 µs: **${MED[Folio /wiki/{random title}]} µs**"
M() { echo "${MED[$1]}"; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }
echo "- the floor of the /wiki ratio here: actix-web's /plaintext over its own answers of the same sizes as /wiki's (a static buffer, no lookup): **$(ratio "$(M "actix-web /plaintext")" "$(M "actix-web /bytes/{size of each /wiki answer}")") x**"
echo "- what a /wiki answer's parts cost Folio, by difference of medians: the title's lookup (/wiki less /xml of the same pages) **$(minus "$(M "Folio /wiki/{random title}")" "$(M "Folio /xml?range={the same pages}")") µs**; pages and slots no earlier answer left in the CPU's caches (random titles less 500 titles over and over) **$(minus "$(M "Folio /wiki/{random title}")" "$(M "Folio /wiki/{500 of those titles}")") µs**; a hot /wiki answer over actix-web's answer of the same sizes **$(minus "$(M "Folio /wiki/{500 of those titles}")" "$(M "actix-web /bytes/{size of each /wiki answer}")") µs**"
echo "- 5 x below the Python peer is **$(awk -v p="$(M "Python peer /wiki/{random title}")" 'BEGIN {printf "%.2f", p / 5}') µs** per /wiki answer, against **$(M "actix-web /plaintext") µs** for actix-web's /plaintext"
