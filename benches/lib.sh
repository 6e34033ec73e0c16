# Helpers shared by the bench scripts (sourced).

# rss_anon_mib: SERVER_PID's anonymous resident memory (the mapped files do not count).
rss_anon_mib() { awk '/^RssAnon:/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
# to_ms: wrk's latencies (850.00us, 1.20ms, 2.01s) as milliseconds, one per line.
to_ms() { tr ' ' '\n' | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}'; }
# median: the median of the numbers on stdin (separated by spaces or newlines).
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# ratio A B [DIGITS]: A / B.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {printf "%.*f", d, a / b}'; }
# wait_verified URL: waits until the server at URL has finished the background check of its
# index (it reads the index, and for a plain dump every page's ends: measure after it, or its
# CPU and reads count against the requests).
wait_verified() {
  until curl -sf "$1/stats" | python3 -c 'import json, sys; sys.exit(json.load(sys.stdin)["dataset"]["verified"] is None)'; do
    sleep 0.2
  done
}
# record KEY VALUE: appends a figure to FOLIO_BENCH_KV when set (benches/all.sh reads it back to
# write benches/RESULTS.md and the plots).
record() { [ -z "${FOLIO_BENCH_KV:-}" ] || echo "$1 $2" >> "$FOLIO_BENCH_KV"; }
# oha_tool: sets OHA, the load generator (installed into FOLIO_TOOLS, default
# ~/.cache/folio-tools, if missing).
oha_tool() {
  local tools="${FOLIO_TOOLS:-$HOME/.cache/folio-tools}"
  [ -x "$tools/bin/oha" ] || env -u CARGO_TARGET_DIR cargo install --quiet --locked --root "$tools" oha >&2
  OHA="$tools/bin/oha"
}
# actix_peer: builds the actix-web peer (benches/peers/actix-hello) and sets ACTIX to it.
actix_peer() {
  (cd benches/peers/actix-hello && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/peers" cargo build --release --locked >&2)
  ACTIX="$CARGO_TARGET_DIR/peers/release/actix-hello"
}
# actix_start PORT: starts the peer (ACTIX, from actix_peer) pinned to core 0 with one worker,
# sets ACTIX_PID and waits for its first answer. actix_stop stops it (a no-op when none runs).
ACTIX_PID=""
actix_start() {
  taskset -c 0 "$ACTIX" "127.0.0.1:$1" > /dev/null 2>&1 &
  ACTIX_PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$1/plaintext"; do sleep 0.01; done
}
actix_stop() {
  [ -n "$ACTIX_PID" ] || return 0
  kill "$ACTIX_PID" 2>/dev/null || true
  wait "$ACTIX_PID" 2>/dev/null || true
  ACTIX_PID=""
}
# cpu_ticks PID: user + system CPU of PID so far, in clock ticks (/proc/PID/stat).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# us_per_answer TICKS_BEFORE TICKS_AFTER ANSWERS [DIGITS]: µs of CPU per answer.
us_per_answer() {
  awk -v a="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" -v n="$3" -v d="${4:-2}" 'BEGIN {printf "%.*f", d, (b - a) / hz / n * 1e6}'
}
# machine_line: the report's line naming the machine (cores, memory, CPU model, kernel).
machine_line() {
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo), $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(uname -r)"
}
# The 1M-page synthetic dump that search.sh and fulltext.sh share, with what they need around it:
#   synthetic_dump PAGES   sets WORK, OHA, BIN and DUMP (oha installed, release binaries built
#   unless FOLIO_BENCH_BUILT is set, the dump written if missing and read once into the page cache)
#   and prints the machine and dump lines of the report.
synthetic_dump() {
  WORK="${FOLIO_BENCH_WORK:-$HOME/.cache/folio-bench/search}"
  mkdir -p "$WORK"
  oha_tool
  [ -n "${FOLIO_BENCH_BUILT:-}" ] || cargo build --release --locked -p folio-server -p folio-ingest >&2
  BIN="$CARGO_TARGET_DIR/release"
  DUMP="$WORK/synth-$1.xml"
  [ -s "$DUMP" ] || "$BIN/folio-ingest" synth --pages "$1" --out "$DUMP" --quiet
  cat "$DUMP" > /dev/null
  machine_line
  echo "- dump: $1 pages, $(stat -c %s "$DUMP") bytes of XML"
}
