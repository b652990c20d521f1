#!/bin/bash
# What one idle WebSocket holds on the server's heap, counted rather than read off RSS.
#
#   benchmarks/ws_idle_heap.sh ECHO_SERVER [PATH [N]]   # PATH: /ws/echo (default),
#                                                       # /ws/as-channel-echo, /ws/listener-echo
#
# Runs echo_server with benchmarks/heap_count.c preloaded (built into a temporary
# directory), warms it with 50 WebSockets opened and closed, takes the live-allocation
# histogram, holds N (default 1000) idle WebSockets open with
# benchmarks/callgrind_client.py, takes it again, and prints the allocation sizes that
# grew by one or more per connection and their sum (usable bytes + malloc's 8-byte
# header each). Loopback only; the server is stopped on exit, whatever happens.
set -euo pipefail
BIN=${1:?usage: ws_idle_heap.sh ECHO_SERVER [PATH [N]]}
WSPATH=${2:-/ws/echo}
N=${3:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/ringkit-idle-heap.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
cc -O2 -shared -fPIC -o "$TMP/heap_count.so" "$HERE/heap_count.c"
port=$((20000 + RANDOM % 20000))
MALLOC_COUNT_OUT=$TMP/histogram LD_PRELOAD=$TMP/heap_count.so "$BIN" --port "$port" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^listening' "$TMP/server.log" && break; sleep 0.1; done
client() { timeout 120 python3 "$HERE/callgrind_client.py" "$port" idle "$WSPATH" "$@"; }
snapshot() {  # snapshot FILE: the server's live histogram now
  rm -f "$TMP/histogram"
  kill -USR2 "$SERVER_PID"
  for _ in $(seq 50); do [ -s "$TMP/histogram" ] && break; sleep 0.1; done
  sleep 0.2
  cp "$TMP/histogram" "$1"
}
client 50 0 >/dev/null
sleep 0.5
snapshot "$TMP/before"
client "$N" 5 >"$TMP/ready" &
CLIENT_PID=$!
for _ in $(seq 600); do grep -q ready "$TMP/ready" && break; sleep 0.1; done
sleep 1
snapshot "$TMP/after"
wait "$CLIENT_PID"
python3 - "$TMP/before" "$TMP/after" "$N" <<'PY'
import sys
def load(p):
    return {int(s): int(c) for s, c in (line.split() for line in open(p))}
before, after, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
grew = [(s, round((after.get(s, 0) - before.get(s, 0)) / n)) for s in sorted(set(before) | set(after)) if s >= 0]
grew = [(s, c) for s, c in grew if c > 0]
usable = sum(s * c for s, c in grew)
count = sum(c for _, c in grew)
print("allocation sizes per connection:", " ".join(f"{s}x{c}" if c > 1 else str(s) for s, c in grew))
print(f"{count} allocations, {usable} usable bytes, {usable + 8 * count} bytes with malloc's headers")
PY
