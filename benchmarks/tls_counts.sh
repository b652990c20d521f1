#!/usr/bin/env bash
# System calls per WSS echo, per full handshake and per HTTPS keep-alive request of
# benchmarks/tls_server, counted in libc by count_calls.so (LD_PRELOAD'ed; no strace,
# which slows every call and so changes how often a read finds the socket empty).
# Counts do not depend on the machine's other load as timings do.
#
#   benchmarks/tls_counts.sh                               # this tree's tls_server, 2 rounds
#   RINGKIT_ALT_BIN=/path/to/tls_server benchmarks/tls_counts.sh   # and another build, interleaved
#
# Scenarios (SCENARIOS, default "ws32 ws16k handshake keepalive"): ws32/ws16k = `ws_load echo
# --tls` on WS_PATH (default /ws/as-channel-echo), WS_CONNS connections (50), text 32 B or
# binary 16 KiB; handshake = `wrk -t1 -c16 -H 'Connection: close'` with wrk_no_resume.so (a
# full handshake per request); keepalive = `wrk -t1 -c16`. Each for DURATION s (5), the server
# pinned to SERVER_CPU, the load to CLIENT_CPU; a snapshot of the counts before and after the
# load (SIGUSR2), divided by the messages, handshakes or requests the load generator reports.
# BUILD_DIR (must be build/bench*), SKIP_BUILD=1, ROUNDS. Needs wrk, openssl, gcc, cmake.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/benchmarks
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
SCENARIOS=${SCENARIOS:-"ws32 ws16k handshake keepalive"}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-5}
WS_CONNS=${WS_CONNS:-50}
WS_PATH=${WS_PATH:-/ws/as-channel-echo}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-18590}
RINGKIT_ALT_BIN=${RINGKIT_ALT_BIN:-}

die() { echo "tls_counts.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$BENCH/bench_lib.sh"
case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in wrk openssl gcc taskset timeout cmake; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

TMP=$(mktemp -d /tmp/ringkit-tls-counts.XXXXXX)
SERVER_GROUP=""
cleanup() { stop_group "$SERVER_GROUP"; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'echo "tls_counts.sh: interrupted" >&2; exit 130' INT TERM HUP

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  build_targets tls_server ws_load
fi
LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
if [ ! -x "$BUILD_DIR/benchmarks/tls_server" ] || [ ! -x "$LOAD_BIN" ]; then die "binaries missing in $BUILD_DIR"; fi
gcc -O2 -shared -fPIC -o "$TMP/count_calls.so" "$BENCH/count_calls.c" -ldl || die "could not build count_calls.so"
gcc -O2 -shared -fPIC -o "$TMP/wrk_no_resume.so" "$BENCH/wrk_no_resume.c" -ldl || die "could not build wrk_no_resume.so"
(
  cd "$TMP"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=ringkit counts CA" -days 2 -out ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
  openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >leaf.ext
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem
) >"$TMP/certs.log" 2>&1 || { cat "$TMP/certs.log"; die "openssl could not make the certificates"; }

count() {  # count LABEL BIN SCENARIO: one line of calls per operation
  local label=$1 bin=$2 scenario=$3 counts=$TMP/counts out=$TMP/server.out raw=$TMP/load.out pid="" load n
  rm -f "$counts"
  timeout -k 2 $((DURATION + 60)) taskset -c "$SERVER_CPU" env LD_PRELOAD="$TMP/count_calls.so" \
    COUNT_CALLS_OUT="$counts" "$bin" --port "$PORT" --threads 1 --tls-cert "$TMP/leaf.pem" --tls-key "$TMP/leaf.key" \
    </dev/null >"$out" 2>&1 &
  SERVER_GROUP=$!
  for _ in $(seq 200); do
    [ -n "$pid" ] || pid=$(awk '{print $1}' "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null || true)
    [ -n "$pid" ] && grep -q "^listening" "$out" && break
    sleep 0.05
  done
  [ -n "$pid" ] || die "$label did not start: $(cat "$out")"
  case $scenario in
    ws32) load=("$LOAD_BIN" echo --tls --port "$PORT" --path "$WS_PATH" --conns "$WS_CONNS" --size 32 --kind text --duration "$DURATION") ;;
    ws16k) load=("$LOAD_BIN" echo --tls --port "$PORT" --path "$WS_PATH" --conns "$WS_CONNS" --size 16384 --kind binary --duration "$DURATION") ;;
    handshake) load=(env LD_PRELOAD="$TMP/wrk_no_resume.so" wrk -t1 -c16 -d"${DURATION}s" -H 'Connection: close' "https://127.0.0.1:$PORT/plaintext") ;;
    keepalive) load=(wrk -t1 -c16 -d"${DURATION}s" "https://127.0.0.1:$PORT/plaintext") ;;
    *) die "unknown scenario $scenario" ;;
  esac
  kill -USR2 "$pid"
  timeout -k 2 $((DURATION + 40)) taskset -c "$CLIENT_CPU" "${load[@]}" </dev/null >"$raw" 2>&1 || die "$label $scenario: load failed: $(cat "$raw")"
  kill -USR2 "$pid"
  sleep 0.2
  stop_group "$SERVER_GROUP"
  SERVER_GROUP=""
  case $scenario in
    ws*) n=$(grep -o 'messages=[0-9]*' "$raw" | cut -d= -f2); grep -q 'errors=0' "$raw" || die "$label: ws_load errors: $(cat "$raw")" ;;
    handshake) n=$(sed -n 's/^wrk_no_resume: handshakes=\([0-9]*\) resumed=0$/\1/p' "$raw") ;;
    keepalive) n=$(awk '/requests in/ {print $1}' "$raw") ;;
  esac
  if [ -z "$n" ] || [ "$n" -eq 0 ]; then die "$label $scenario: no count from the load generator (or a resumption): $(cat "$raw")"; fi
  awk -v label="$label" -v sc="$scenario" -v n="$n" '
    /^--/ {s++; next}
    s == 0 {c0[$1] = $2; e0[$1] = $3}
    s == 1 {c = $2 - c0[$1]; e = $3 - e0[$1]; if (c > 0) line = line sprintf("  %s %.2f", $1, c / n) (e > 0 ? sprintf(" (EAGAIN %.2f)", e / n) : "")}
    END {printf "%-10s %-9s n=%-7d%s\n", label, sc, n, line}' "$counts"
}

log "per operation: calls (and those that returned EAGAIN); WS route $WS_PATH, $WS_CONNS connections"
for _ in $(seq "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    count "this tree" "$BUILD_DIR/benchmarks/tls_server" "$scenario"
    [ -z "$RINGKIT_ALT_BIN" ] || count "alt" "$RINGKIT_ALT_BIN" "$scenario"
  done
done
