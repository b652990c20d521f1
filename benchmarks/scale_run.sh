#!/usr/bin/env bash
# Broadcast at scale (issue 18), on 127.0.0.1, in one run:
#  across: one redis-server, 3 instances, CONNS WebSockets in one room spread over them;
#          ringkit (examples/echo_server --threads 1 --redis, /ws/broadcast/{room}) against
#          Socket.IO 4 + @socket.io/redis-adapter (benchmarks/socketio/, 3 Node processes);
#  within: one instance, WITHIN_CONNS WebSockets in one room: ringkit (echo_server
#          --threads 1, no Redis) against uWebSockets' pub/sub (../shared/peers/uws).
#
#   benchmarks/scale_run.sh            # full run, ~5 min on a quiet machine
#   QUICK=1 benchmarks/scale_run.sh    # a check that everything works, ~1.5 min (numbers mean nothing)
#
# The load: `ws_load fanout` (benchmarks/ws_load_fanout.hpp), one thread: connection 0 of the
# room publishes, every connection (the publisher too) must hear every message once, in order
# (missing, duplicated, reordered or malformed messages are counted and fail the run).
# Messages are SIZE-byte texts stamped with their send time; latency is receipt minus that
# stamp, on the same clock (one process). Phases: a probe until every socket has joined, WARMUP s
# saturating (not reported), DURATION s at a steady RATE messages/s (across only: the latency
# figures), DURATION s saturating with WINDOW messages not yet delivered to everyone (the
# throughput figures; across: WINDOW, within: WITHIN_WINDOW, 1 = one broadcast at a time, so
# "time to the last delivery" is one broadcast's whole fan-out). Each phase ends when its last
# message has reached everyone (at most DRAIN s later); its time and CPU include that.
# CPU: utime+stime from /proc of the servers (summed over the 3 instances; every thread), of
# redis-server (reported apart) and of ws_load, over each phase. Every server and Redis run on
# SERVER_CPU (0), ws_load on CLIENT_CPU (1) (taskset). Rounds interleave the peers, rotating
# their order; every run starts its servers fresh (one Redis serves the whole script).
#
# Knobs (environment): QUICK=1 ROUNDS DURATION WARMUP RATE WINDOW SIZE CONNS WITHIN_CONNS
# WITHIN_WINDOW DRAIN PARTS ("across within") ACROSS_PEERS ("ringkit socketio") WITHIN_PEERS
# ("ringkit uws") SERVER_CPU CLIENT_CPU PORT_BASE BUILD_DIR (must be build/bench*) SKIP_BUILD=1
# UWS_BIN (a built uws_server; else built into a temporary directory) QUIET_WAIT QUIET_PCT
# MAX_OTHER RETRIES (as in run.sh: wait for a quiet machine, repeat a disturbed run).
# Needs: cmake, redis-server, node + npm (npm ci installs benchmarks/socketio/package-lock.json
# into $BUILD_DIR/node-socketio), g++ (uWebSockets), taskset, timeout, ss.
# Results (raw ws_load output, runs.tsv, the markdown table) go to $BUILD_DIR/results/scale-<date>/,
# the table also to $BUILD_DIR/results/scale.md. Exit status 1 if any run saw an error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
if [ "${QUICK:-0}" = 1 ]; then
  ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-2} WARMUP=${WARMUP:-1} CONNS=${CONNS:-300} WITHIN_CONNS=${WITHIN_CONNS:-1000}
  RATE=${RATE:-20} QUIET_WAIT=${QUIET_WAIT:-0} RETRIES=${RETRIES:-0}
fi
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
RATE=${RATE:-5}
WINDOW=${WINDOW:-8}
SIZE=${SIZE:-128}
CONNS=${CONNS:-3000}
WITHIN_CONNS=${WITHIN_CONNS:-10000}
WITHIN_WINDOW=${WITHIN_WINDOW:-1}
DRAIN=${DRAIN:-10}
PARTS=${PARTS:-"across within"}
ACROSS_PEERS=${ACROSS_PEERS:-"ringkit socketio"}
WITHIN_PEERS=${WITHIN_PEERS:-"ringkit uws"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18600}
UWS_BIN=${UWS_BIN:-}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}
MAX_OTHER=${MAX_OTHER:-15}
RETRIES=${RETRIES:-2}
ROOM=bench

die() { echo "scale_run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$ROOT/benchmarks/bench_lib.sh"  # stop_group, CPU accounting, wait_quiet, values, median, ratio, num

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
has() { [[ " $1 " == *" $2 "* ]]; }
across=0 within=0
for p in $PARTS; do
  case $p in across) across=1 ;; within) within=1 ;; *) die "unknown part $p (across, within)" ;; esac
done
for p in $ACROSS_PEERS; do has "ringkit socketio" "$p" || die "unknown ACROSS_PEERS entry $p (ringkit, socketio)"; done
for p in $WITHIN_PEERS; do has "ringkit uws" "$p" || die "unknown WITHIN_PEERS entry $p (ringkit, uws)"; done
tools=(taskset timeout cmake getconf ss)
[ "$across" = 1 ] && tools+=(redis-server)
[ "$across" = 1 ] && has "$ACROSS_PEERS" socketio && tools+=(node npm)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs what the benchmarks need)"
done
[ "$(nproc)" -gt "$(( SERVER_CPU > CLIENT_CPU ? SERVER_CPU : CLIENT_CPU ))" ] || die "need CPUs $SERVER_CPU and $CLIENT_CPU"

# A socket each in ws_load and in the servers (both inherit this limit).
max_conns=$CONNS
[ "$within" = 1 ] && [ "$WITHIN_CONNS" -gt "$max_conns" ] && max_conns=$WITHIN_CONNS
need_fds=$((max_conns + 1000))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  ulimit -Sn "$need_fds" 2>/dev/null || ulimit -n "$need_fds" 2>/dev/null ||
    die "need $need_fds open files (hard limit $(ulimit -Hn)); raise it or lower CONNS/WITHIN_CONNS"
fi

# ---- cleanup: nothing outlives the script --------------------------------------
TMP=$(mktemp -d /tmp/ringkit-scale-bench.XXXXXX)
SERVER_GROUPS=()   # process groups of the running servers' `timeout` wrappers
REDIS_GROUP=""
LOAD_GROUP=""
cleanup() {
  stop_group "$LOAD_GROUP"; LOAD_GROUP=""
  local g
  for g in "${SERVER_GROUPS[@]}"; do stop_group "$g"; done
  SERVER_GROUPS=()
  stop_group "$REDIS_GROUP"; REDIS_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "scale_run.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  build_targets echo_server ws_load
fi
RINGKIT_BIN=$BUILD_DIR/examples/echo_server
LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
[ -x "$RINGKIT_BIN" ] && [ -x "$LOAD_BIN" ] || die "echo_server or ws_load missing in $BUILD_DIR"
if [ "$within" = 1 ] && has "$WITHIN_PEERS" uws && [ -z "$UWS_BIN" ]; then
  uws_build=$ROOT/../shared/peers/uws/build.sh
  [ -x "$uws_build" ] || die "uWebSockets not found at $uws_build (set UWS_BIN, or drop uws from WITHIN_PEERS)"
  log "building uWebSockets (../shared/peers/uws) in $TMP/uws"
  "$uws_build" "$TMP/uws" >"$TMP/uws-build.log" 2>&1 || { tail -20 "$TMP/uws-build.log"; die "uWebSockets build failed"; }
  UWS_BIN=$TMP/uws/uws_server
fi
NODE_DIR=$BUILD_DIR/node-socketio
SOCKETIO_JS=$ROOT/benchmarks/socketio/socketio_server.js
if [ "$across" = 1 ] && has "$ACROSS_PEERS" socketio; then
  # npm ci into the build tree from the lock file, again only when the lock changed.
  if ! cmp -s "$ROOT/benchmarks/socketio/package-lock.json" "$NODE_DIR/node_modules/.ringkit-lock.json"; then
    log "npm ci (socket.io, @socket.io/redis-adapter, redis) in $NODE_DIR"
    mkdir -p "$NODE_DIR"
    cp "$ROOT/benchmarks/socketio/package.json" "$ROOT/benchmarks/socketio/package-lock.json" "$NODE_DIR/"
    (cd "$NODE_DIR" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) >"$TMP/npm.log" 2>&1 ||
      { tail -20 "$TMP/npm.log"; die "npm ci failed in $NODE_DIR (no registry and no cache?)"; }
    cp "$ROOT/benchmarks/socketio/package-lock.json" "$NODE_DIR/node_modules/.ringkit-lock.json"
  fi
fi

RESULTS=$BUILD_DIR/results/scale-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TSV=$RESULTS/runs.tsv
printf 'round\tpart\tpeer\tphase\tpublished\texpected\tdelivered\tmissing\tsecs\tdeliveries_per_s\tserver_cpu_pct\tdeliveries_per_server_cpu_s\tredis_cpu_pct\tload_cpu_pct\tp50_us\tp99_us\tlast_p50_us\tlast_p99_us\terrors\tother_cpu_pct\n' >"$TSV"
CLK_TCK=$(getconf CLK_TCK)
ERRORS_SEEN=0

# ---- processes -------------------------------------------------------------------
# spawn LIFE CPU OUT CMD...: CMD pinned to CPU, bounded by `timeout` (which leads its own
# process group); sets SPAWN_GROUP and, once it exists, SPAWN_PID (the command itself).
spawn() {
  local life=$1 cpu=$2 out=$3 i
  shift 3
  timeout -k 2 "$life" taskset -c "$cpu" "$@" </dev/null >"$out" 2>&1 &
  SPAWN_GROUP=$!
  SPAWN_PID=""
  for i in $(seq 100); do
    SPAWN_PID=$(cat "/proc/$SPAWN_GROUP/task/$SPAWN_GROUP/children" 2>/dev/null | awk '{print $1}')
    [ -n "$SPAWN_PID" ] && return 0
    sleep 0.02
  done
  die "could not start $*"
}
wait_for_line() {  # wait_for_line FILE REGEX GROUP WHAT: up to 20 s
  local i
  for i in $(seq 400); do
    grep -qE "$2" "$1" && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1"; die "$4 exited at start"; }
    sleep 0.05
  done
  cat "$1"
  die "$4 did not print '$2' within 20 s"
}
port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

REDIS_PORT=$((PORT_BASE))
REDIS_PID=""
if [ "$across" = 1 ]; then
  port_free "$REDIS_PORT" || die "port $REDIS_PORT is taken; set PORT_BASE"
  spawn 7200 "$SERVER_CPU" "$TMP/redis.out" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "$TMP"
  REDIS_GROUP=$SPAWN_GROUP REDIS_PID=$SPAWN_PID
  wait_for_line "$TMP/redis.out" "Ready to accept connections" "$REDIS_GROUP" redis-server
fi

SERVER_PIDS=""   # comma-separated, for ws_load --server-pids
start_servers() {  # start_servers PART PEER: the instances, fresh; sets SERVER_PIDS, PORTS, WS_PATH, PROTO
  local part=$1 peer=$2 count=3 i port out life
  life=$((WARMUP + 2 * DURATION + 3 * DRAIN + 240))
  [ "$part" = within ] && count=1
  SERVER_PIDS="" PORTS="" PROTO=ws WS_PATH=/ws/broadcast/$ROOM
  for i in $(seq 0 $((count - 1))); do
    port=$((PORT_BASE + 10 + i))
    has "socketio uws" "$peer" && port=$((port + 10))
    port_free "$port" || die "port $port is taken; set PORT_BASE"
    out=$TMP/$part-$peer-$i.out
    case $part/$peer in
      across/ringkit)
        spawn "$life" "$SERVER_CPU" "$out" "$RINGKIT_BIN" --port "$port" --threads 1 --redis "127.0.0.1:$REDIS_PORT" \
          --max-connections $((CONNS + 100)) ;;
      within/ringkit)
        spawn "$life" "$SERVER_CPU" "$out" "$RINGKIT_BIN" --port "$port" --threads 1 --max-connections $((WITHIN_CONNS + 100)) ;;
      across/socketio)
        spawn "$life" "$SERVER_CPU" "$out" env NODE_PATH="$NODE_DIR/node_modules" node "$SOCKETIO_JS" --port "$port" \
          --redis "127.0.0.1:$REDIS_PORT"
        PROTO=socketio WS_PATH="/socket.io/?EIO=4&transport=websocket&room=$ROOM" ;;
      within/uws)
        spawn "$life" "$SERVER_CPU" "$out" "$UWS_BIN" --port "$port"
        WS_PATH=/ws/broadcast ;;
    esac
    SERVER_GROUPS+=("$SPAWN_GROUP")
    wait_for_line "$out" "^listening on 127.0.0.1:$port" "$SPAWN_GROUP" "$peer instance $i"
    SERVER_PIDS+=${SERVER_PIDS:+,}$SPAWN_PID
    PORTS+=${PORTS:+,}$port
  done
}
stop_servers() {
  local g
  for g in "${SERVER_GROUPS[@]}"; do stop_group "$g"; done
  SERVER_GROUPS=()
}
pids_ticks() {  # utime+stime of the comma-separated pids and their descendants
  local total=0 p
  for p in ${1//,/ }; do total=$((total + $(tree_ticks "$p"))); done
  echo "$total"
}

field() {  # field PHASE KEY FILE: a value from ws_load's line for that phase
  awk -v ph="$1" -v k="$2" '$1 == "fanout" && $2 == "phase=" ph {for (i = 3; i <= NF; ++i) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' "$3"
}

measure() {  # measure ROUND PART PEER: one run, repeated if other processes disturbed it
  local attempt
  for attempt in $(seq 0 "$RETRIES"); do
    measure_once "$@"
    awk -v o="$M_OTHER" -v m="$MAX_OTHER" 'BEGIN {exit !(o > m)}' || break
    if [ "$attempt" -lt "$RETRIES" ]; then
      log "  other processes used ${M_OTHER}% of a CPU during that run (> ${MAX_OTHER}%): measuring again"
    else
      log "  other processes used ${M_OTHER}% of a CPU during that run; kept after $RETRIES retries"
    fi
  done
  printf '%s' "$M_ROWS" >>"$TSV"
}

measure_once() {  # sets M_ROWS (TSV rows, one per reported phase) and M_OTHER
  local round=$1 part=$2 peer=$3 conns window rate phases raw
  raw=$RESULTS/$part-$peer-r$round.txt
  if [ "$part" = across ]; then conns=$CONNS window=$WINDOW rate=$RATE phases="rate saturate"
  else conns=$WITHIN_CONNS window=$WITHIN_WINDOW rate=0 phases=saturate; fi
  wait_quiet
  start_servers "$part" "$peer"
  local watched=$SERVER_PIDS${REDIS_PID:+,$REDIS_PID}
  local load=(fanout --ports "$PORTS" --path "$WS_PATH" --proto "$PROTO" --conns "$conns" --size "$SIZE"
    --rate "$rate" --window "$window" --duration "$DURATION" --warmup "$WARMUP" --drain "$DRAIN"
    --server-pids "$SERVER_PIDS")
  [ "$part" = across ] && load+=(--redis-pid "$REDIS_PID")
  local t0 t1 b0 b1 s0 s1 w0 w1 rc=0
  w0=$(children_ticks); b0=$(busy_ticks); s0=$(pids_ticks "$watched"); t0=$(date +%s.%N)
  timeout -k 2 $((WARMUP + 2 * DURATION + 3 * DRAIN + conns / 100 + 120)) taskset -c "$CLIENT_CPU" "$LOAD_BIN" "${load[@]}" \
    </dev/null >"$raw" 2>&1 &
  LOAD_GROUP=$!
  wait "$LOAD_GROUP" || rc=$?
  LOAD_GROUP=""
  s1=$(pids_ticks "$watched"); t1=$(date +%s.%N); b1=$(busy_ticks); w1=$(children_ticks)
  local alive=1 p
  for p in ${SERVER_PIDS//,/ }; do kill -0 "$p" 2>/dev/null || alive=0; done
  stop_servers
  [ "$alive" = 1 ] || { ERRORS_SEEN=1; log "  a $peer instance died during the run (see $raw)"; }
  M_OTHER=$(awk -v b="$((b1 - b0))" -v s="$((s1 - s0))" -v w="$((w1 - w0))" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
    'BEGIN {o = (b - s - w) / hz / (t1 - t0) * 100; printf "%.0f", o < 0 ? 0 : o}')
  local errors
  errors=$(awk '$1 == "fanout" && $2 == "done" {for (i = 3; i <= NF; ++i) if (index($i, "errors=") == 1) print substr($i, 8)}' "$raw")
  if [ -z "$errors" ] || [ "$rc" != 0 ] || [ "$errors" != 0 ]; then
    ERRORS_SEEN=1
    log "  $part $peer: ws_load status $rc, errors ${errors:-?}:"
    grep -v '^fanout\|^ready' "$raw" | head -8 >&2 || true
  fi
  M_ROWS=""
  local phase secs
  for phase in $phases; do
    secs=$(field "$phase" secs "$raw")
    if [ -z "$secs" ]; then
      M_ROWS+=$(printf '%s\t%s\t%s\t%s' "$round" "$part" "$peer" "$phase")$(printf '\tnan%.0s' $(seq 14))$(printf '\t%s\t%s' "${errors:-1}" "$M_OTHER")$'\n'
      continue
    fi
    M_ROWS+=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$part" "$peer" "$phase" \
      "$(field "$phase" published "$raw")" "$(field "$phase" expected "$raw")" "$(field "$phase" delivered "$raw")" \
      "$(field "$phase" missing "$raw")" "$secs" "$(field "$phase" deliveries_per_s "$raw")" \
      "$(awk -v c="$(field "$phase" server_cpu_s "$raw")" -v s="$secs" 'BEGIN {printf "%.0f", c / s * 100}')" \
      "$(field "$phase" deliveries_per_server_cpu_s "$raw")" \
      "$(awk -v c="$(field "$phase" redis_cpu_s "$raw")" -v s="$secs" 'BEGIN {printf "%.0f", c / s * 100}')" \
      "$(awk -v c="$(field "$phase" load_cpu_s "$raw")" -v s="$secs" 'BEGIN {printf "%.0f", c / s * 100}')" \
      "$(field "$phase" p50_us "$raw")" "$(field "$phase" p99_us "$raw")" \
      "$(field "$phase" last_p50_us "$raw")" "$(field "$phase" last_p99_us "$raw")" "${errors:-1}" "$M_OTHER")$'\n'
    log "round $round  $part $(printf '%-8s %-8s' "$peer" "$phase")  $(field "$phase" deliveries_per_server_cpu_s "$raw") deliveries/server-CPU-s" \
      " $(field "$phase" deliveries_per_s "$raw")/s  p50 $(field "$phase" p50_us "$raw") µs  p99 $(field "$phase" p99_us "$raw") µs" \
      " last p50 $(field "$phase" last_p50_us "$raw") µs  missing $(field "$phase" missing "$raw")  other ${M_OTHER}%"
  done
}

# ---- the runs --------------------------------------------------------------------
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- include examples benchmarks 2>/dev/null || commit="$commit+uncommitted"
log "ringkit $commit; $ROUNDS rounds; parts {$PARTS}; servers and Redis on CPU $SERVER_CPU, ws_load on CPU $CLIENT_CPU; raw output in $RESULTS"
run_part() {  # run_part PART PEERS
  local part=$1 round k n
  local -a list
  read -r -a list <<<"$2"
  n=${#list[@]}
  for round in $(seq "$ROUNDS"); do
    for k in $(seq 0 $((n - 1))); do measure "$round" "$part" "${list[$(((k + round - 1) % n))]}"; done
  done
}
[ "$across" = 1 ] && run_part across "$ACROSS_PEERS"
[ "$within" = 1 ] && run_part within "$WITHIN_PEERS"

# ---- the table -------------------------------------------------------------------
med() { values "$TSV" "$4" 2="$1" 3="$2" 4="$3" | median; }  # med PART PEER PHASE COLUMN
sum() { values "$TSV" "$4" 2="$1" 3="$2" 4="$3" | awk '{s += $1} END {print s + 0}'; }
name_of() {
  case $1 in
    ringkit) echo ringkit ;; socketio) echo "Socket.IO 4 + redis-adapter" ;; uws) echo "uWebSockets pub/sub" ;;
  esac
}
ms() { awk -v v="$1" 'BEGIN {if (v ~ /^[0-9.]+$/) printf "%.2f ms", v / 1000; else print "n/a"}'; }
row() {  # row PART PEER PHASE
  printf '| %s | %s | %s | %s%% | **%s** | %s | %s%% | %s | %s | %s | %s | %s / %s | %s |\n' "$(name_of "$2")" "$3" \
    "$(num "$(med "$1" "$2" "$3" 10)" %.0f)" "$(num "$(med "$1" "$2" "$3" 11)" %.0f)" "$(num "$(med "$1" "$2" "$3" 12)" %.0f)" \
    "$([ "$1" = across ] && echo "$(num "$(med "$1" "$2" "$3" 13)" %.0f)%" || echo —)" "$(num "$(med "$1" "$2" "$3" 14)" %.0f)" \
    "$(ms "$(med "$1" "$2" "$3" 15)")" "$(ms "$(med "$1" "$2" "$3" 16)")" "$(ms "$(med "$1" "$2" "$3" 17)")" \
    "$(ms "$(med "$1" "$2" "$3" 18)")" "$(sum "$1" "$2" "$3" 8)" "$(sum "$1" "$2" "$3" 6)" "$(sum "$1" "$2" "$3" 19)"
}
header='| peer | phase | deliveries/s | server CPU | deliveries per server-CPU-second | Redis CPU | ws_load CPU | latency p50 | latency p99 | to last delivery p50 | to last delivery p99 | missing / expected | errors |'
TABLE=$RESULTS/scale.md
{
  echo "ringkit $commit; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); medians of $ROUNDS rounds;" \
    "$SIZE-byte text messages; servers and Redis on CPU $SERVER_CPU, ws_load on CPU $CLIENT_CPU; other processes used" \
    "$(values "$TSV" 20 | spread)% of a CPU"
  if [ "$across" = 1 ]; then
    echo
    echo "**Across instances**: 3 instances (one thread each), one Redis, $CONNS WebSockets in one room; steady: $RATE messages/s" \
      "for ${DURATION}s; saturating: $WINDOW messages in flight for ${DURATION}s. Server CPU is the 3 instances' sum."
    echo
    echo "$header"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for phase in rate saturate; do for p in $ACROSS_PEERS; do row across "$p" "$phase"; done; done | sed 's/| rate |/| steady |/'
    if has "$ACROSS_PEERS" ringkit && has "$ACROSS_PEERS" socketio; then
      echo
      echo "| ringkit ÷ Socket.IO | deliveries per server-CPU-s, saturating (goal ≥ 5×) | the same, steady | latency p99, steady (goal ≤ 0.5×) | latency p99, saturating |"
      echo "|---|---:|---:|---:|---:|"
      echo "| | $(ratio "$(med across ringkit saturate 12)" "$(med across socketio saturate 12)") |" \
        "$(ratio "$(med across ringkit rate 12)" "$(med across socketio rate 12)") |" \
        "$(ratio "$(med across ringkit rate 16)" "$(med across socketio rate 16)") |" \
        "$(ratio "$(med across ringkit saturate 16)" "$(med across socketio saturate 16)") |"
    fi
  fi
  if [ "$within" = 1 ]; then
    echo
    echo "**Within one instance**: one thread, $WITHIN_CONNS WebSockets in one room, $WITHIN_WINDOW broadcast(s) in flight for ${DURATION}s."
    echo
    echo "$header"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for p in $WITHIN_PEERS; do row within "$p" saturate; done
    if has "$WITHIN_PEERS" ringkit && has "$WITHIN_PEERS" uws; then
      echo
      echo "ringkit ÷ uWebSockets: deliveries per server-CPU-second $(ratio "$(med within ringkit saturate 12)" "$(med within uws saturate 12)") (goal ≥ 1.0×)," \
        "time to the last delivery p50 $(ratio "$(med within ringkit saturate 17)" "$(med within uws saturate 17)")."
    fi
  fi
} >"$TABLE"
cp "$TABLE" "$BUILD_DIR/results/scale.md"
echo
cat "$TABLE"
echo
log "raw runs: $TSV; table: $BUILD_DIR/results/scale.md"
[ "$ERRORS_SEEN" = 0 ] || die "some runs reported errors (see the errors column and the raw output in $RESULTS)"
