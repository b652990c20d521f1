#!/usr/bin/env bash
# ringkit vs Boost.Beast over WebSocket, one server thread each, on 127.0.0.1:
# echo throughput per server CPU-second, and memory per idle connection.
#
#   benchmarks/ws_run.sh                                              # full run (~9 min)
#   ROUNDS=1 DURATION=3 WARMUP=1 IDLE_COUNTS=5000 benchmarks/ws_run.sh  # quick look (~2 min)
#
# Servers (SERVERS): ringkit (echo_server's /ws/echo), ringkit-as-channel (/ws/as-channel-echo),
# ringkit-listener (/ws/listener-echo), beast (beast_ws_server, any of the three paths), and
# opt-in ringkit-alt (RINGKIT_ALT_BIN on RINGKIT_ALT_PATH, default /ws/echo: A/B a change).
# Scenarios (SCENARIOS): text32 (50 connections, 32-byte text messages) and bin16k (16 KiB
# binary); any text<N>[k] or bin<N>[k] works.
#
# Knobs (environment): ROUNDS DURATION WARMUP (seconds) CONNS SERVERS SCENARIOS IDLE_COUNTS
# MEM_ROUNDS IDLE_HOLD SERVER_CPU CLIENT_CPU PORT_BASE BUILD_DIR (must be build/bench*) SKIP_BUILD=1
# RINGKIT_ARGS (extra echo_server flags, e.g. "--deflate") RINGKIT_ALT_BIN RINGKIT_ALT_PATH
# CHECK_MAX_SIZE QUIET_WAIT QUIET_PCT MAX_OTHER RETRIES (as in run.sh: wait for a quiet machine,
# repeat a measurement other processes disturbed).
#
# Throughput: every measurement starts the server fresh, pinned to SERVER_CPU, probes its
# route with `ws_load check` (echoes of every length encoding, fragments, ping, close),
# warms it with WARMUP seconds of load, then runs `ws_load echo` for DURATION seconds
# pinned to CLIENT_CPU: CONNS connections, one message in flight on each, every echo
# verified byte for byte. The server's utime+stime comes from /proc before and after.
# Rounds interleave the servers (and rotate their order) so drift hits all alike.
#
# Memory: for each server and each N in IDLE_COUNTS: a fresh server; 100 connections
# opened and closed (to warm the allocator); VmRSS; N WebSockets opened (200 handshakes
# in flight at a time) and held idle; 2 s after the last one is open, VmRSS again;
# (after - before) / N is the cost of one idle connection.
#
# Results (raw ws_load output, TSVs, the markdown table) go to $BUILD_DIR/results/ws-<date>/,
# the table also to $BUILD_DIR/results/ws.md. Exit status 1 if any run saw an error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-50}
SCENARIOS=${SCENARIOS-"text32 bin16k"}  # set but empty: no echo runs (memory only)
IDLE_COUNTS=${IDLE_COUNTS-"5000 10000"}  # set but empty: no memory runs
MEM_ROUNDS=${MEM_ROUNDS:-1}
IDLE_HOLD=${IDLE_HOLD:-4}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18490}
RINGKIT_ARGS=${RINGKIT_ARGS:-}
RINGKIT_ALT_BIN=${RINGKIT_ALT_BIN:-}
RINGKIT_ALT_PATH=${RINGKIT_ALT_PATH:-/ws/echo}
CHECK_MAX_SIZE=${CHECK_MAX_SIZE:-65536}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}
MAX_OTHER=${MAX_OTHER:-15}
RETRIES=${RETRIES:-2}
SERVERS=${SERVERS:-"ringkit ringkit-as-channel ringkit-listener beast"}

die() { echo "ws_run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$ROOT/benchmarks/bench_lib.sh"  # stop_group, CPU accounting, wait_quiet, rss_kb, ratio, num

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in taskset timeout cmake getconf ss; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install util-linux coreutils cmake iproute2)"
done
[ "$(nproc)" -gt "$(( SERVER_CPU > CLIENT_CPU ? SERVER_CPU : CLIENT_CPU ))" ] || die "need CPUs $SERVER_CPU and $CLIENT_CPU"

# Idle connections need a file descriptor each, in the server and in ws_load (both inherit this).
max_idle=0
for n in $IDLE_COUNTS; do [ "$n" -gt "$max_idle" ] && max_idle=$n; done
need_fds=$((max_idle + 1000))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  ulimit -Sn "$need_fds" 2>/dev/null || ulimit -n "$need_fds" 2>/dev/null ||
    die "need $need_fds open files for IDLE_COUNTS (hard limit $(ulimit -Hn)); raise it or lower IDLE_COUNTS"
fi

# ---- cleanup: nothing outlives the script --------------------------------------
TMP=$(mktemp -d /tmp/ringkit-ws-bench.XXXXXX)
SERVER_GROUP=""   # process group of the running server's `timeout` wrapper
LOAD_GROUP=""     # and of ws_load's

cleanup() {
  stop_group "$LOAD_GROUP"; LOAD_GROUP=""
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "ws_run.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
uses_ringkit=0
for s in $SERVERS; do case $s in ringkit | ringkit-as-channel | ringkit-listener) uses_ringkit=1 ;; esac; done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  targets=(beast_ws_server ws_load)
  [ "$uses_ringkit" = 1 ] && targets+=(echo_server)
  build_targets "${targets[@]}"
fi
RINGKIT_BIN=$BUILD_DIR/examples/echo_server
BEAST_BIN=$BUILD_DIR/benchmarks/beast_ws_server
LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
[ -x "$BEAST_BIN" ] && [ -x "$LOAD_BIN" ] || die "binaries missing in $BUILD_DIR"
[ "$uses_ringkit" = 0 ] || [ -x "$RINGKIT_BIN" ] || die "$RINGKIT_BIN missing"

RESULTS=$BUILD_DIR/results/ws-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TSV=$RESULTS/runs.tsv
MEM_TSV=$RESULTS/memory.tsv
printf 'round\tscenario\tserver\tmsgs_s\tp50_us\tp99_us\tcpu_pct\tmsgs_per_cpu_s\terrors\tload_cpu_pct\tother_cpu_pct\n' >"$TSV"
printf 'round\tserver\tconns\trss_before_kb\trss_after_kb\tbytes_per_conn\tserver_fds\terrors\n' >"$MEM_TSV"
CLK_TCK=$(getconf CLK_TCK)
ERRORS_SEEN=0

# ---- servers -----------------------------------------------------------------------
port_of() {
  case $1 in
    ringkit) echo $((PORT_BASE)) ;; ringkit-as-channel) echo $((PORT_BASE + 1)) ;;
    ringkit-listener) echo $((PORT_BASE + 2)) ;; beast) echo $((PORT_BASE + 3)) ;; ringkit-alt) echo $((PORT_BASE + 4)) ;;
  esac
}
path_of() {
  case $1 in
    ringkit | beast) echo /ws/echo ;; ringkit-as-channel) echo /ws/as-channel-echo ;;
    ringkit-listener) echo /ws/listener-echo ;; ringkit-alt) echo "$RINGKIT_ALT_PATH" ;;
  esac
}
for s in $SERVERS; do
  p=$(port_of "$s")
  [ -n "$p" ] || die "unknown server $s (ringkit, ringkit-as-channel, ringkit-listener, beast, ringkit-alt)"
  [ "$s" != ringkit-alt ] || [ -x "$RINGKIT_ALT_BIN" ] || die "ringkit-alt needs RINGKIT_ALT_BIN=/path/to/echo_server"
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is taken; set PORT_BASE"; fi
done

SERVER_PID=""
start_server() {  # start_server NAME LIFE [EXTRA ARGS...]: sets SERVER_GROUP and SERVER_PID, checks the route
  local name=$1 life=$2 port path out bin i
  shift 2
  port=$(port_of "$name")
  path=$(path_of "$name")
  out=$TMP/$name.out
  case $name in
    ringkit | ringkit-as-channel | ringkit-listener) bin=$RINGKIT_BIN ;;
    ringkit-alt) bin=$RINGKIT_ALT_BIN ;;
    beast) bin=$BEAST_BIN ;;
  esac
  local args=(--port "$port" --threads 1)
  # shellcheck disable=SC2206  # RINGKIT_ARGS is a list of flags
  [ "$name" = beast ] || args+=($RINGKIT_ARGS "$@")
  # `timeout` bounds the server's life whatever happens to this script, and leads its own process group.
  timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$bin" "${args[@]}" </dev/null >"$out" 2>&1 &
  SERVER_GROUP=$!
  SERVER_PID=""
  for i in $(seq 200); do
    if [ -z "$SERVER_PID" ]; then
      SERVER_PID=$(cat "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null | awk '{print $1}')
    fi
    if [ -n "$SERVER_PID" ] && grep -q "^listening on 127.0.0.1:$port" "$out"; then break; fi
    kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$out"; die "$name exited at start (${bin##*/} ${args[*]})"; }
    sleep 0.05
  done
  grep -q "^listening on 127.0.0.1:$port" "$out" || { cat "$out"; die "$name did not print 'listening on 127.0.0.1:$port'"; }
  timeout -k 2 40 taskset -c "$CLIENT_CPU" "$LOAD_BIN" check --port "$port" --path "$path" --max-size "$CHECK_MAX_SIZE" \
    </dev/null >"$TMP/check.out" 2>&1 || { cat "$TMP/check.out"; die "$name failed the WebSocket check on $path"; }
}
stop_server() {
  stop_group "$SERVER_GROUP"
  SERVER_GROUP=""
  SERVER_PID=""
}

run_load() {  # run_load OUTFILE BOUND ARGS...: ws_load pinned to CLIENT_CPU, bounded; returns its status
  local outfile=$1 bound=$2
  shift 2
  timeout -k 2 "$bound" taskset -c "$CLIENT_CPU" "$LOAD_BIN" "$@" </dev/null >"$outfile" 2>&1 &
  LOAD_GROUP=$!
  local rc=0
  wait "$LOAD_GROUP" || rc=$?
  LOAD_GROUP=""
  return $rc
}

scenario_kind() { case $1 in text*) echo text ;; bin*) echo binary ;; esac; }
scenario_size() {
  local n=${1#text}
  n=${n#bin}
  case $n in *k) echo $((${n%k} * 1024)) ;; *) echo "$n" ;; esac
}
for scenario in $SCENARIOS; do
  [[ $scenario =~ ^(text|bin)[0-9]+k?$ ]] || die "unknown scenario $scenario (text<N>[k] or bin<N>[k], e.g. text32 bin16k)"
done

field() { awk -v k="$1" '/^echo / {for (i = 1; i <= NF; ++i) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' "$2"; }

measure() {  # measure ROUND SCENARIO SERVER: one measurement, repeated if other processes disturbed it
  local round=$1 scenario=$2 name=$3 attempt
  for attempt in $(seq 0 "$RETRIES"); do
    measure_once "$round" "$scenario" "$name"
    awk -v o="$M_OTHER" -v m="$MAX_OTHER" 'BEGIN {exit !(o > m)}' || break
    if [ "$attempt" -lt "$RETRIES" ]; then
      log "  other processes used ${M_OTHER}% of a CPU during that run (> ${MAX_OTHER}%): measuring again"
    else
      log "  other processes used ${M_OTHER}% of a CPU during that run; kept after $RETRIES retries"
    fi
  done
  printf '%s\n' "$M_ROW" >>"$TSV"
}

measure_once() {  # measure_once ROUND SCENARIO SERVER: sets M_ROW (a TSV row) and M_OTHER
  local round=$1 scenario=$2 name=$3 port path
  port=$(port_of "$name")
  path=$(path_of "$name")
  local load=(echo --port "$port" --path "$path" --conns "$CONNS" --size "$(scenario_size "$scenario")" --kind "$(scenario_kind "$scenario")")
  local raw=$RESULTS/$scenario-$name-r$round.txt
  wait_quiet
  start_server "$name" $((WARMUP + DURATION + 120))
  if [ "$WARMUP" -gt 0 ]; then
    run_load "$raw.warmup" $((WARMUP + 60)) "${load[@]}" --duration "$WARMUP" || die "$name: warm-up failed: $(cat "$raw.warmup")"
  fi
  local t0 c0 w0 b0 t1 c1 w1 b1 rc=0
  w0=$(children_ticks); b0=$(busy_ticks); c0=$(tree_ticks "$SERVER_PID"); t0=$(date +%s.%N)
  run_load "$raw" $((DURATION + 60)) "${load[@]}" --duration "$DURATION" || rc=$?
  c1=$(tree_ticks "$SERVER_PID"); t1=$(date +%s.%N); b1=$(busy_ticks); w1=$(children_ticks)
  kill -0 "$SERVER_PID" 2>/dev/null || die "$name died during the run: $(cat "$raw")"
  stop_server

  local mps messages p50 p99 errors cpu_s
  mps=$(field msgs_per_s "$raw"); messages=$(field messages "$raw"); errors=$(field errors "$raw")
  p50=$(field p50_us "$raw"); p99=$(field p99_us "$raw")
  [ -n "$mps" ] && [ -n "$messages" ] && [ -n "$errors" ] || die "ws_load failed (status $rc): $(cat "$raw")"
  if [ "$rc" != 0 ] || [ "$errors" != 0 ]; then
    ERRORS_SEEN=1
    log "  $name $scenario: ws_load reported errors (status $rc): $(grep -v '^echo ' "$raw" | head -5 | tr '\n' ' ')"
  fi
  cpu_s=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN {printf "%.3f", (b - a) / hz}')
  local cpu_pct mpc load_pct
  M_OTHER=$(awk -v b="$((b1 - b0 - (c1 - c0) - (w1 - w0)))" -v hz="$CLK_TCK" -v a="$t0" -v t="$t1" \
    'BEGIN {o = 100 * b / hz / (t - a); printf "%.1f", o < 0 ? 0 : o}')
  load_pct=$(awk -v c="$((w1 - w0))" -v hz="$CLK_TCK" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / hz / (b - a)}')
  cpu_pct=$(awk -v c="$cpu_s" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / (b - a)}')
  mpc=$(awk -v r="$messages" -v c="$cpu_s" 'BEGIN {if (c > 0) printf "%.0f", r / c; else print "nan"}')
  M_ROW=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$scenario" "$name" "$mps" "$p50" "$p99" "$cpu_pct" "$mpc" \
    "$errors" "$load_pct" "$M_OTHER")
  log "round $round  $(printf '%-7s %-18s' "$scenario" "$name")  $(printf '%7.0f' "$mps") msg/s  p50 ${p50} us  p99 ${p99} us  cpu ${cpu_pct}%  $(printf '%.0f' "$mpc") msg/cpu-s  ws_load cpu ${load_pct}%  others ${M_OTHER}%  errors $errors"
}

measure_memory() {  # measure_memory ROUND SERVER N: RSS growth of a fresh server holding N idle WebSockets
  local round=$1 name=$2 n=$3 port path
  port=$(port_of "$name")
  path=$(path_of "$name")
  local raw=$RESULTS/idle$n-$name-r$round.txt ready=$TMP/ready bound=$((IDLE_HOLD + 90 + n / 100))
  wait_quiet
  start_server "$name" $((bound + 120)) --max-connections 20000
  run_load "$raw.warm" 60 idle --port "$port" --path "$path" --conns 100 --hold 0 ||
    die "$name: warming with 100 connections failed: $(cat "$raw.warm")"
  sleep 0.5
  local before after fds opened="" rc=0
  before=$(rss_kb "$SERVER_PID")
  rm -f "$ready"
  timeout -k 2 "$bound" taskset -c "$CLIENT_CPU" "$LOAD_BIN" idle --port "$port" --path "$path" --conns "$n" \
    --hold "$IDLE_HOLD" --ready-file "$ready" </dev/null >"$raw" 2>&1 &
  LOAD_GROUP=$!
  for _ in $(seq $(((60 + n / 100) * 10))); do
    [ -s "$ready" ] && break
    kill -0 "$LOAD_GROUP" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$ready" ] || { stop_group "$LOAD_GROUP"; LOAD_GROUP=""; die "$name: $n idle connections never became ready: $(cat "$raw")"; }
  opened=$(cat "$ready")
  sleep 2
  after=$(rss_kb "$SERVER_PID")
  fds=$(find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
  wait "$LOAD_GROUP" || rc=$?
  LOAD_GROUP=""
  kill -0 "$SERVER_PID" 2>/dev/null || die "$name died holding $n connections"
  stop_server
  local errors
  errors=$(awk '/^idle / {for (i = 1; i <= NF; ++i) if ($i ~ /^errors=/) print substr($i, 8)}' "$raw")
  [ -n "$errors" ] || errors=1
  if [ "$rc" != 0 ] || [ "$errors" != 0 ] || [ "$opened" != "$n" ]; then
    ERRORS_SEEN=1
    log "  $name idle $n: ws_load reported errors (status $rc, $opened opened): $(grep -v '^idle \|^ready ' "$raw" | head -5 | tr '\n' ' ')"
  fi
  local per
  per=$(awk -v a="$before" -v b="$after" -v n="$opened" 'BEGIN {if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "nan"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$n" "$before" "$after" "$per" "$fds" "$errors" >>"$MEM_TSV"
  log "round $round  idle $(printf '%-6s %-18s' "$n" "$name")  RSS ${before} kB -> ${after} kB  ${per} bytes/connection  server fds $fds  errors $errors"
}

# ---- the runs ------------------------------------------------------------------------
read -r -a server_list <<<"$SERVERS"
n=${#server_list[@]}
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- include examples 2>/dev/null || commit="$commit+uncommitted"
log "ringkit $commit; $ROUNDS rounds x {$SCENARIOS} x {$SERVERS}, ${DURATION}s each (+${WARMUP}s warm-up), $CONNS connections"
log "then idle connections {$IDLE_COUNTS} x $MEM_ROUNDS round(s); server on CPU $SERVER_CPU, ws_load on CPU $CLIENT_CPU; raw output in $RESULTS"
for round in $(seq "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    for k in $(seq 0 $((n - 1))); do   # rotate the order each round
      measure "$round" "$scenario" "${server_list[$(((k + round - 1) % n))]}"
    done
  done
done
for round in $(seq "$MEM_ROUNDS"); do
  for count in $IDLE_COUNTS; do
    for k in $(seq 0 $((n - 1))); do
      measure_memory "$round" "${server_list[$(((k + round - 1) % n))]}" "$count"
    done
  done
done

# ---- the table -------------------------------------------------------------------------
median_of() {  # median_of FILE KEYCOL KEY KEYCOL2 KEY2 COLUMN
  awk -F'\t' -v c1="$2" -v k1="$3" -v c2="$4" -v k2="$5" -v c="$6" 'NR > 1 && $c1 == k1 && $c2 == k2 && $c != "nan" && $c != "" {print $c}' "$1" | sort -g |
    awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
median() { median_of "$TSV" 2 "$1" 3 "$2" "$3"; }            # median SCENARIO SERVER COLUMN
mem_median() { median_of "$MEM_TSV" 2 "$1" 3 "$2" "$3"; }    # mem_median SERVER N COLUMN
label() {
  local size
  size=$(scenario_size "$1")
  [ $((size % 1024)) -eq 0 ] && [ "$size" -ge 1024 ] && size="$((size / 1024)) KiB" || size="$size B"
  echo "$(scenario_kind "$1"), $size"
}
name_of() {
  case $1 in
    beast) echo Beast ;; ringkit-alt) echo "ringkit (alt build) $(path_of "$1")" ;; *) echo "ringkit $(path_of "$1")" ;;
  esac
}
has() { [[ " $SERVERS " == *" $1 "* ]]; }

TABLE=$RESULTS/ws.md
{
  echo "ringkit $commit; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); medians of $ROUNDS rounds, ${DURATION}s each; $CONNS connections, one message in flight on each, every echo verified"
  echo
  echo "| scenario | server | messages/s | p50 round trip | p99 round trip | server CPU | messages per server-CPU-second | ws_load CPU | other CPU | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for scenario in $SCENARIOS; do
    for s in $SERVERS; do
      printf '| %s | %s | %s | %s µs | %s µs | %s%% | %s | %s%% | %s%% | %s |\n' "$(label "$scenario")" "$(name_of "$s")" \
        "$(num "$(median "$scenario" "$s" 4)" %.0f)" "$(num "$(median "$scenario" "$s" 5)" %.0f)" "$(num "$(median "$scenario" "$s" 6)" %.0f)" \
        "$(num "$(median "$scenario" "$s" 7)" %.0f)" "$(num "$(median "$scenario" "$s" 8)" %.0f)" \
        "$(num "$(median "$scenario" "$s" 10)" %.0f)" "$(num "$(median "$scenario" "$s" 11)" %.0f)" \
        "$(awk -F'\t' -v s="$scenario" -v v="$s" 'NR > 1 && $2 == s && $3 == v {e += $9} END {print e + 0}' "$TSV")"
    done
  done
  if [ "$n" -gt 1 ]; then
    echo
    echo "| scenario | server | msg/s vs Beast | msg/CPU-s vs Beast | msg/s vs ringkit /ws/echo | msg/CPU-s vs ringkit /ws/echo |"
    echo "|---|---|---:|---:|---:|---:|"
    for scenario in $SCENARIOS; do
      for s in $SERVERS; do
        [ "$s" = beast ] && continue
        local_r=$(median "$scenario" "$s" 4); local_c=$(median "$scenario" "$s" 8)
        vs_echo_r="—"; vs_echo_c="—"
        if [ "$s" != ringkit ] && has ringkit; then
          vs_echo_r=$(ratio "$local_r" "$(median "$scenario" ringkit 4)"); vs_echo_c=$(ratio "$local_c" "$(median "$scenario" ringkit 8)")
        fi
        vs_beast_r="—"; vs_beast_c="—"
        if has beast; then
          vs_beast_r=$(ratio "$local_r" "$(median "$scenario" beast 4)"); vs_beast_c=$(ratio "$local_c" "$(median "$scenario" beast 8)")
        fi
        printf '| %s | %s | %s | %s | %s | %s |\n' "$(label "$scenario")" "$(name_of "$s")" "$vs_beast_r" "$vs_beast_c" "$vs_echo_r" "$vs_echo_c"
      done
    done
  fi
  if [ -n "$IDLE_COUNTS" ] && [ "$MEM_ROUNDS" -gt 0 ]; then
    echo
    echo "Idle WebSockets: a fresh server, warmed by opening and closing 100 connections; VmRSS before, and 2 s after the last of N is open (median of $MEM_ROUNDS)."
    echo
    echo "| server | idle connections | RSS before | RSS with N open | bytes per idle connection | vs Beast | server fds | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for count in $IDLE_COUNTS; do
      for s in $SERVERS; do
        per=$(mem_median "$s" "$count" 6)
        vs="—"
        [ "$s" != beast ] && has beast && vs=$(ratio "$per" "$(mem_median beast "$count" 6)")
        printf '| %s | %s | %s MiB | %s MiB | %s | %s | %s | %s |\n' "$(name_of "$s")" "$count" \
          "$(num "$(awk -v k="$(mem_median "$s" "$count" 4)" 'BEGIN {print k / 1024}')" %.1f)" \
          "$(num "$(awk -v k="$(mem_median "$s" "$count" 5)" 'BEGIN {print k / 1024}')" %.1f)" \
          "$(num "$per" %.0f)" "$vs" "$(num "$(mem_median "$s" "$count" 7)" %.0f)" \
          "$(awk -F'\t' -v s="$s" -v c="$count" 'NR > 1 && $2 == s && $3 == c {e += $8} END {print e + 0}' "$MEM_TSV")"
      done
    done
  fi
} >"$TABLE"
cp "$TABLE" "$BUILD_DIR/results/ws.md"
echo
cat "$TABLE"
echo
log "raw runs: $TSV, $MEM_TSV; table: $BUILD_DIR/results/ws.md"
[ "$ERRORS_SEEN" = 0 ] || die "some runs reported errors (see the errors columns and the raw output in $RESULTS)"
