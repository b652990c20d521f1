#!/usr/bin/env bash
# Memory per idle keep-alive HTTP connection: ringkit vs Beast vs nginx vs uWebSockets,
# one server thread (nginx: one worker) each, on 127.0.0.1.
#
#   benchmarks/idle_http.sh                                       # 5,000 and 10,000 connections
#   IDLE_COUNTS=5000 SERVERS="ringkit ringkit-alt" RINGKIT_ALT_BIN=old/echo_server benchmarks/idle_http.sh
#   HEAP=1 SERVERS=ringkit IDLE_COUNTS=2000 benchmarks/idle_http.sh   # where ringkit's bytes go
#
# For each round, each N in IDLE_COUNTS and each server (in rotated order): a fresh
# server pinned to SERVER_CPU; 100 connections opened, answered once and closed (to warm
# the allocator); VmRSS; then benchmarks/idle_http_client.py (pinned to CLIENT_CPU)
# opens N connections one after the other, sends one GET /plaintext on each and reads
# the answer; SETTLE seconds after the last one, VmRSS again: (after - before) / N is the
# cost of one idle connection. SETTLE (8 s) is longer than ringkit's wait before it
# parks an idle connection (1 s, checked at least every 5 s with the default timeouts).
# Then the client sends a second GET on every connection: each must be answered.
#
# HEAP=1: ringkit servers run with benchmarks/heap_count.c preloaded (a malloc-counting
# shim); the live-allocation histogram is taken before and after, and the allocation
# sizes that grew by one or more per connection are printed with their sum (usable bytes
# + malloc's 8-byte header each), as benchmarks/ws_idle_heap.sh does for WebSockets.
#
# Servers (SERVERS): ringkit (examples/echo_server), ringkit-alt (RINGKIT_ALT_BIN: A/B a
# change), beast (benchmarks/beast_server), nginx (benchmarks/nginx.conf, worker_connections
# raised to fit N), uws (uWebSockets' uws_server, UWS_BIN; built from ../shared/peers/uws
# into $BUILD_DIR/uws when missing).
#
# Knobs: ROUNDS (1) IDLE_COUNTS ("5000 10000") SETTLE (8) SERVERS ("ringkit beast nginx uws")
# SERVER_CPU (0) CLIENT_CPU (1) PORT_BASE (18520) BUILD_DIR (build/bench*) SKIP_BUILD=1
# RINGKIT_ALT_BIN UWS_BIN UWS_SRC HEAP QUIET_WAIT QUIET_PCT. Everything is bounded by
# `timeout` and stopped on exit. Results: $BUILD_DIR/results/idle-http-<date>/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/benchmarks
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
ROUNDS=${ROUNDS:-1}
IDLE_COUNTS=${IDLE_COUNTS:-"5000 10000"}
SETTLE=${SETTLE:-8}
SERVERS=${SERVERS:-"ringkit beast nginx uws"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18520}
RINGKIT_ALT_BIN=${RINGKIT_ALT_BIN:-}
UWS_SRC=${UWS_SRC:-$ROOT/../shared/peers/uws}
UWS_BIN=${UWS_BIN:-$BUILD_DIR/uws/uws_server}
HEAP=${HEAP:-0}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}
CLK_TCK=$(getconf CLK_TCK)  # bench_lib.sh's wait_quiet reads it

die() { echo "idle_http.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$BENCH/bench_lib.sh"  # stop_group, wait_quiet, rss_kb, configure_release, build_targets

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in taskset timeout python3 cc curl ss; do command -v "$tool" >/dev/null || die "$tool not found"; done
max_idle=0
for n in $IDLE_COUNTS; do [ "$n" -gt "$max_idle" ] && max_idle=$n; done
need_fds=$((max_idle + 1000))
if [ "$(ulimit -n)" -lt "$need_fds" ]; then
  ulimit -n "$need_fds" 2>/dev/null || die "need $need_fds open files (hard limit $(ulimit -Hn)); lower IDLE_COUNTS"
fi

TMP=$(mktemp -d /tmp/ringkit-idle-http.XXXXXX)
SERVER_GROUP="" CLIENT_GROUP=""
cleanup() {
  stop_group "$CLIENT_GROUP"; CLIENT_GROUP=""
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "idle_http.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
wants() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  targets=()
  wants ringkit && targets+=(echo_server)
  wants beast && targets+=(beast_server)
  if [ ${#targets[@]} -gt 0 ]; then configure_release; build_targets "${targets[@]}"; fi
fi
if wants uws && [ ! -x "$UWS_BIN" ]; then
  log "building uws_server into $(dirname "$UWS_BIN")"
  bash "$UWS_SRC/build.sh" "$(dirname "$UWS_BIN")" >"$TMP/uws-build.log" 2>&1 || { tail -20 "$TMP/uws-build.log"; die "uws build failed"; }
fi
RINGKIT_BIN=$BUILD_DIR/examples/echo_server
BEAST_BIN=$BUILD_DIR/benchmarks/beast_server
cc -O2 -shared -fPIC -o "$TMP/heap_count.so" "$BENCH/heap_count.c"

RESULTS=$BUILD_DIR/results/idle-http-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TSV=$RESULTS/memory.tsv
printf 'round\tserver\tconns\trss_before_kb\trss_after_kb\tbytes_per_conn\tanswered_after_idle\n' >"$TSV"

# ---- one server ------------------------------------------------------------------
SERVER_PID=""
start_server() {  # start_server NAME PORT N
  local name=$1 port=$2 n=$3 out=$TMP/$1.out preload=""
  local life=$((SETTLE + 300 + n / 50))
  case $name in ringkit | ringkit-alt) [ "$HEAP" = 1 ] && preload=$TMP/heap_count.so ;; esac
  local env=(env MALLOC_COUNT_OUT="$TMP/histogram" ${preload:+LD_PRELOAD=$preload})
  case $name in
    ringkit) "${env[@]}" timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$RINGKIT_BIN" --port "$port" --threads 1 --max-connections $((n + 1000)) </dev/null >"$out" 2>&1 & ;;
    ringkit-alt) "${env[@]}" timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$RINGKIT_ALT_BIN" --port "$port" --threads 1 --max-connections $((n + 1000)) </dev/null >"$out" 2>&1 & ;;
    beast) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$BEAST_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 & ;;
    uws) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$UWS_BIN" --port "$port" </dev/null >"$out" 2>&1 & ;;
    nginx)
      local dir=$TMP/nginx
      rm -rf "$dir" && mkdir -p "$dir"
      sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" -e "s#worker_connections [0-9]*;#worker_connections $((n + 1000));#" \
        -e "s#^worker_processes 1;#worker_processes 1;\nworker_rlimit_nofile $((n + 2000));#" "$BENCH/nginx.conf" >"$dir/nginx.conf"
      timeout -k 2 "$life" taskset -c "$SERVER_CPU" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >"$out" 2>&1 &
      ;;
    *) die "unknown server $name" ;;
  esac
  SERVER_GROUP=$!
  SERVER_PID=""
  for _ in $(seq 100); do
    if [ -z "$SERVER_PID" ]; then
      SERVER_PID=$(cat "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null | awk '{print $1}')
    fi
    if [ -n "$SERVER_PID" ] && curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/plaintext"; then break; fi
    kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$out"; die "$name exited at start"; }
    sleep 0.05
  done
  [ "$(curl -s -m 2 "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || die "$name: wrong /plaintext"
  if [ "$name" = nginx ]; then  # the worker, not the master, holds the connections
    SERVER_PID=$(pgrep -P "$SERVER_PID" nginx | head -1)
  fi
  [ -n "$SERVER_PID" ] || die "$name: no server process"
}

snapshot() {  # snapshot FILE: the shim's live-allocation histogram, now
  rm -f "$TMP/histogram"
  kill -USR2 "$SERVER_PID"
  for _ in $(seq 50); do [ -s "$TMP/histogram" ] && break; sleep 0.1; done
  sleep 0.2
  cp "$TMP/histogram" "$1"
}

client() {  # client N HOLD: in the background, CLIENT_GROUP set
  rm -f "$TMP/ready"
  timeout -k 2 $((60 + $1 / 50 + ${2%.*} + 60)) taskset -c "$CLIENT_CPU" python3 "$BENCH/idle_http_client.py" "$PORT" "$1" "$2" "$TMP/ready" \
    </dev/null >"$TMP/client.out" 2>&1 &
  CLIENT_GROUP=$!
}

measure() {  # measure ROUND SERVER N
  local round=$1 name=$2 n=$3 heap=0
  PORT=$((PORT_BASE + round))
  ss -Hltn "sport = :$PORT" | grep -q . && die "port $PORT is taken; set PORT_BASE"
  case $name in ringkit | ringkit-alt) [ "$HEAP" = 1 ] && heap=1 ;; esac
  wait_quiet
  start_server "$name" "$PORT" "$n"
  client 100 0
  wait "$CLIENT_GROUP" || die "$name: warming with 100 connections failed: $(cat "$TMP/client.out")"
  CLIENT_GROUP=""
  sleep 0.5
  [ "$heap" = 1 ] && snapshot "$TMP/before"
  local before after answered
  before=$(rss_kb "$SERVER_PID")
  client "$n" "$SETTLE"
  for _ in $(seq $(((60 + n / 50) * 10))); do
    [ -s "$TMP/ready" ] && break
    kill -0 "$CLIENT_GROUP" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$TMP/ready" ] || die "$name: $n connections never became ready: $(cat "$TMP/client.out")"
  sleep "$((SETTLE - 1))"
  after=$(rss_kb "$SERVER_PID")
  [ "$heap" = 1 ] && snapshot "$TMP/after"
  wait "$CLIENT_GROUP" || true
  CLIENT_GROUP=""
  cp "$TMP/client.out" "$RESULTS/client-$name-$n-r$round.txt"
  answered=$(sed -n 's/.*answered_after_idle=\([0-9]*\).*/\1/p' "$TMP/client.out")
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  local per
  per=$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN {printf "%.0f", (b - a) * 1024 / n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$n" "$before" "$after" "$per" "${answered:-0}" >>"$TSV"
  log "round $round  $(printf '%-6s %-12s' "$n" "$name")  RSS ${before} kB -> ${after} kB  $per bytes/connection  answered after idle ${answered:-0}/$n"
  if [ "$heap" = 1 ]; then
    python3 - "$TMP/before" "$TMP/after" "$n" <<'PY' | tee "$RESULTS/heap-$name-$n-r$round.txt" >&2
import sys
def load(p):
    return {int(s): int(c) for s, c in (line.split() for line in open(p))}
before, after, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
grew = [(s, round((after.get(s, 0) - before.get(s, 0)) / n)) for s in sorted(set(before) | set(after)) if s >= 0]
grew = [(s, c) for s, c in grew if c > 0]
usable = sum(s * c for s, c in grew)
count = sum(c for _, c in grew)
big = (after.get(-1, 0) - before.get(-1, 0)) / n
print("  heap: allocation sizes per connection:", " ".join(f"{s}x{c}" if c > 1 else str(s) for s, c in grew))
print(f"  heap: {count} allocations, {usable} usable bytes, {usable + 8 * count} bytes with malloc's headers"
      f" (+{big:.0f} B/connection in blocks of 8 KiB or more)")
PY
  fi
}

read -r -a server_list <<<"$SERVERS"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
log "ringkit $commit; $ROUNDS round(s) x {$IDLE_COUNTS} x {$SERVERS}; settle ${SETTLE}s; results in $RESULTS"
for round in $(seq "$ROUNDS"); do
  for n in $IDLE_COUNTS; do
    k=${#server_list[@]}
    for i in $(seq 0 $((k - 1))); do measure "$round" "${server_list[$(((i + round - 1) % k))]}" "$n"; done
  done
done

{
  echo "| server | $(for n in $IDLE_COUNTS; do printf '%s idle | ' "$n"; done | sed 's/ | $//') |"
  echo "|---|$(for _ in $IDLE_COUNTS; do printf -- '---:|'; done)"
  for s in "${server_list[@]}"; do
    printf '| %s |' "$s"
    for n in $IDLE_COUNTS; do printf ' %s |' "$(values "$TSV" 6 2="$s" 3="$n" | median)"; done
    echo
  done
} | tee "$RESULTS/table.md"
