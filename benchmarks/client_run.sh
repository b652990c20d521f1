#!/usr/bin/env bash
# ringkit's client vs a Boost.Beast client vs wrk, one client core against one server core, on
# 127.0.0.1: requests per client CPU-second; and ringkit's WebSocket client vs ws_load.
#
#   benchmarks/client_run.sh                                # full run: 3 rounds, 5 s each (~4 min)
#   ROUNDS=1 DURATION=2 WARMUP=0 benchmarks/client_run.sh  # quick look (~1 min)
#
# HTTP: nginx (one worker, benchmarks/nginx.conf: keepalive_requests 1000000, so no
# connection is ever closed under the client's pool) pinned to SERVER_CPU serves
# /plaintext; each client, pinned to CLIENT_CPU, keeps CONCURRENCY requests in flight
# over keep-alive connections for DURATION seconds:
#   ringkit  client_bench http: CONCURRENCY coroutines looping co_await client.get(url)
#   beast    beast_client: CONCURRENCY Beast coroutines looping async_write/async_read
#   wrk      wrk -t1 -cCONCURRENCY
# WebSocket: echo_server (--threads 1) pinned to SERVER_CPU; WS_CONNS connections each
# echoing one message at a time, WS_SIZES bytes (text below 1 KiB, binary above):
#   ringkit  client_bench ws (rk::ws::connect, every echo compared)
#   ws_load  benchmarks/ws_load echo (the raw-frame load client of ws_run.sh)
# The client's CPU is its utime+stime, read from this shell's cutime+cstime around the
# run (the client is the only child reaped in between); "per CPU-s" is what it did
# divided by that. Rounds rotate the clients' order.
#
# Knobs (environment): ROUNDS DURATION WARMUP (seconds) CONCURRENCY CLIENTS WS_SIZES WS_CONNS
# SERVER_CPU CLIENT_CPU PORT_BASE BUILD_DIR (must be build/bench*) SKIP_BUILD=1 QUIET_WAIT QUIET_PCT
# Results (raw output, a TSV, the markdown table) go to $BUILD_DIR/results/client-<date>/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/benchmarks
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
CONCURRENCY=${CONCURRENCY:-"1 16 256"}
CLIENTS=${CLIENTS:-"ringkit beast wrk"}
WS_SIZES=${WS_SIZES:-"32 16384"}
WS_CONNS=${WS_CONNS:-50}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18580}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}

die() { echo "client_run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$BENCH/bench_lib.sh"  # stop_group, children_ticks, wait_quiet, values, median, ratio

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in wrk nginx taskset timeout curl cmake getconf ss; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install wrk nginx-light util-linux coreutils curl cmake iproute2)"
done
[ "$(nproc)" -gt "$(( SERVER_CPU > CLIENT_CPU ? SERVER_CPU : CLIENT_CPU ))" ] || die "need CPUs $SERVER_CPU and $CLIENT_CPU"

TMP=$(mktemp -d /tmp/ringkit-client-bench.XXXXXX)
SERVER_GROUP=""  # process group of the server's `timeout` wrapper
LOAD_GROUP=""    # and of the client's
cleanup() {
  stop_group "$LOAD_GROUP"; LOAD_GROUP=""
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "client_run.sh: interrupted" >&2; exit 130' INT TERM HUP

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  build_targets client_bench beast_client echo_server ws_load
fi
CLIENT_BIN=$BUILD_DIR/benchmarks/client_bench
BEAST_BIN=$BUILD_DIR/benchmarks/beast_client
ECHO_BIN=$BUILD_DIR/examples/echo_server
WS_LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
for b in "$CLIENT_BIN" "$BEAST_BIN" "$ECHO_BIN" "$WS_LOAD_BIN"; do [ -x "$b" ] || die "$b missing"; done

NGINX_PORT=$PORT_BASE
ECHO_PORT=$((PORT_BASE + 1))
for p in $NGINX_PORT $ECHO_PORT; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is taken; set PORT_BASE"; fi
done

RESULTS=$BUILD_DIR/results/client-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TSV=$RESULTS/runs.tsv
printf 'round\tkind\tclient\tload\tcount\tcpu_s\tper_cpu_s\twall_s\n' >"$TSV"
CLK_TCK=$(getconf CLK_TCK)
# A server's hard bound on its life (it serves one round's runs), whatever happens to this script.
runs=$(( $(wc -w <<<"$CLIENTS") * $(wc -w <<<"$CONCURRENCY") + 2 * $(wc -w <<<"$WS_SIZES") ))
LIFE=$(( runs * (2 * WARMUP + DURATION + QUIET_WAIT + 25) + 60 ))

start_server() {  # start_server nginx|echo: sets SERVER_GROUP, waits until it answers
  local port out=$TMP/$1.out
  if [ "$1" = nginx ]; then
    port=$NGINX_PORT
    mkdir -p "$TMP/nginx"
    sed -e "s#@DIR@#$TMP/nginx#g" -e "s#@PORT@#$port#g" "$BENCH/nginx.conf" >"$TMP/nginx/nginx.conf"
    timeout -k 2 "$LIFE" taskset -c "$SERVER_CPU" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
      -c "$TMP/nginx/nginx.conf" </dev/null >"$out" 2>&1 &
  else
    port=$ECHO_PORT
    timeout -k 2 "$LIFE" taskset -c "$SERVER_CPU" "$ECHO_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 &
  fi
  SERVER_GROUP=$!
  for _ in $(seq 100); do
    [ "$(curl -s -m 1 "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] && return 0
    kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$out"; die "$1 exited at start"; }
    sleep 0.05
  done
  die "$1 did not answer"
}
stop_server() { stop_group "$SERVER_GROUP"; SERVER_GROUP=""; }

load_cmd() {  # load_cmd CLIENT LOAD SECONDS: the command line of one client run
  local client=$1 load=$2 secs=$3 url=http://127.0.0.1:$NGINX_PORT/plaintext kind=text
  [ "$load" -ge 1024 ] && kind=binary
  case $client in
    ringkit) echo "$CLIENT_BIN" http "$url" --concurrency "$load" --duration "$secs" ;;
    beast) echo "$BEAST_BIN" 127.0.0.1 "$NGINX_PORT" /plaintext --concurrency "$load" --duration "$secs" ;;
    wrk) echo wrk -t1 -c"$load" -d"${secs}s" --timeout 5s "$url" ;;
    ws-ringkit) echo "$CLIENT_BIN" ws "ws://127.0.0.1:$ECHO_PORT/ws/echo" --concurrency "$WS_CONNS" \
      --size "$load" --kind "$kind" --duration "$secs" ;;
    ws-load) echo "$WS_LOAD_BIN" echo --port "$ECHO_PORT" --path /ws/echo --conns "$WS_CONNS" --size "$load" \
      --kind "$kind" --duration "$secs" ;;
  esac
}

run_load() {  # run_load OUTFILE CLIENT LOAD SECONDS
  local out=$1 rc=0
  # shellcheck disable=SC2046  # the command line is words on purpose
  timeout -k 2 $(($4 + 20)) taskset -c "$CLIENT_CPU" $(load_cmd "$2" "$3" "$4") </dev/null >"$out" 2>&1 &
  LOAD_GROUP=$!
  wait "$LOAD_GROUP" || rc=$?
  LOAD_GROUP=""
  return $rc
}

measure() {  # measure ROUND KIND CLIENT LOAD: one run, a TSV row
  local round=$1 kind=$2 client=$3 load=$4 raw count w0 w1 t0 t1 cpu per
  raw=$RESULTS/$kind-$client-$load-r$round.txt
  wait_quiet
  [ "$WARMUP" -gt 0 ] && { run_load "$raw.warmup" "$client" "$load" "$WARMUP" || true; }
  w0=$(children_ticks); t0=$(date +%s.%N)
  run_load "$raw" "$client" "$load" "$DURATION" || die "$client failed: $(head -5 "$raw")"
  w1=$(children_ticks); t1=$(date +%s.%N)
  case $client in
    wrk) count=$(awk '/requests in/ {print $1}' "$raw")
         grep -q 'Non-2xx\|Socket errors' "$raw" && die "wrk saw errors: $(cat "$raw")" ;;
    ws-load) count=$(sed -n 's/.* messages=\([0-9]*\).*/\1/p' "$raw") ;;
    *) count=$(sed -n 's/.* \(requests\|messages\)=\([0-9]*\).*/\2/p' "$raw") ;;
  esac
  [ -n "$count" ] || die "could not parse $raw"
  cpu=$(awk -v a="$w0" -v b="$w1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / hz}')
  per=$(awk -v n="$count" -v c="$cpu" 'BEGIN {if (c > 0) printf "%.0f", n / c; else print "nan"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\n' "$round" "$kind" "$client" "$load" "$count" "$cpu" "$per" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" >>"$TSV"
  log "round $round  $(printf '%-4s %-10s %5s' "$kind" "$client" "$load")  $count in ${DURATION}s, client CPU ${cpu}s: $per per CPU-s"
}

rotate() {  # rotate N WORDS...: the words, starting at the Nth (mod their count)
  local n=$1; shift
  local a=("$@") i
  for i in $(seq 0 $((${#a[@]} - 1))); do echo "${a[$(((i + n) % ${#a[@]}))]}"; done
}

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- include benchmarks 2>/dev/null || commit="$commit+uncommitted"
log "ringkit $commit; $ROUNDS rounds, ${DURATION}s each (+${WARMUP}s warm-up); server on CPU $SERVER_CPU, client on CPU $CLIENT_CPU"
read -r -a client_list <<<"$CLIENTS"
for round in $(seq "$ROUNDS"); do
  start_server nginx
  for load in $CONCURRENCY; do
    for client in $(rotate "$round" "${client_list[@]}"); do measure "$round" http "$client" "$load"; done
  done
  stop_server
  start_server echo
  for size in $WS_SIZES; do
    for client in $(rotate "$round" ws-ringkit ws-load); do measure "$round" ws "$client" "$size"; done
  done
  stop_server
done

med() { values "$TSV" 7 2="$1" 3="$2" 4="$3" | median; }  # med KIND CLIENT LOAD
TABLE=$RESULTS/table.md
{
  echo "ringkit $commit; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); medians of $ROUNDS rounds, ${DURATION}s each"
  echo
  echo "| concurrent requests | rk::client req/client-CPU-s | Beast | wrk | rk ÷ Beast (goal ≥ 1.0) | rk ÷ wrk (goal ≥ 0.7) |"
  echo "|---:|---:|---:|---:|---:|---:|"
  for load in $CONCURRENCY; do
    rk=$(med http ringkit "$load"); be=$(med http beast "$load"); wr=$(med http wrk "$load")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$load" "$(num "$rk" %.0f)" "$(num "$be" %.0f)" "$(num "$wr" %.0f)" \
      "$(ratio "$rk" "$be")" "$(ratio "$rk" "$wr")"
  done
  echo
  echo "| WebSocket echo, $WS_CONNS connections | rk::ws::connect msgs/client-CPU-s | ws_load | rk ÷ ws_load |"
  echo "|---|---:|---:|---:|"
  for size in $WS_SIZES; do
    rk=$(med ws ws-ringkit "$size"); wl=$(med ws ws-load "$size")
    printf '| %s B | %s | %s | %s |\n' "$size" "$(num "$rk" %.0f)" "$(num "$wl" %.0f)" "$(ratio "$rk" "$wl")"
  done
} >"$TABLE"
echo
cat "$TABLE"
echo
log "raw runs: $TSV"
