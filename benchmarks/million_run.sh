#!/usr/bin/env bash
# A million concurrent idle WebSockets on this machine (issue 20), and one broadcast to
# all of them, on 127.0.0.x:
#
#   benchmarks/million_run.sh                 # TOTAL=1000000, ~3–6 min on a quiet machine
#   TOTAL=40000 benchmarks/million_run.sh     # a quick check of the script itself
#
# One process may hold at most `ulimit -Hn` descriptors (20,000 on this machine, and
# raising it needs CAP_SYS_RESOURCE, which the machine does not give), so the
# connections are spread over INSTANCES = TOTAL / PER_PROCESS server processes, each
# `examples/echo_server --threads 1 --redis` on a port of its own, sharing one
# redis-server, with the same number of `benchmarks/ws_million hold` client processes,
# each from a loopback source address of its own (127.0.0.2, .3, ...), whose ports it
# takes in turn (past 64k connections without touching the kernel's port range). Every connection joins
# /ws/broadcast/million, whose messages reach every member on every instance (Redis pub/sub).
#
# Reported (and written to $BUILD_DIR/results/million-<date>/summary.txt):
#  - the time to open them all (from the first client start to the last one's ready file);
#  - server RSS: the sum of every instance's VmRSS with all connections open, the same
#    sum before any connection, and the difference per connection; the kernel's share
#    (Slab and the TCP pages of /proc/meminfo, machine-wide, both ends of each connection);
#  - one broadcast: `ws_million send` publishes one message through instance 0; the time
#    from its send to the last delivery (every client records CLOCK_MONOTONIC of its last
#    message, the same clock in every process), and deliveries per server CPU-second
#    (utime+stime of all instances and of redis-server over the broadcast).
# Every client must receive the message on every connection, else the run fails.
#
# Knobs: TOTAL PER_PROCESS (default: the fd hard limit less 1,000) HOLD (seconds a client
# waits for everything, default 300) PORT_BASE BUILD_DIR (build/bench*) SKIP_BUILD=1 MIN_FREE_GB.
# Everything is bounded in time (`timeout` on every process) and removed at exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
TOTAL=${TOTAL:-1000000}
PER_PROCESS=${PER_PROCESS:-$(($(ulimit -Hn) - 1000))}
HOLD=${HOLD:-300}
PORT_BASE=${PORT_BASE:-19000}
MIN_FREE_GB=${MIN_FREE_GB:-12}
ROUTE=/ws/broadcast/million

die() { echo "million_run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$ROOT/benchmarks/bench_lib.sh"  # stop_group, rss_kb, configure_release, build_targets

case $BUILD_DIR in "$ROOT"/build/bench*) ;; *) die "BUILD_DIR must be $ROOT/build/bench*" ;; esac
for tool in redis-server timeout cmake getconf ss; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh installs it)"
done
[ "$PER_PROCESS" -ge 1000 ] || die "PER_PROCESS=$PER_PROCESS: the fd limit ($(ulimit -Hn)) is too low"
ulimit -n "$(ulimit -Hn)"
INSTANCES=$(( (TOTAL + PER_PROCESS - 1) / PER_PROCESS ))
[ "$INSTANCES" -le 250 ] || die "$INSTANCES instances: more than 250 source addresses"
free_gb=$(awk '$1 == "MemAvailable:" {print int($2 / 1048576)}' /proc/meminfo)
[ "$free_gb" -ge "$MIN_FREE_GB" ] || die "only ${free_gb} GiB available, want MIN_FREE_GB=$MIN_FREE_GB"

TMP=$(mktemp -d /tmp/ringkit-million.XXXXXX)
GROUPS_RUNNING=()
cleanup() {
  local g
  exec 2>/dev/null  # the shell's "Killed" notices of the processes stopped here
  for g in "${GROUPS_RUNNING[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
  for g in "${GROUPS_RUNNING[@]}"; do stop_group "$g"; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "million_run.sh: interrupted" >&2; exit 130' INT TERM HUP

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  build_targets echo_server ws_million
fi
SERVER_BIN=$BUILD_DIR/examples/echo_server
CLIENT_BIN=$BUILD_DIR/benchmarks/ws_million
[ -x "$SERVER_BIN" ] && [ -x "$CLIENT_BIN" ] || die "echo_server or ws_million missing in $BUILD_DIR"

LIFE=$((HOLD + 600))
spawn() {  # spawn OUT CMD...: CMD under `timeout` (its own process group); sets SPAWN_PID
  local out=$1 i
  shift
  timeout -k 2 "$LIFE" "$@" </dev/null >"$out" 2>&1 &
  GROUPS_RUNNING+=("$!")
  SPAWN_PID=""
  for i in $(seq 100); do
    SPAWN_PID=$(cat "/proc/$!/task/$!/children" 2>/dev/null | awk '{print $1}')
    [ -n "$SPAWN_PID" ] && return 0
    sleep 0.02
  done
  die "could not start $*"
}
listening() { ss -Hltn "sport = :$1" | grep -q .; }
cpu_ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; echo "$s" | awk '{print $12 + $13}'; }
meminfo_kb() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
tcp_pages() { awk '$1 == "TCP:" {for (i = 2; i < NF; ++i) if ($i == "mem") print $(i + 1)}' /proc/net/sockstat; }

RESULTS=$BUILD_DIR/results/million-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
log "$TOTAL connections: $INSTANCES instances × ≤$PER_PROCESS, one redis-server; results in $RESULTS"

REDIS_PORT=$PORT_BASE
listening "$REDIS_PORT" && die "port $REDIS_PORT is taken; set PORT_BASE"
spawn "$TMP/redis.out" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP"
REDIS_PID=$SPAWN_PID
SERVER_PIDS=()
for i in $(seq 0 $((INSTANCES - 1))); do
  port=$((PORT_BASE + 1 + i))
  listening "$port" && die "port $port is taken; set PORT_BASE"
  spawn "$TMP/server-$i.out" "$SERVER_BIN" --port "$port" --threads 1 --redis "127.0.0.1:$REDIS_PORT" \
    --max-connections "$((PER_PROCESS + 100))"
  SERVER_PIDS+=("$SPAWN_PID")
done
for i in $(seq 0 $((INSTANCES - 1))); do
  for _ in $(seq 200); do listening "$((PORT_BASE + 1 + i))" && break; sleep 0.05; done
  listening "$((PORT_BASE + 1 + i))" || { cat "$TMP/server-$i.out"; die "instance $i is not listening"; }
done
sleep 1  # each instance's subscriber connection to Redis
sum_rss() { local p t=0; for p in "${SERVER_PIDS[@]}"; do t=$((t + $(rss_kb "$p"))); done; echo "$t"; }
rss_before=$(sum_rss)
slab_before=$(meminfo_kb Slab) tcp_before=$(tcp_pages)

log "opening $TOTAL WebSockets"
t0=$(date +%s.%N)
left=$TOTAL
for i in $(seq 0 $((INSTANCES - 1))); do
  n=$(( left < PER_PROCESS ? left : PER_PROCESS ))
  left=$((left - n))
  spawn "$TMP/client-$i.out" "$CLIENT_BIN" hold --port "$((PORT_BASE + 1 + i))" --source "127.0.0.$((2 + i))" \
    --path "$ROUTE" --conns "$n" --expect 1 --hold "$HOLD" \
    --ready-file "$TMP/ready-$i" --done-file "$TMP/done-$i"
done
deadline=$(( $(date +%s) + HOLD ))
while :; do
  ready=$(find "$TMP" -maxdepth 1 -name 'ready-*' | wc -l)
  [ "$ready" -eq "$INSTANCES" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || die "only $ready of $INSTANCES clients opened all their connections in ${HOLD}s"
  sleep 0.2
done
t1=$(date +%s.%N)
opened=$(cat "$TMP"/ready-* | awk '{s += $2} END {print s}')
[ "$opened" -eq "$TOTAL" ] || { cat "$TMP"/client-*.out | head -20; die "opened $opened of $TOTAL"; }
sleep 2  # let the last handshakes' transient buffers go back
rss_after=$(sum_rss)
slab_after=$(meminfo_kb Slab) tcp_after=$(tcp_pages)

log "broadcasting one message to all of them"
cpu0=0; for p in "${SERVER_PIDS[@]}"; do cpu0=$((cpu0 + $(cpu_ticks "$p"))); done
rcpu0=$(cpu_ticks "$REDIS_PID")
"$CLIENT_BIN" send --port "$((PORT_BASE + 1))" --source 127.0.0.1 --path "$ROUTE" --text "one for a million" \
  >"$TMP/send.out" 2>&1 || { cat "$TMP/send.out"; die "the broadcast's publisher failed"; }
# Each client writes its done file once every connection has the message, and holds on.
deadline=$(( $(date +%s) + 120 ))
until [ "$(find "$TMP" -maxdepth 1 -name 'done-*' | wc -l)" -eq "$INSTANCES" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 0.1
done
cpu1=0; for p in "${SERVER_PIDS[@]}"; do cpu1=$((cpu1 + $(cpu_ticks "$p"))); done
rcpu1=$(cpu_ticks "$REDIS_PID")
cat "$TMP"/done-* >"$RESULTS/clients.txt" 2>/dev/null || true
cp "$TMP/send.out" "$RESULTS/send.txt"
sent_ns=$(sed -n 's/.*sent_ns=\([0-9]*\).*/\1/p' "$TMP/send.out")
read -r received complete last_ns errors < <(awk '/^hold / {for (i = 2; i <= NF; ++i) {split($i, kv, "="); v[kv[1]] = kv[2]}
  r += v["received"]; c += v["complete"]; e += v["errors"]; if (v["last_ns"] > l) l = v["last_ns"]}
  END {printf "%d %d %.0f %d\n", r, c, l, e}' "$RESULTS/clients.txt")
# The publisher's own connection is one more member of the room (instance 0).
CLK_TCK=$(getconf CLK_TCK)
{
  echo "million_run.sh, $(date -u +%FT%TZ), ringkit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "connections: $TOTAL over $INSTANCES instances (≤$PER_PROCESS each: the fd hard limit $(ulimit -Hn) per process)"
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "time to open them all: %.1f s (%.0f handshakes/s)\n", b - a, '"$TOTAL"' / (b - a)}'
  awk -v b="$rss_before" -v a="$rss_after" -v n="$TOTAL" -v k="$INSTANCES" 'BEGIN {
    printf "server RSS: %.0f MiB with all open (%.0f MiB before: %d instances at %.1f MiB each); %.0f B per connection\n",
      a / 1024, b / 1024, k, b / 1024 / k, (a - b) * 1024 / n}'
  awk -v s0="$slab_before" -v s1="$slab_after" -v t0="$tcp_before" -v t1="$tcp_after" -v n="$TOTAL" 'BEGIN {
    printf "kernel, both ends of every connection: Slab +%.0f MiB (%.0f B per connection), TCP buffers +%.0f MiB\n",
      (s1 - s0) / 1024, (s1 - s0) * 1024 / n, (t1 - t0) * 4 / 1024}'
  awk -v s="$sent_ns" -v l="$last_ns" -v r="$received" -v c="$complete" -v e="$errors" -v n="$TOTAL" \
    -v cpu="$((cpu1 - cpu0))" -v rcpu="$((rcpu1 - rcpu0))" -v hz="$CLK_TCK" 'BEGIN {
    printf "broadcast: %d of %d connections received it (%d errors); last delivery %.1f ms after the send\n",
      c, n, e, (l - s) / 1e6
    printf "           server CPU %.2f s (redis-server %.2f s): %.0f deliveries per server CPU-second\n",
      cpu / hz, rcpu / hz, (cpu > 0 ? r / (cpu / hz) : 0)}'
} | tee "$RESULTS/summary.txt"
[ "$complete" -eq "$TOTAL" ] && [ "$errors" -eq 0 ] || { head -20 "$TMP"/client-*.out; die "not every connection received the broadcast"; }
