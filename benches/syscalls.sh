#!/usr/bin/env bash
# The kernel's share of a request (issue 16): what callgrind's instruction counts (profile.sh)
# do not see.   benches/syscalls.sh [PAGES] [SECONDS] [RATE]   (default 1000000 pages, 10 s, 4000/s)
# Folio (one event loop, --workers 1) and the actix-web peer (one worker), each pinned to core 0,
# oha on core 1 at a fixed offered rate below saturation (16 connections), per route:
#   - user and system CPU per request (/proc/PID/stat, all threads), minor page faults per
#     request (same file), context switches per request (every thread's /proc/PID/task/*/status);
#   - system calls per request, by name: a second run at the same rate under `strace -c -f`,
#     attached to every thread before the run starts (strace slows each call, so the CPU figures
#     come from the first run, without it);
#   - the same at saturation (wrk -t1 -c64 on core 1): requests/s, user and system CPU per
#     request, and system calls per request counted by the kernel's tracepoints (`perf stat`,
#     which slows nothing measurably), so that throughput gaps can be told apart;
#   - where the CPU goes: a third run at the same rate under `perf record -e cpu-clock` (a
#     software clock: no hardware counters needed), samples grouped by the crate of their
#     function (the kernel, libc and the allocator as one group each).
# Prints Markdown for benches/RESULTS.md. Needs strace and perf (apt-get install strace linux-perf).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES="${1:-1000000}"
SECS="${2:-10}"
RATE="${3:-4000}"
source benches/fixture.sh
command -v strace > /dev/null || { apt-get update -qq && apt-get install -y -qq strace; }
command -v perf > /dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
oha_tool
actix_peer
HZ=$(getconf CLK_TCK)
machine_line
echo "- dump: $PAGES pages, $(stat -c %s "$DUMP") bytes of XML; $("$OHA" --version), $(strace -V | head -1)"

# counters PID: "utime stime minflt ctxsw" of the whole process (context switches summed over
# its threads).
counters() {
  local cs
  cs=$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}')
  awk -v cs="$cs" '{print $14, $15, $10, cs}' "/proc/$1/stat"
}
# warm URLFILE: a short warm-up run.
warm() {
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 -n 500 -c 4 --urls-from-file "$1" \
    -H "accept-encoding: identity" > /dev/null
}
# load URLFILE: one oha run at RATE on core 1; prints the number of answers and the non-2xx
# among them.
load() {
  taskset -c 1 "$OHA" --no-tui --worker-threads 1 --latency-correction -z "${SECS}s" -q "$RATE" -c 16 \
    --urls-from-file "$1" -H "accept-encoding: identity" --output-format json > "$WORK/syscalls-oha.json"
  python3 -c '
import json, sys
c = json.load(open(sys.argv[1])).get("statusCodeDistribution", {})
print(sum(c.values()), sum(v for k, v in c.items() if not k.startswith("2")))' "$WORK/syscalls-oha.json"
}
STRACE_PID=""
# attach: strace -c -f on every thread of TARGET, returning once they are all attached (strace
# says "Process N attached with K threads" then).
attach() {
  strace -c -f -p "$TARGET" -o "$WORK/syscalls-strace.txt" 2> "$WORK/syscalls-strace.log" &
  STRACE_PID=$!
  until grep -q 'attached' "$WORK/syscalls-strace.log" 2>/dev/null; do sleep 0.05; done
}
declare -A ROWS
measure() { # measure NAME PID URLFILE
  local a b n bad
  TARGET=$2
  warm "$3"
  a=$(counters "$2")
  read -r n bad < <(load "$3")
  b=$(counters "$2")
  ROWS[$1]=$(python3 -c '
import sys
a = list(map(int, sys.argv[1].split())); b = list(map(int, sys.argv[2].split()))
n, hz = int(sys.argv[3]), int(sys.argv[4])
d = [y - x for x, y in zip(a, b)]
print(f"{d[0] / hz / n * 1e6:.1f} µs | {d[1] / hz / n * 1e6:.1f} µs | {(d[0] + d[1]) / hz / n * 1e6:.1f} µs | {d[2] / n:.2f} | {d[3] / n:.2f}")
' "$a" "$b" "$n" "$HZ")
  [ "$bad" = 0 ] || echo "warning: $bad non-2xx answers for $1" >&2
  # The same load under strace.
  warm "$3"
  attach
  read -r n bad < <(load "$3")
  kill -INT "$STRACE_PID"
  wait "$STRACE_PID" 2>/dev/null || true
  python3 - "$WORK/syscalls-strace.txt" "$n" "$1" >> "$WORK/syscalls-by-name.md" <<'PY'
import sys
path, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
calls = {}
for line in open(path):
    f = line.split()
    # "% time seconds usecs/call calls [errors] syscall"
    if len(f) >= 5 and f[0].replace(".", "").isdigit() and f[-1] != "total":
        calls[f[-1]] = int(f[3])
total = sum(calls.values())
top = sorted(calls.items(), key=lambda kv: -kv[1])
print(f"| {name} | {total / n:.2f} | " + ", ".join(f"{k} {v / n:.2f}" for k, v in top if v / n >= 0.01) + " |")
PY
}
# profile NAME PID URLFILE: the same load under perf record; one row of samples by crate.
profile() {
  local rec
  warm "$3"
  perf record -q -e cpu-clock -F 20000 -p "$2" -o "$WORK/syscalls-perf.data" -- sleep $((SECS + 1)) > /dev/null 2>&1 &
  rec=$!
  sleep 0.5 # perf is attached
  load "$3" > /dev/null
  wait "$rec" || true
  perf report -i "$WORK/syscalls-perf.data" --no-children --sort dso,sym -n --stdio 2> /dev/null \
    | python3 -c '
import collections, re, sys
groups, total = collections.Counter(), 0
for line in sys.stdin:
    f = line.split(None, 4)
    if line.startswith("#") or len(f) < 5 or not f[1].isdigit():
        continue
    n, dso, sym = int(f[1]), f[2], f[4].strip()
    total += n
    if dso.startswith("[kernel"):
        key = "kernel"
    elif dso.startswith("libc"):
        key = "libc"
    else:
        m = re.match(r"[<(&]*(?:dyn )?([A-Za-z_0-9]+)::", sym)
        key = m.group(1) if m else "other"
        if sym.startswith(("_mi_", "mi_")):
            key = "mimalloc"
    groups[key] += n
top = ", ".join(f"{k} {v / total * 100:.1f} %" for k, v in groups.most_common(12))
print(f"| {sys.argv[1]} | {total} | {top} |")' "$1" >> "$WORK/syscalls-by-crate.md"
}
# saturate NAME PID URL: one wrk run at saturation, with the kernel counting system calls.
SYSCALLS=(raw_syscalls:sys_enter syscalls:sys_enter_recvfrom syscalls:sys_enter_read
  syscalls:sys_enter_writev syscalls:sys_enter_sendto syscalls:sys_enter_write syscalls:sys_enter_epoll_wait)
saturate() {
  local a b out stat
  taskset -c 1 wrk -t1 -c64 -d2s "$3" > /dev/null
  a=$(counters "$2")
  perf stat -x, -o "$WORK/syscalls-stat.txt" $(printf -- '-e %s ' "${SYSCALLS[@]}") -p "$2" -- sleep $((SECS + 1)) &
  stat=$!
  sleep 0.5 # perf is attached
  out=$(taskset -c 1 wrk -t1 -c64 -d"${SECS}s" "$3")
  wait "$stat" || true
  b=$(counters "$2")
  python3 - "$1" "$a" "$b" "$HZ" "$WORK/syscalls-stat.txt" "$(echo "$out" | awk '/requests in/ {print $1}')" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" >> "$WORK/syscalls-saturated.md" <<'PY'
import sys
name, a, b, hz, path, n, rps = sys.argv[1:8]
a, b, hz, n = list(map(int, a.split())), list(map(int, b.split())), int(hz), int(n)
counts = {}
for line in open(path):
    f = line.strip().split(",")
    if len(f) > 2 and f[0].isdigit():
        counts[f[2].split(":")[-1].replace("sys_enter_", "")] = int(f[0])
d = [y - x for x, y in zip(a, b)]
per = lambda k: counts.get(k, 0) / n
print(f"| {name} | {float(rps):.0f} | {d[0] / hz / n * 1e6:.1f} µs | {d[1] / hz / n * 1e6:.1f} µs | "
      f"{per('sys_enter'):.2f} | {per('recvfrom') + per('read'):.2f} | {per('writev') + per('sendto') + per('write'):.2f} | "
      f"{per('epoll_wait'):.3f} |")
PY
}
> "$WORK/syscalls-by-name.md"
> "$WORK/syscalls-by-crate.md"
> "$WORK/syscalls-saturated.md"
url_file() { printf "%s%s\n" "$1" "$2" > "$WORK/syscalls-urls-$3"; echo "$WORK/syscalls-urls-$3"; }

LAUNCH=(taskset -c 0)
serve 18130 --workers 1
wait_verified "$URL"
python3 benches/requests.py wiki "$URL" "$WORK/syscalls-wiki.lua" --count 20000 --seed 16
measure "Folio /plaintext" "$SERVER_PID" "$(url_file "$URL" /plaintext plain)"
measure "Folio /json" "$SERVER_PID" "$(url_file "$URL" /json json)"
measure "Folio /wiki/{random title}" "$SERVER_PID" "$WORK/syscalls-wiki.lua.urls"
profile "Folio /plaintext" "$SERVER_PID" "$WORK/syscalls-urls-plain"
saturate "Folio /plaintext" "$SERVER_PID" "$URL/plaintext"
saturate "Folio /json" "$SERVER_PID" "$URL/json"
profile "Folio /wiki/{random title}" "$SERVER_PID" "$WORK/syscalls-wiki.lua.urls"
stop_server

taskset -c 0 "$ACTIX" 127.0.0.1:18131 > /dev/null 2>&1 &
ACTIX_PID=$!
trap 'stop_server; kill $ACTIX_PID 2>/dev/null; true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:18131/plaintext"; do sleep 0.01; done
measure "actix-web /plaintext" "$ACTIX_PID" "$(url_file http://127.0.0.1:18131 /plaintext aplain)"
measure "actix-web /json" "$ACTIX_PID" "$(url_file http://127.0.0.1:18131 /json ajson)"
profile "actix-web /plaintext" "$ACTIX_PID" "$WORK/syscalls-urls-aplain"
saturate "actix-web /plaintext" "$ACTIX_PID" http://127.0.0.1:18131/plaintext
saturate "actix-web /json" "$ACTIX_PID" http://127.0.0.1:18131/json

echo
echo "Offered $RATE requests/s for $SECS s (oha -c16 on core 1), server on core 0 with one worker:"
echo
echo "| server and route | user CPU | system CPU | CPU per request | minor faults | context switches |"
echo "| --- | --- | --- | --- | --- | --- |"
for k in "Folio /plaintext" "Folio /json" "Folio /wiki/{random title}" "actix-web /plaintext" "actix-web /json"; do
  echo "| $k | ${ROWS[$k]} |"
done
echo
echo "System calls per request, by name (a second run at the same rate under strace -c -f):"
echo
echo "| server and route | all | by name (at least 0.01 per request) |"
echo "| --- | --- | --- |"
cat "$WORK/syscalls-by-name.md"
echo
echo "Where the server's CPU goes (a third run at the same rate under perf record -e cpu-clock at 20 kHz):"
echo "samples, and their share by the crate of the function they fell in."
echo
echo "| server and route | samples | by crate |"
echo "| --- | --- | --- |"
cat "$WORK/syscalls-by-crate.md"
echo
echo "At saturation (wrk -t1 -c64 on core 1, $SECS s; system calls counted by the kernel's tracepoints, perf stat):"
echo
echo "| server and route | requests/s | user CPU | system CPU | system calls | reads | writes | epoll_wait |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
cat "$WORK/syscalls-saturated.md"
