#!/usr/bin/env bash
# Soak: ringkit's echo_server holding 10,000 WebSockets that keep talking, under a mixed
# HTTP load, for a bounded time. Reports errors (must be 0), the server's RSS and open
# fds over time, whether RSS plateaued, and whether the fds went back to the idle baseline.
#
#   benchmarks/soak.sh                                 # 10,000 WebSockets + HTTP for 300 s (~6 min)
#   DURATION=60 WS_CONNS=2000 benchmarks/soak.sh       # quick look
#
# What runs, all on 127.0.0.1:
#   server   examples/echo_server (Release), THREADS I/O threads, --max-connections WS_CONNS + 1000;
#            probed first with `ws_load check` on each WebSocket route.
#   ws_load  `ws_load soak`: WS_CONNS WebSockets spread round-robin over WS_PATHS (the three
#            WebSocket APIs), 200 handshakes in flight; once all are open, each sends a message
#            every WS_INTERVAL s (1..WS_SIZE bytes, text and binary in turn) and verifies its
#            echo, for DURATION s; then a close handshake on each.
#   wrk      three instances for DURATION s from the moment every WebSocket is open, each
#            checking every response body (soak_mix.lua):
#            fast  HTTP_CONNS keep-alive connections: /plaintext, /json, /stream (chunked),
#                  POST /echo 1 KiB and 64 KiB
#            close CLOSE_CONNS connections, the same requests with Connection: close
#            slow  SLOW_CONNS keep-alive connections: /sse (1 s of events) and /poll (1 s)
#   sampler  the server's VmRSS and /proc/PID/fd count every SAMPLE s, from start to end.
# Then: wait (at most FD_WAIT s) for the server's fds to return to the idle baseline;
# a second round of WS_CONNS WebSockets for AGAIN_HOLD s (no HTTP) and the fds again:
# RSS after it may exceed RSS after the first round by at most PLATEAU_PCT percent (a
# leak per connection would show there; memory malloc merely keeps would not); then
# stop the server with SIGTERM (it must exit within 10 s).
#
# Errors = WebSocket client errors + wrk non-2xx + wrk socket errors + bad response
# bodies; the server's log lines (other than "listening on") are counted apart, and
# each sample records how many there were so far. Both must be 0. Plateau: over the
# second half of the load phase, a least-squares fit of RSS against time may grow by
# at most PLATEAU_PCT percent of its value at the start of that half.
#
# Knobs (environment): DURATION (300) WS_CONNS (10000) WS_PATHS WS_INTERVAL (5) WS_SIZE (256)
# HTTP_CONNS (16) CLOSE_CONNS (4) SLOW_CONNS (16) THREADS (2) SAMPLE (5) PLATEAU_PCT (5)
# FD_WAIT (30) AGAIN_HOLD (10; 0: no second round) PORT (18500) BUILD_DIR (must be build/bench*) SKIP_BUILD=1.
# Results (raw outputs, samples.tsv, report.txt) go to $BUILD_DIR/results/soak-<date>/.
# Exit status 0 only with no errors, no server log lines, an RSS plateau and the fds back
# at the baseline twice.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
DURATION=${DURATION:-300}
WS_CONNS=${WS_CONNS:-10000}
WS_PATHS=${WS_PATHS:-/ws/echo,/ws/as-channel-echo,/ws/listener-echo}
WS_INTERVAL=${WS_INTERVAL:-5}
WS_SIZE=${WS_SIZE:-256}
HTTP_CONNS=${HTTP_CONNS:-16}
CLOSE_CONNS=${CLOSE_CONNS:-4}
SLOW_CONNS=${SLOW_CONNS:-16}
THREADS=${THREADS:-2}
SAMPLE=${SAMPLE:-5}
PLATEAU_PCT=${PLATEAU_PCT:-5}
FD_WAIT=${FD_WAIT:-30}
AGAIN_HOLD=${AGAIN_HOLD:-10}
PORT=${PORT:-18500}

die() { echo "soak.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$ROOT/benchmarks/bench_lib.sh"  # stop_group

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in wrk timeout cmake ss awk; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install wrk coreutils cmake iproute2 gawk)"
done
for n in DURATION WS_CONNS HTTP_CONNS CLOSE_CONNS SLOW_CONNS THREADS SAMPLE FD_WAIT AGAIN_HOLD PORT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number"
done
[ "$DURATION" -ge 10 ] || die "DURATION must be at least 10 s"
[ "$SAMPLE" -ge 1 ] || die "SAMPLE must be at least 1 s"
if ss -Hltn "sport = :$PORT" | grep -q .; then die "port $PORT is taken; set PORT"; fi

# A file descriptor per connection, in the server and in ws_load (both inherit this limit).
need_fds=$((WS_CONNS + HTTP_CONNS + CLOSE_CONNS + SLOW_CONNS + 2000))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need_fds" ]; then
  ulimit -Hn "$need_fds" 2>/dev/null || die "need $need_fds open files (hard limit $(ulimit -Hn)); run as root or lower WS_CONNS"
fi
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  ulimit -Sn "$need_fds" || die "cannot raise the open-file limit to $need_fds"
fi
ports=$(awk '{print $2 - $1 + 1}' /proc/sys/net/ipv4/ip_local_port_range)
[ "$ports" -gt $((WS_CONNS + 1000)) ] ||
  die "$WS_CONNS WebSockets need as many local ports; net.ipv4.ip_local_port_range has $ports"

# ---- cleanup: nothing outlives the script --------------------------------------
TMP=$(mktemp -d /tmp/ringkit-soak.XXXXXX)
SERVER_GROUP=""   # process group of the server's `timeout` wrapper
LOAD_GROUPS=()    # ws_load's and the wrks' (each `timeout` leads its own group)
SAMPLER_PID=""

cleanup() {
  local g
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; fi
  for g in "${LOAD_GROUPS[@]}"; do stop_group "$g"; done
  LOAD_GROUPS=()
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "soak.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  build_targets echo_server ws_load
fi
SERVER_BIN=$BUILD_DIR/examples/echo_server
LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
MIX=$ROOT/benchmarks/soak_mix.lua
[ -x "$SERVER_BIN" ] || die "$SERVER_BIN missing"
[ -x "$LOAD_BIN" ] || die "binaries missing in $BUILD_DIR"
RESULTS=$BUILD_DIR/results/soak-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"

# ---- server ------------------------------------------------------------------------
open_bound=$((60 + WS_CONNS / 100))   # ws_load's own bound on the handshakes is 30 + N/100 s
life=$((2 * (open_bound + WS_INTERVAL + FD_WAIT) + DURATION + AGAIN_HOLD + 180))
log "starting echo_server ($THREADS threads) on 127.0.0.1:$PORT"
timeout -k 2 "$life" "$SERVER_BIN" --port "$PORT" --threads "$THREADS" --max-connections $((WS_CONNS + 1000)) \
  </dev/null >"$RESULTS/server.out" 2>&1 &
SERVER_GROUP=$!
SERVER_PID=""
for _ in $(seq 200); do
  [ -n "$SERVER_PID" ] || SERVER_PID=$(awk '{print $1}' "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null || true)
  if [ -n "$SERVER_PID" ] && grep -q "^listening on 127.0.0.1:$PORT" "$RESULTS/server.out"; then break; fi
  kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$RESULTS/server.out"; die "echo_server exited at start"; }
  sleep 0.05
done
grep -q "^listening on 127.0.0.1:$PORT" "$RESULTS/server.out" || { cat "$RESULTS/server.out"; die "echo_server did not start"; }
IFS=, read -r -a paths <<<"$WS_PATHS"
for p in "${paths[@]}"; do
  timeout -k 2 40 "$LOAD_BIN" check --port "$PORT" --path "$p" </dev/null >"$TMP/check.out" 2>&1 ||
    { cat "$TMP/check.out"; die "the WebSocket check on $p failed"; }
done

rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '$1 == "VmHWM:" {print $2}' "/proc/$SERVER_PID/status"; }
fd_count() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
sleep 1
BASE_FDS=$(fd_count)
BASE_RSS=$(rss_kb)
log "idle baseline: $BASE_FDS fds, RSS $((BASE_RSS / 1024)) MiB"

# ---- sampler -------------------------------------------------------------------------
SAMPLES=$RESULTS/samples.tsv
PHASE=$TMP/phase
set_phase() { echo "$1" >"$PHASE.new" && mv "$PHASE.new" "$PHASE"; }  # the sampler never reads half a write
set_phase idle
WS_OUT=$RESULTS/ws_load.out
: >"$WS_OUT"
ln -sfn "$WS_OUT" "$TMP/ws_current"  # the ws_load output the sampler reads
T0=$(date +%s.%N)
printf 't_s\tphase\trss_kb\tfds\tws_live\tws_messages\tserver_log_lines\n' >"$SAMPLES"
log_lines() { grep -vc "^listening on 127.0.0.1:$PORT" "$RESULTS/server.out" || true; }
sample() {  # one row: seconds since T0, phase, VmRSS, fds, ws_load's last progress line, server log lines so far
  local now live msgs
  now=$(date +%s.%N)
  read -r live msgs < <(awk '/^progress / {l = $4; m = $5} END {sub("live=", "", l); sub("messages=", "", m); print (l == "" ? 0 : l), (m == "" ? 0 : m)}' "$TMP/ws_current")
  printf '%.1f\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(awk -v a="$T0" -v b="$now" 'BEGIN {print b - a}')" "$(cat "$PHASE")" \
    "$(rss_kb)" "$(fd_count)" "$live" "$msgs" "$(log_lines)" >>"$SAMPLES"
}
sampler() {
  local i
  for i in $(seq $((life / SAMPLE + 1))); do
    sleep "$SAMPLE"
    kill -0 "$SERVER_PID" 2>/dev/null || return 0
    sample
  done
}
sample
sampler &
SAMPLER_PID=$!

# ---- WebSockets: open them all, then HTTP beside them ------------------------------------------
start_ws() {  # start_ws OUT HOLD: ws_load soak in the background (WS_GROUP); returns once all are open (OPENED)
  local out=$1 hold=$2
  rm -f "$TMP/ready"
  : >"$out"
  ln -sfn "$out" "$TMP/ws_current"
  timeout -k 2 $((open_bound + hold + WS_INTERVAL + 120)) "$LOAD_BIN" soak --port "$PORT" --path "$WS_PATHS" \
    --conns "$WS_CONNS" --hold "$hold" --interval "$WS_INTERVAL" --size "$WS_SIZE" --report "$SAMPLE" \
    --ready-file "$TMP/ready" </dev/null >"$out" 2>"$out.err" &
  WS_GROUP=$!
  LOAD_GROUPS+=("$WS_GROUP")
  for _ in $(seq $((open_bound * 10))); do
    [ -s "$TMP/ready" ] && break
    kill -0 "$WS_GROUP" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$TMP/ready" ] || { cat "$out.err"; die "ws_load did not open its connections within ${open_bound}s"; }
  OPENED=$(cat "$TMP/ready")
}
set_phase open
log "opening $WS_CONNS WebSockets over $WS_PATHS"
start_ws "$WS_OUT" "$DURATION"
OPEN_S=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
sample
log "$OPENED WebSockets open; server fds $(fd_count), RSS $(($(rss_kb) / 1024)) MiB; HTTP load for ${DURATION}s"
set_phase load

WRK_GROUPS=()
for mode in fast close slow; do
  case $mode in fast) c=$HTTP_CONNS ;; close) c=$CLOSE_CONNS ;; slow) c=$SLOW_CONNS ;; esac
  [ "$c" -gt 0 ] || continue
  timeout -k 2 $((DURATION + 60)) wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s -s "$MIX" "http://127.0.0.1:$PORT" -- "$mode" \
    </dev/null >"$RESULTS/wrk-$mode.out" 2>&1 &
  WRK_GROUPS+=("$!")
  LOAD_GROUPS+=("$!")
done
WRK_STATUS=0
for g in "${WRK_GROUPS[@]}"; do wait "$g" || WRK_STATUS=1; done
set_phase closing
sample
WS_STATUS=0
wait "$WS_GROUP" || WS_STATUS=$?
LOAD_GROUPS=()
log "load over (wrk status $WRK_STATUS, ws_load status $WS_STATUS); waiting for the server's fds to return to $BASE_FDS"

# ---- after: fds back to the baseline? ---------------------------------------------------------
fds_back() {  # "yes, N s after the last client ended" once the server's fds are at the baseline; "no" after FD_WAIT s
  local i
  for i in $(seq $((FD_WAIT * 2))); do
    if [ "$(fd_count)" -le "$BASE_FDS" ]; then
      echo "yes, $(awk -v i="$i" 'BEGIN {printf "%.1f", (i - 1) / 2}') s after the last client ended"
      return
    fi
    sleep 0.5
  done
  echo no
}
set_phase after
FD_BACK=$(fds_back)
sample
AFTER_FDS=$(fd_count)
AFTER_RSS=$(rss_kb)
PEAK_RSS=$(hwm_kb)

# ---- again: a second round of WebSockets tells a leak from memory that malloc keeps -------------
# RSS seldom falls after a peak (malloc keeps freed memory for reuse). A leak per
# connection would grow it again on a second round of as many connections.
AGAIN_ERRORS=0
if [ "$AGAIN_HOLD" -gt 0 ]; then
  set_phase again
  log "second round: $WS_CONNS WebSockets for ${AGAIN_HOLD}s, no HTTP"
  start_ws "$RESULTS/ws_load-again.out" "$AGAIN_HOLD"
  AGAIN_OPENED=$OPENED
  AGAIN_STATUS=0
  wait "$WS_GROUP" || AGAIN_STATUS=$?
  LOAD_GROUPS=()
  set_phase after2
  FD_BACK2=$(fds_back)
  sample
  AGAIN_RSS=$(rss_kb)
  AGAIN_LINE=$(grep '^soak ' "$RESULTS/ws_load-again.out" || true)
  AGAIN_ERRORS=$(awk '{for (i = 1; i <= NF; ++i) if (index($i, "errors=") == 1) print substr($i, 8)}' <<<"$AGAIN_LINE")
  [ -n "$AGAIN_ERRORS" ] || AGAIN_ERRORS=1
  [ "$AGAIN_STATUS" = 0 ] || [ "$AGAIN_ERRORS" -gt 0 ] || AGAIN_ERRORS=1
  AGAIN_GROWTH=$(awk -v a="$AFTER_RSS" -v b="$AGAIN_RSS" 'BEGIN {printf "%.2f", 100 * (b - a) / a}')
fi
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
END_FDS=$(fd_count)
# A graceful stop must end it promptly with everything closed.
kill -TERM "$SERVER_PID"
SERVER_STOP=no
for _ in $(seq 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_STOP=yes; break; }
  sleep 0.1
done
stop_group "$SERVER_GROUP"
SERVER_GROUP=""

# ---- report ---------------------------------------------------------------------------------------
kv() { awk -v k="$1" '{for (i = 1; i <= NF; ++i) if (index($i, k "=") == 1) v = substr($i, length(k) + 2)} END {print v}' "$2"; }
ws_line=$(grep '^soak ' "$WS_OUT" || true)
[ -n "$ws_line" ] || { cat "$WS_OUT.err"; die "ws_load printed no summary (status $WS_STATUS)"; }
ws_errors=$(kv errors <(echo "$ws_line"))
ws_messages=$(kv messages <(echo "$ws_line"))
[ "$WS_STATUS" = 0 ] || [ "$ws_errors" -gt 0 ] || ws_errors=1   # a non-zero exit is an error even if uncounted
total_errors=$ws_errors
http_lines=()
for mode in fast close slow; do
  f=$RESULTS/wrk-$mode.out
  [ -f "$f" ] || continue
  reqs=$(awk '/ requests in / {print $1}' "$f")
  [ -n "$reqs" ] || { cat "$f"; die "wrk ($mode) printed no summary"; }
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$f")
  sockd=$(awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}' "$f")
  checked=$(kv checked "$f"); bad=$(kv bad "$f")
  [ -n "$checked" ] || { cat "$f"; die "wrk ($mode): soak_mix.lua's done() line is missing"; }
  e=$(( ${non2xx:-0} + ${sock:-0} + bad ))
  total_errors=$((total_errors + e))
  http_lines+=("$(printf '  %-5s %6s conns: %9s requests (%6.0f/s), %s checked, non-2xx %s, socket errors %s, bad bodies %s' \
    "$mode" "$(case $mode in fast) echo "$HTTP_CONNS" ;; close) echo "$CLOSE_CONNS" ;; slow) echo "$SLOW_CONNS" ;; esac)" \
    "$reqs" "$(awk -v r="$reqs" -v d="$DURATION" 'BEGIN {print r / d}')" "$checked" "${non2xx:-0}" "${sockd:-0}" "$bad")")
  grep -q ' first=' "$f" && http_lines+=("        first bad response: $(sed -n 's/.* first=//p' "$f")")
done
server_noise=$(log_lines)
total_errors=$((total_errors + AGAIN_ERRORS))

# Plateau: least squares over the second half of the load phase.
read -r n_load mid_t end_t fit_mid fit_end growth_pct mid_rss end_rss < <(awk -F'\t' '
  BEGIN {n = 0}
  NR > 1 && $2 == "load" {t[n] = $1; r[n] = $3; ++n}
  END {
    if (n < 4) {print n, 0, 0, 0, 0, "nan", 0, 0; exit}
    h = int(n / 2); m = n - h
    for (i = h; i < n; ++i) {st += t[i]; sr += r[i]}
    mt = st / m; mr = sr / m
    for (i = h; i < n; ++i) {num += (t[i] - mt) * (r[i] - mr); den += (t[i] - mt) ^ 2}
    b = den > 0 ? num / den : 0
    f0 = mr + b * (t[h] - mt); f1 = mr + b * (t[n - 1] - mt)
    printf "%d %.1f %.1f %.0f %.0f %.2f %d %d\n", n, t[h], t[n - 1], f0, f1, 100 * (f1 - f0) / f0, r[h], r[n - 1]
  }' "$SAMPLES")
PLATEAU=no
[ "$growth_pct" != nan ] && awk -v g="$growth_pct" -v p="$PLATEAU_PCT" 'BEGIN {exit !(g <= p)}' && PLATEAU=yes
peak_fds=$(awk -F'\t' 'NR > 1 && $4 > m {m = $4} END {print m}' "$SAMPLES")
load_rss_max=$(awk -F'\t' 'NR > 1 && $2 == "load" && $3 > m {m = $3} END {print m + 0}' "$SAMPLES")
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }

{
  echo "soak: $(date '+%Y-%m-%d %H:%M'), ringkit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), echo_server --threads $THREADS, ${DURATION} s of load"
  echo "WebSockets: $OPENED of $WS_CONNS opened (all open ${OPEN_S} s after the server started) over $WS_PATHS;"
  echo "  a message every ${WS_INTERVAL} s each: $ws_messages verified echoes ($(awk -v m="$ws_messages" -v d="$DURATION" 'BEGIN {printf "%.0f", m / d}')/s), p50 $(kv p50_us <(echo "$ws_line")) µs, p99 $(kv p99_us <(echo "$ws_line")) µs, closed cleanly $(kv closed_cleanly <(echo "$ws_line")), errors $ws_errors"
  grep '^route ' "$WS_OUT" | sed 's/^/  /'
  echo "HTTP (wrk, every body checked):"
  printf '%s\n' "${http_lines[@]}"
  echo "ERRORS: $total_errors (must be 0)"
  echo "server log lines besides 'listening on': $server_noise (must be 0; the log column below says when)"
  grep -v "^listening on 127.0.0.1:$PORT" "$RESULTS/server.out" | sort | uniq -c | sort -rn | head -5 || true
  echo
  echo "   t (s)  phase     RSS (MiB)     fds  WS live  WS echoes  log"
  awk -F'\t' -v rows=40 '
    BEGIN {n = 0}
    NR > 1 {t[n] = $1; p[n] = $2; r[n] = $3; f[n] = $4; l[n] = $5; m[n] = $6; g[n] = $7; ++n}
    END {
      stride = n > rows ? int((n + rows - 1) / rows) : 1
      for (i = 0; i < n; ++i)
        if (i % stride == 0 || i == n - 1 || p[i] != p[i - 1] || (i + 1 < n && p[i + 1] != p[i]) || g[i] != g[i - 1])
          printf "%8.1f  %-8s %10.1f %7d %8d %10d %4d\n", t[i], p[i], r[i] / 1024, f[i], l[i], m[i], g[i]
    }' "$SAMPLES"
  echo
  echo "RSS: idle $(mib "$BASE_RSS"), load-phase max $(mib "$load_rss_max"), peak (VmHWM) $(mib "$PEAK_RSS"), after close $(mib "$AFTER_RSS")"
  echo "plateau ($n_load load samples; fit over the second half, t=${mid_t}..${end_t} s): $(mib "$fit_mid") -> $(mib "$fit_end"), ${growth_pct}% (limit ${PLATEAU_PCT}%; raw samples $(mib "$mid_rss") -> $(mib "$end_rss")): $PLATEAU"
  echo "fds: idle baseline $BASE_FDS, peak $peak_fds, after close $AFTER_FDS; back to the baseline: $FD_BACK"
  if [ "$AGAIN_HOLD" -gt 0 ]; then
    echo "second round ($AGAIN_OPENED of $WS_CONNS WebSockets, ${AGAIN_HOLD} s): $AGAIN_LINE"
    echo "  RSS after the first close $(mib "$AFTER_RSS"), after the second $(mib "$AGAIN_RSS"): ${AGAIN_GROWTH}% (limit ${PLATEAU_PCT}%); fds $END_FDS, back to the baseline: $FD_BACK2"
  fi
  echo "server stopped by SIGTERM within 10 s: $SERVER_STOP"
} | tee "$RESULTS/report.txt"
log "raw outputs and samples.tsv in $RESULTS"

[ "$total_errors" = 0 ] || die "$total_errors errors"
[ "$server_noise" = 0 ] || die "the server logged $server_noise lines"
[ "$PLATEAU" = yes ] || die "RSS did not plateau"
[ "$FD_BACK" != no ] || die "server fds did not return to the baseline ($AFTER_FDS, baseline $BASE_FDS)"
if [ "$AGAIN_HOLD" -gt 0 ]; then
  [ "$FD_BACK2" != no ] || die "server fds did not return to the baseline after the second round ($END_FDS)"
  awk -v g="$AGAIN_GROWTH" -v p="$PLATEAU_PCT" 'BEGIN {exit !(g <= p)}' || die "RSS grew ${AGAIN_GROWTH}% on the second round"
fi
[ "$SERVER_STOP" = yes ] || die "the server did not stop within 10 s of SIGTERM"
