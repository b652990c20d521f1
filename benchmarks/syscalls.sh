#!/usr/bin/env bash
# System calls per request or per WebSocket echo under load, counted by the kernel's
# tracepoints (perf stat -e 'syscalls:sys_enter_*'): where a shared VM's throughput
# moves by ±15 % run to run, these counts repeat to the second decimal.
#
#   benchmarks/syscalls.sh SERVER_BIN http            # echo_server, wrk -c64 GET /plaintext
#   benchmarks/syscalls.sh SERVER_BIN ws              # echo_server, ws_load echo 32 B, /ws/as-channel-echo
#   benchmarks/syscalls.sh TLS_SERVER_BIN wss         # benchmarks/tls_server, the same over TLS
#
# The server runs with --threads 1 pinned to CPU 0, the load on CPU 1 for DURATION
# seconds (default 4); perf counts the server's system calls for the whole load and
# the load generator's own count of requests or echoes divides them. Needs perf
# (linux-perf), wrk, and build/bench's ws_load (benchmarks/run.sh builds it).
# Loopback only; everything started is bounded by `timeout` and stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${1:?usage: syscalls.sh SERVER_BIN http|ws|wss}
MODE=${2:?usage: syscalls.sh SERVER_BIN http|ws|wss}
PORT=${PORT:-18730}
DURATION=${DURATION:-4}
WS_LOAD=${WS_LOAD:-$ROOT/build/bench/benchmarks/ws_load}
TMP=$(mktemp -d)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

args=(--port "$PORT" --threads 1)
if [ "$MODE" = wss ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -days 1 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
  args+=(--tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem")
fi
timeout -k 2 $((DURATION + 20)) taskset -c 0 "$BIN" "${args[@]}" >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
SERVER_PID=$(pgrep -P "$SERVER" -x "$(basename "$BIN")" || pgrep -P "$(pgrep -P "$SERVER" | head -1)" | head -1)

events=syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl
perf stat -x, -e "$events" -p "$SERVER_PID" -o "$TMP/perf.csv" &
PERF=$!
sleep 0.5
case $MODE in
  http) timeout $((DURATION + 10)) taskset -c 1 wrk -t1 -c64 -d"${DURATION}s" "http://127.0.0.1:$PORT/plaintext" >"$TMP/load.txt"
        count=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$TMP/load.txt") ;;
  ws|wss) tls=(); [ "$MODE" = wss ] && tls=(--tls)
        timeout $((DURATION + 10)) taskset -c 1 "$WS_LOAD" echo "${tls[@]}" --port "$PORT" --path /ws/as-channel-echo \
          --conns 50 --duration "$DURATION" >"$TMP/load.txt"
        count=$(sed -n 's/.* messages=\([0-9]*\).*/\1/p' "$TMP/load.txt") ;;
  *) echo "mode: http, ws or wss" >&2; exit 2 ;;
esac
sleep 0.5
kill -INT "$PERF"; wait "$PERF" || true
[ -n "$count" ] && [ "$count" -gt 0 ] || { cat "$TMP/load.txt"; echo "no load counted" >&2; exit 1; }
echo "$MODE: $count requests or echoes; system calls per one:"
awk -F, -v n="$count" '/syscalls:/ { sub("syscalls:sys_enter_", "", $3); printf "  %-11s %.2f\n", $3, $1 / n }' "$TMP/perf.csv"
