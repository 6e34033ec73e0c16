#!/usr/bin/env bash
# Runs N folio-server replicas of one index directory behind HAProxy (deploy/haproxy.cfg), on
# one host. The index is read-only and memory-mapped: the replicas share its pages in the page
# cache. Replica 1 writes the SQL tables; the others open them read-only and follow it.
#
#   deploy/replicas.sh start [OPTIONS] -- SERVER_FLAGS...   start N replicas and HAProxy
#   deploy/replicas.sh restart [--run DIR]                  restart the replicas one at a time
#   deploy/replicas.sh start-one K [--run DIR]              start replica K again (after a crash)
#   deploy/replicas.sh status [--run DIR]                   HAProxy's view of each replica
#   deploy/replicas.sh stop [--run DIR]                     stop HAProxy, then the replicas
#
# start's options:
#   --replicas N     replicas (default 3)
#   --listen ADDR    HAProxy's address (default 127.0.0.1:8080); replica K listens on the port
#                    after it plus K (8081, 8082, ...) on 127.0.0.1
#   --tables DIR     the SQL tables (default RUN/tables)
#   --workers W      event loops per replica (default: cores / replicas, at least 1)
#   --drain S        seconds a replica answers after SIGTERM while /ready says 503 (default 2)
#   --bin FILE       the folio-server binary (default: folio-server on PATH, else target/release)
#   --run DIR        where pids, logs and the generated haproxy.cfg go (default .folio-replicas)
# SERVER_FLAGS go to every replica: at least --data DIR (or NAME=DIR, repeated).
#
# Example:
#   deploy/replicas.sh start --replicas 3 -- --data enwiki=data/enwiki
#   curl http://127.0.0.1:8080/wiki/Anarchism
#   folio-ingest build new-dump.xml.bz2 --out data/enwiki   # every replica reloads it
#   deploy/replicas.sh restart                              # a new binary, one replica at a time
#   deploy/replicas.sh stop
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
die() { echo "replicas.sh: $*" >&2; exit 1; }

cmd="${1:-}"
[ -n "$cmd" ] || usage
shift
which=
if [ "$cmd" = start-one ]; then
  which="${1:-}"
  [[ "$which" =~ ^[0-9]+$ ]] || die "start-one wants a replica number"
  shift
fi
replicas=3 listen=127.0.0.1:8080 tables= workers= drain=2 bin= run=.folio-replicas
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --tables) tables="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --drain) drain="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --run) run="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) usage 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
server_flags=("$@")

# HAProxy's admin socket: one command, its answer on stdout.
hactl() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
sys.stdout.write(b"".join(iter(lambda: s.recv(65536), b"")).decode())' "$run/haproxy.sock" "$1"
}

# Waits (at most 60 s) until `check` succeeds.
wait_until() {
  local what="$1"; shift
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  die "$what: not within 60 s (logs in $run)"
}

ready() { curl -sf -o /dev/null "http://$1/ready"; }

# Replica K answers /ready; a replica that exited stops the wait at once.
replica_ready() {
  kill -0 "$(cat "$run/replica-$1.pid")" 2> /dev/null \
    || die "replica $1 exited: $(tail -n 3 "$run/replica-$1.log")"
  ready "$2"
}

# HAProxy has replica K up in the read pool (operational state 2: running).
up_in_pool() {
  hactl "show servers state folio_read" | awk -v name="r$1" '$4 == name && $6 == 2 { found = 1 } END { exit !found }'
}

# Starts replica K from the settings in $run/env; returns once it answers /ready.
start_replica() {
  local k="$1" mode=()
  # shellcheck disable=SC1091
  . "$run/env"
  [ "$k" -eq 1 ] || mode=(--tables-read-only)
  local addr="$host:$((port + k))"
  local flags
  mapfile -t flags < "$run/server-flags"
  nohup "$bin" "${flags[@]}" --listen "$addr" --tables "$tables" "${mode[@]}" --drain "$drain" \
    --workers "$workers" --quiet > "$run/replica-$k.log" 2>&1 &
  echo $! > "$run/replica-$k.pid"
  wait_until "replica $k ready at $addr" replica_ready "$k" "$addr"
}

# Stops HAProxy, then the replicas (SIGINT: no drain, nothing routes to them any more).
stop_all() {
  stop_pid "$run/haproxy.pid" TERM
  for k in $(seq "$replicas"); do stop_pid "$run/replica-$k.pid" INT; done
  rm -f "$run/haproxy.sock"
}

stop_pid() {
  local file="$1" signal="$2"
  [ -f "$file" ] || return 0
  local pid; pid="$(cat "$file")"
  if kill "-$signal" "$pid" 2> /dev/null; then
    while kill -0 "$pid" 2> /dev/null; do sleep 0.05; done
  fi
  rm -f "$file"
}

case "$cmd" in
  start)
    [ ${#server_flags[@]} -gt 0 ] || die "give the server's flags after --, at least --data DIR"
    command -v haproxy > /dev/null || die "haproxy is not installed (apt-get install haproxy)"
    [ -f "$run/haproxy.pid" ] && die "$run already runs replicas: deploy/replicas.sh stop --run $run"
    if [ -z "$bin" ]; then
      bin="$(command -v folio-server || true)"
      [ -n "$bin" ] || bin="$here/../target/release/folio-server"
    fi
    [ -x "$bin" ] || die "no folio-server binary at $bin (cargo build --release, or --bin FILE)"
    host="${listen%:*}" port="${listen##*:}"
    [[ "$port" =~ ^[0-9]+$ ]] || die "--listen wants HOST:PORT, not $listen"
    [ -n "$workers" ] || workers=$(( $(nproc) / replicas > 0 ? $(nproc) / replicas : 1 ))
    mkdir -p "$run"
    run="$(cd "$run" && pwd)" bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    tables="${tables:-$run/tables}"
    host=127.0.0.1
    # A start that fails half way stops what it started.
    trap '[ -n "${started:-}" ] || stop_all' EXIT
    printf '%s\n' "${server_flags[@]}" > "$run/server-flags"
    cat > "$run/env" <<EOF
bin='$bin' run='$run' tables='$tables' host='$host' port='$port' replicas='$replicas' workers='$workers' drain='$drain' listen='$listen'
EOF
    # The writer first: it creates the tables the others follow.
    for k in $(seq "$replicas"); do start_replica "$k"; done
    servers=""
    for k in $(seq "$replicas"); do servers+="    server r$k $host:$((port + k)) check"$'\n'; done
    awk -v read="$servers" -v write="    server r1 $host:$((port + 1)) check" '
      /^backend / { backend = $2 }
      /^    # servers$/ { printf "%s", (backend == "folio_write" ? write "\n" : read); next }
      { print }' "$here/haproxy.cfg" > "$run/haproxy.cfg"
    export FOLIO_HAPROXY_SOCKET="$run/haproxy.sock" FOLIO_HAPROXY_BIND="$listen"
    haproxy -c -q -f "$run/haproxy.cfg" || die "HAProxy refused $run/haproxy.cfg"
    nohup haproxy -db -f "$run/haproxy.cfg" > "$run/haproxy.log" 2>&1 &
    echo $! > "$run/haproxy.pid"
    wait_until "HAProxy's socket" test -S "$run/haproxy.sock"
    for k in $(seq "$replicas"); do wait_until "replica $k up in HAProxy" up_in_pool "$k"; done
    started=1
    echo "replicas.sh: $replicas replicas behind HAProxy at http://$listen/ (run directory $run)"
    ;;
  restart)
    [ -f "$run/env" ] || die "nothing runs from $run"
    # shellcheck disable=SC1091
    . "$run/env"
    for k in $(seq "$replicas"); do
      # SIGTERM: /ready turns 503, HAProxy takes it out, it stops after --drain seconds.
      stop_pid "$run/replica-$k.pid" TERM
      start_replica "$k"
      wait_until "replica $k back in HAProxy's pool" up_in_pool "$k"
      echo "replicas.sh: replica $k restarted"
    done
    ;;
  start-one)
    [ -f "$run/env" ] || die "nothing runs from $run"
    # shellcheck disable=SC1091
    . "$run/env"
    [ "$which" -ge 1 ] && [ "$which" -le "$replicas" ] || die "replicas run 1 to $replicas, not $which"
    if [ -f "$run/replica-$which.pid" ] && kill -0 "$(cat "$run/replica-$which.pid")" 2> /dev/null; then
      die "replica $which runs already (pid $(cat "$run/replica-$which.pid"))"
    fi
    start_replica "$which"
    wait_until "replica $which back in HAProxy's pool" up_in_pool "$which"
    echo "replicas.sh: replica $which started"
    ;;
  status)
    [ -S "$run/haproxy.sock" ] || die "no HAProxy runs from $run"
    # Backend, replica, state, connections now, requests in all.
    hactl "show stat" | awk -F, '$2 ~ /^r[0-9]+$/ { printf "%-12s %-4s %-6s %6s %10s\n", $1, $2, $18, $5, $8 }'
    ;;
  stop)
    [ -f "$run/env" ] || die "nothing runs from $run"
    # shellcheck disable=SC1091
    . "$run/env"
    stop_all
    echo "replicas.sh: stopped"
    ;;
  *) usage ;;
esac
