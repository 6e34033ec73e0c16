# Sourced by the load scripts (server.sh, tfb.sh, soak.sh, pressure.sh, peer.sh) with PAGES set:
# installs wrk if missing, builds the release binaries, makes (or reuses) a synthetic dump of
# PAGES pages, rebuilds its index (so it matches this build of the format; 1.7 s for a million
# pages when the dump is cached) and reads the dump once so the page cache is hot.
# Sets BIN, WORK, DUMP and IDX, defines serve and stop_server, and sources benches/lib.sh.
# FOLIO_BENCH_BUILT=1 skips the build; FOLIO_BENCH_BIN=DIR serves DIR's binaries instead.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "${FOLIO_BENCH_BUILT:-}" ]; then
  cargo build --release --locked -p folio-server -p folio-ingest >&2
fi
# FOLIO_BENCH_BIN: another directory of binaries (an older build, to measure side by side).
BIN="${FOLIO_BENCH_BIN:-$CARGO_TARGET_DIR/release}"
WORK="$CARGO_TARGET_DIR/bench-fixtures"
mkdir -p "$WORK"
DUMP="$WORK/synth-$PAGES.xml"
IDX="$WORK/synth-$PAGES.idx"
[ -f "$DUMP" ] || "$BIN/folio-ingest" synth --pages "$PAGES" --out "$DUMP" --quiet >&2
if [ -z "${FOLIO_BENCH_INDEXED:-}" ]; then
  "$BIN/folio-ingest" build "$DUMP" --out "$IDX" --quiet >&2
fi
cat "$DUMP" > /dev/null

SERVER_PID=""
SERVER_TMP=""
LAUNCH=()
# serve PORT [FLAG...]: starts folio-server on the fixture's index with fresh SQL tables (in
# SERVER_TMP, a new temporary directory, which also holds the server's log) and waits for its
# first answer. The words of the LAUNCH array, when set, come before the command (for example
# LAUNCH=(taskset -c 0) to pin it). Sets SERVER_PID, SERVER_TMP, URL, SERVE_T0 (launch, ns) and STARTUP_MS (launch
# to the first answer of /plaintext).
# Any server still running from an earlier `serve` is stopped first.
serve() {
  local port=$1
  shift
  stop_server
  SERVER_TMP="$(mktemp -d)"
  URL="http://127.0.0.1:$port"
  SERVE_T0=$(date +%s%N)
  "${LAUNCH[@]}" "$BIN/folio-server" --data "$IDX" --tables "$SERVER_TMP/tables" --listen "127.0.0.1:$port" \
    --quiet "$@" > "$SERVER_TMP/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf -o /dev/null "$URL/plaintext"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_TMP/server.log" >&2; return 1; }
    sleep 0.002
  done
  STARTUP_MS=$(( ($(date +%s%N) - SERVE_T0) / 1000000 ))
}
# stop_server: SIGTERM, wait for the exit, remove its temporary directory.
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [ -n "$SERVER_TMP" ] && rm -rf "$SERVER_TMP"
  SERVER_PID=""
  SERVER_TMP=""
}
# python_peer: installs the Python peer (benches/peers/python: marisa-trie, numpy, uvicorn with
# uvloop and httptools) in a venv under WORK if missing, and builds its index of DUMP if missing.
# Sets VENV and PEER_DIR. python_peer_start PORT WORKERS [WORD...] starts it with WORKERS
# processes (the words, when given, come before the command: `taskset -c 0` pins it), its log in
# WORK/peer.log; sets PEER_PID and waits for its first answer. python_peer_stop stops it.
PEER_PID=""
python_peer() {
  VENV="$WORK/peer-venv"
  PEER_DIR="$WORK/peer-$PAGES"
  if [ ! -x "$VENV/bin/uvicorn" ] || ! cmp -s benches/peers/python/requirements.txt "$VENV/requirements.txt"; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/python/requirements.txt
    cp benches/peers/python/requirements.txt "$VENV/requirements.txt"
  fi
  if [ ! -f "$PEER_DIR/titles.marisa" ]; then
    local t0
    t0=$(date +%s%N)
    "$VENV/bin/python" benches/peers/python/peer.py build "$DUMP" "$PEER_DIR"
    echo "peer index built in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&2
  fi
}
python_peer_start() {
  local port=$1 workers=$2
  shift 2
  (cd benches/peers/python && PEER_DUMP="$DUMP" PEER_INDEX="$PEER_DIR" exec "$@" "$VENV/bin/uvicorn" peer:app \
    --port "$port" --workers "$workers" --loop uvloop --http httptools --no-access-log --log-level warning) \
    2> "$WORK/peer.log" &
  PEER_PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/offsets/List_of_"; do
    kill -0 "$PEER_PID" 2>/dev/null || { cat "$WORK/peer.log" >&2; return 1; }
    sleep 0.002
  done
}
python_peer_stop() {
  [ -n "$PEER_PID" ] || return 0
  kill "$PEER_PID" 2>/dev/null || true
  wait "$PEER_PID" 2>/dev/null || true
  PEER_PID=""
}
trap stop_server EXIT

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
