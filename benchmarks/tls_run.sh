#!/usr/bin/env bash
# ringkit over TLS against nginx (HTTPS) and uWebSockets (WSS), one server core each, on 127.0.0.1.
#
#   benchmarks/tls_run.sh                                           # everything, 3 rounds (~12 min)
#   ROUNDS=1 DURATION=3 WARMUP=1 IDLE_COUNTS=2000 benchmarks/tls_run.sh   # quick look (~4 min)
#
# Parts (PARTS, default "https handshake wss idle"):
#   https      HTTPS keep-alive: `wrk -t1 -c$CONNS https://…/plaintext`, ringkit vs nginx,
#              once per certificate (CERTS: ecdsa = ECDSA P-256, rsa = RSA-2048).
#   handshake  full handshakes: the same with `-H 'Connection: close'`, a new TCP connection
#              and TLS handshake per request. wrk reconnects with SSL_clear, which keeps the
#              session and resumes it; wrk_no_resume.so (LD_PRELOAD'ed) drops it, and counts
#              handshakes and resumptions (a run with any resumption fails).
#   wss        WSS echo (`ws_load echo --tls`, WS_CONNS connections, one message in flight
#              each, every echo verified): text 32 B and binary 16 KiB (WS_SCENARIOS), ringkit's
#              three WebSocket APIs vs uWebSockets built with TLS; ECDSA certificate.
#   idle       bytes per idle WSS connection: a fresh server, 100 connections opened and
#              closed, VmRSS, N (IDLE_COUNTS) WSS connections opened and held idle, VmRSS 2 s
#              after the last is open; (after - before) / N.
# Servers: ringkit = benchmarks/tls_server (Release, --threads 1; /ws/echo, /ws/as-channel-echo,
# /ws/listener-echo as echo_server's), nginx = Debian nginx-light with benchmarks/nginx-tls.conf
# (worker_processes 1, master and worker counted), uws = ../shared/peers/uws built with TLS=1
# (or UWS_BIN). All TLS 1.3 only, the same certificate, the client's cipher order (wrk and
# ws_load offer TLS_AES_256_GCM_SHA384 first) and X25519.
#
# Every measurement starts the server fresh pinned to SERVER_CPU, checks it (curl over https
# with the test CA; `ws_load check --tls` for WebSocket routes), warms it for WARMUP s, then
# runs the load pinned to CLIENT_CPU for DURATION s, reading the server's utime+stime (its
# process tree) from /proc before and after: the efficiency number is requests (messages)
# per server CPU-second. Rounds interleave the servers and rotate their order; the tables
# give the median and the min–max over rounds. As run.sh: waits for a quiet machine, repeats
# a run that other processes disturbed (QUIET_WAIT QUIET_PCT MAX_OTHER RETRIES).
#
# Knobs (environment): PARTS ROUNDS DURATION WARMUP CONNS HS_CONNS WS_CONNS CERTS HTTP_SERVERS
# WS_SERVERS WS_SCENARIOS IDLE_COUNTS MEM_ROUNDS IDLE_HOLD SERVER_CPU CLIENT_CPU PORT_BASE
# BUILD_DIR (must be build/bench*) SKIP_BUILD=1 UWS_BIN QUIET_WAIT QUIET_PCT MAX_OTHER RETRIES.
# A/B a change: add ringkit-alt to HTTP_SERVERS or WS_SERVERS, with RINGKIT_ALT_BIN (another
# tls_server build), RINGKIT_ALT_NAME (its label) and RINGKIT_ALT_PATH (its WebSocket route,
# default /ws/as-channel-echo).
# Certificates (a throwaway CA, ECDSA P-256 and RSA-2048 leaves for localhost/127.0.0.1) are
# made with the openssl CLI in a temporary directory, removed at exit with everything else;
# servers and load generators are bounded by `timeout`, each in its own process group, and
# stopped by an EXIT trap. Results (raw output, TSVs, tls.md) go to $BUILD_DIR/results/tls-<date>/.
# Needs wrk, nginx-light, openssl, curl, gcc, cmake, libssl-dev, util-linux, iproute2.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/benchmarks
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
PARTS=${PARTS:-"https handshake wss idle"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
HS_CONNS=${HS_CONNS:-64}
WS_CONNS=${WS_CONNS:-50}
CERTS=${CERTS:-"ecdsa rsa"}
HTTP_SERVERS=${HTTP_SERVERS:-"ringkit nginx"}
WS_SERVERS=${WS_SERVERS:-"ringkit ringkit-as-channel ringkit-listener uws"}
WS_SCENARIOS=${WS_SCENARIOS:-"text32 bin16k"}
IDLE_COUNTS=${IDLE_COUNTS:-"3000"}
MEM_ROUNDS=${MEM_ROUNDS:-2}
IDLE_HOLD=${IDLE_HOLD:-4}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18510}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}
MAX_OTHER=${MAX_OTHER:-15}
RETRIES=${RETRIES:-2}
UWS_BIN=${UWS_BIN:-}
RINGKIT_ALT_BIN=${RINGKIT_ALT_BIN:-}
RINGKIT_ALT_NAME=${RINGKIT_ALT_NAME:-ringkit (alt build)}
RINGKIT_ALT_PATH=${RINGKIT_ALT_PATH:-/ws/as-channel-echo}

die() { echo "tls_run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$BENCH/bench_lib.sh"
has() { [[ " $1 " == *" $2 "* ]]; }  # has LIST WORD

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in wrk nginx openssl curl gcc taskset timeout cmake getconf ss; do
  command -v "$tool" >/dev/null ||
    die "$tool not found (apt-get install wrk nginx-light openssl curl gcc util-linux coreutils cmake iproute2)"
done
[ "$(nproc)" -gt "$(( SERVER_CPU > CLIENT_CPU ? SERVER_CPU : CLIENT_CPU ))" ] || die "need CPUs $SERVER_CPU and $CLIENT_CPU"
for p in $PARTS; do has "https handshake wss idle" "$p" || die "unknown part $p (https handshake wss idle)"; done
for c in $CERTS; do has "ecdsa rsa" "$c" || die "unknown certificate $c (ecdsa rsa)"; done
for s in $HTTP_SERVERS; do has "ringkit ringkit-alt nginx" "$s" || die "unknown HTTP server $s (ringkit ringkit-alt nginx)"; done
for s in $WS_SERVERS; do
  has "ringkit ringkit-as-channel ringkit-listener ringkit-alt uws" "$s" ||
    die "unknown WebSocket server $s (ringkit ringkit-as-channel ringkit-listener ringkit-alt uws)"
done
if has "$HTTP_SERVERS $WS_SERVERS" ringkit-alt && [ ! -x "$RINGKIT_ALT_BIN" ]; then
  die "ringkit-alt needs RINGKIT_ALT_BIN=/path/to/tls_server"
fi
for s in $WS_SCENARIOS; do [[ $s =~ ^(text|bin)[0-9]+k?$ ]] || die "unknown scenario $s (text<N>[k] or bin<N>[k])"; done
ws_parts=0
has "$PARTS" wss && ws_parts=1
has "$PARTS" idle && ws_parts=1

max_idle=0
for n in $IDLE_COUNTS; do [ "$n" -gt "$max_idle" ] && max_idle=$n; done
need_fds=$((max_idle + 1000))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$need_fds" ]; then
  ulimit -Sn "$need_fds" 2>/dev/null || ulimit -n "$need_fds" 2>/dev/null ||
    die "need $need_fds open files for IDLE_COUNTS (hard limit $(ulimit -Hn)); raise it or lower IDLE_COUNTS"
fi

# ---- cleanup: nothing outlives the script --------------------------------------
TMP=$(mktemp -d /tmp/ringkit-tls-bench.XXXXXX)
SERVER_GROUP=""   # process group of the running server's `timeout` wrapper
LOAD_GROUP=""     # and of the load generator's
cleanup() {
  stop_group "$LOAD_GROUP"; LOAD_GROUP=""
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "tls_run.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  BUILD_HINT="tls_server needs OpenSSL: apt-get install libssl-dev" build_targets tls_server ws_load
fi
RINGKIT_BIN=$BUILD_DIR/benchmarks/tls_server
LOAD_BIN=$BUILD_DIR/benchmarks/ws_load
[ -x "$RINGKIT_BIN" ] && [ -x "$LOAD_BIN" ] || die "binaries missing in $BUILD_DIR"
if [ "$ws_parts" = 1 ] && has "$WS_SERVERS" uws && [ -z "$UWS_BIN" ]; then
  uws_build=$ROOT/../shared/peers/uws/build.sh
  [ -x "$uws_build" ] || die "uWebSockets not found at $uws_build (set UWS_BIN, or drop uws from WS_SERVERS)"
  log "building uWebSockets with TLS (outside the work tree, in $TMP)"
  TLS=1 "$uws_build" "$TMP/uws" >"$TMP/uws-build.log" 2>&1 || { tail -20 "$TMP/uws-build.log"; die "uWebSockets build failed"; }
  UWS_BIN=$TMP/uws/uws_server
fi
NO_RESUME=$TMP/wrk_no_resume.so
gcc -O2 -shared -fPIC -o "$NO_RESUME" "$BENCH/wrk_no_resume.c" -ldl || die "could not build wrk_no_resume.so"

# ---- certificates: a throwaway CA and two leaves, as tests/support/tls_certs.hpp -------
CERT_DIR=$TMP/certs
mkdir -p "$CERT_DIR"
(
  cd "$CERT_DIR"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=ringkit bench CA" -days 2 -out ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.key
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
  for n in ecdsa rsa; do
    openssl req -new -key "$n.key" -subj "/CN=localhost" -out "$n.csr"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$n.ext"
    openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$n.ext" -out "$n.pem"
  done
) >"$TMP/certs.log" 2>&1 || { cat "$TMP/certs.log"; die "openssl could not make the certificates"; }
CA=$CERT_DIR/ca.pem

RESULTS=$BUILD_DIR/results/tls-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
HTTP_TSV=$RESULTS/http.tsv
WS_TSV=$RESULTS/wss.tsv
MEM_TSV=$RESULTS/idle.tsv
printf 'round\tpart\tcert\tserver\treq_s\tp99_ms\tcpu_pct\treq_per_cpu_s\terrors\twrk_cpu_pct\tother_cpu_pct\thandshakes\tresumed\n' >"$HTTP_TSV"
printf 'round\tscenario\tserver\tmsgs_s\tp50_us\tp99_us\tcpu_pct\tmsgs_per_cpu_s\terrors\tload_cpu_pct\tother_cpu_pct\n' >"$WS_TSV"
printf 'round\tserver\tconns\trss_before_kb\trss_after_kb\tbytes_per_conn\tserver_fds\terrors\n' >"$MEM_TSV"
CLK_TCK=$(getconf CLK_TCK)
ERRORS_SEEN=0

# ---- servers -----------------------------------------------------------------------
port_of() {
  case $1 in
    ringkit-alt) echo $((PORT_BASE + 3)) ;; ringkit*) echo $((PORT_BASE)) ;; nginx) echo $((PORT_BASE + 1)) ;; uws) echo $((PORT_BASE + 2)) ;;
  esac
}
path_of() {
  case $1 in
    ringkit-as-channel) echo /ws/as-channel-echo ;; ringkit-listener) echo /ws/listener-echo ;; ringkit-alt) echo "$RINGKIT_ALT_PATH" ;;
    *) echo /ws/echo ;;
  esac
}
for p in $PORT_BASE $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)); do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is taken; set PORT_BASE"; fi
done

SERVER_PID=""
start_server() {  # start_server NAME CERT LIFE: sets SERVER_GROUP and SERVER_PID, checks it answers
  local name=$1 cert=$2 life=$3 port out
  port=$(port_of "$name")
  out=$TMP/$name.out
  local crt=$CERT_DIR/$cert.pem key=$CERT_DIR/$cert.key
  local bin=$RINGKIT_BIN
  [ "$name" = ringkit-alt ] && bin=$RINGKIT_ALT_BIN
  case $name in
    ringkit*)
      timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$bin" --port "$port" --threads 1 --tls-cert "$crt" --tls-key "$key" \
        --max-connections $((max_idle + 1000)) </dev/null >"$out" 2>&1 &
      ;;
    uws) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$UWS_BIN" --port "$port" --tls-cert "$crt" --tls-key "$key" </dev/null >"$out" 2>&1 & ;;
    nginx)
      local dir=$TMP/nginx
      rm -rf "$dir" && mkdir -p "$dir"
      sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" -e "s#@CERT@#$crt#g" -e "s#@KEY@#$key#g" \
        -e "s#@ACCESS_LOG@#${NGINX_ACCESS_LOG:-access_log off;}#g" "$BENCH/nginx-tls.conf" >"$dir/nginx.conf"
      timeout -k 2 "$life" taskset -c "$SERVER_CPU" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >"$out" 2>&1 &
      ;;
  esac
  SERVER_GROUP=$!   # `timeout` leads its own process group; its one child is the server
  SERVER_PID=""
  for _ in $(seq 200); do
    [ -n "$SERVER_PID" ] || SERVER_PID=$(cat "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null | awk '{print $1}')
    if [ -n "$SERVER_PID" ]; then
      case $name in
        nginx) curl -s -k -m 1 -o /dev/null "https://127.0.0.1:$port/plaintext" && break ;;
        *) grep -q "^listening on 127.0.0.1:$port" "$out" && break ;;
      esac
    fi
    kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$out"; die "$name exited at start"; }
    sleep 0.05
  done
  [ -n "$SERVER_PID" ] || die "$name did not start"
  local body
  body=$(curl -s -m 5 --cacert "$CA" --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/plaintext") || true
  [ "$body" = "Hello, World!" ] || { cat "$out"; die "$name: wrong /plaintext over https ($body)"; }
}
ws_check() {  # ws_check NAME: the route's echoes, fragments, ping and close over wss
  timeout -k 2 60 taskset -c "$CLIENT_CPU" "$LOAD_BIN" check --tls --port "$(port_of "$1")" --path "$(path_of "$1")" \
    </dev/null >"$TMP/check.out" 2>&1 || { cat "$TMP/check.out"; die "$1 failed the WSS check on $(path_of "$1")"; }
}
stop_server() {
  stop_group "$SERVER_GROUP"
  SERVER_GROUP=""
  SERVER_PID=""
}

run_bounded() {  # run_bounded OUTFILE BOUND COMMAND...: pinned to CLIENT_CPU, its own process group
  local outfile=$1 bound=$2
  shift 2
  timeout -k 2 "$bound" taskset -c "$CLIENT_CPU" "$@" </dev/null >"$outfile" 2>&1 &
  LOAD_GROUP=$!
  local rc=0
  wait "$LOAD_GROUP" || rc=$?
  LOAD_GROUP=""
  return $rc
}

run_wrk() {  # run_wrk SECONDS PART PORT OUTFILE
  local secs=$1 part=$2 port=$3 outfile=$4
  local args=(-t1 -d"${secs}s" --latency --timeout 5s)
  if [ "$part" = handshake ]; then
    args+=(-c"$HS_CONNS" -H 'Connection: close')
    run_bounded "$outfile" $((secs + 20)) env LD_PRELOAD="$NO_RESUME" wrk "${args[@]}" "https://127.0.0.1:$port/plaintext"
  else
    args+=(-c"$CONNS")
    run_bounded "$outfile" $((secs + 20)) wrk "${args[@]}" "https://127.0.0.1:$port/plaintext"
  fi
}

to_ms() {  # wrk's "1.23ms" / "850.00us" / "1.02s" / "1.00m" -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}

# Accounting around one load run: M_T0.. before, M_CPU_S M_CPU_PCT M_LOAD_PCT M_OTHER after.
account_start() { M_W0=$(children_ticks); M_B0=$(busy_ticks); M_C0=$(tree_ticks "$SERVER_PID"); M_T0=$(date +%s.%N); }
account_end() {
  local c1 t1 b1 w1
  c1=$(tree_ticks "$SERVER_PID"); t1=$(date +%s.%N); b1=$(busy_ticks); w1=$(children_ticks)
  M_CPU_S=$(awk -v a="$M_C0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN {printf "%.3f", (b - a) / hz}')
  M_CPU_PCT=$(awk -v c="$M_CPU_S" -v a="$M_T0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / (b - a)}')
  M_LOAD_PCT=$(awk -v c="$((w1 - M_W0))" -v hz="$CLK_TCK" -v a="$M_T0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / hz / (b - a)}')
  M_OTHER=$(awk -v b="$((b1 - M_B0 - (c1 - M_C0) - (w1 - M_W0)))" -v hz="$CLK_TCK" -v a="$M_T0" -v t="$t1" \
    'BEGIN {o = 100 * b / hz / (t - a); printf "%.1f", o < 0 ? 0 : o}')
}
per_cpu() { awk -v r="$1" -v c="$M_CPU_S" 'BEGIN {if (c > 0) printf "%.0f", r / c; else print "nan"}'; }

with_retries() {  # with_retries TSV FUNCTION ARGS...: repeat a measurement other processes disturbed
  local tsv=$1 attempt
  shift
  for attempt in $(seq 0 "$RETRIES"); do
    "$@"
    awk -v o="$M_OTHER" -v m="$MAX_OTHER" 'BEGIN {exit !(o > m)}' || break
    if [ "$attempt" -lt "$RETRIES" ]; then
      log "  other processes used ${M_OTHER}% of a CPU during that run (> ${MAX_OTHER}%): measuring again"
    else
      log "  other processes used ${M_OTHER}% of a CPU during that run; kept after $RETRIES retries"
    fi
  done
  printf '%s\n' "$M_ROW" >>"$tsv"
}

measure_http() {  # measure_http ROUND PART CERT SERVER: sets M_ROW and M_OTHER
  local round=$1 part=$2 cert=$3 name=$4 port
  port=$(port_of "$name")
  local raw=$RESULTS/$part-$cert-$name-r$round.txt
  wait_quiet
  start_server "$name" "$cert" $((WARMUP + DURATION + 60))
  [ "$WARMUP" -gt 0 ] && { run_wrk "$WARMUP" "$part" "$port" "$raw.warmup" || die "wrk warm-up failed: $(cat "$raw.warmup")"; }
  account_start
  run_wrk "$DURATION" "$part" "$port" "$raw" || die "wrk failed: $(cat "$raw")"
  account_end
  kill -0 "$SERVER_PID" 2>/dev/null || die "$name died during the run"
  stop_server
  local rps requests p99 errors handshakes=nan resumed=nan
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
  requests=$(awk '/requests in/ {print $1}' "$raw")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $NF} END {print e + 0}' "$raw")
  [ -n "$rps" ] && [ -n "$requests" ] || die "could not parse $raw"
  if [ "$part" = handshake ]; then
    handshakes=$(sed -n 's/^wrk_no_resume: handshakes=\([0-9]*\) resumed=\([0-9]*\)$/\1/p' "$raw")
    resumed=$(sed -n 's/^wrk_no_resume: handshakes=\([0-9]*\) resumed=\([0-9]*\)$/\2/p' "$raw")
    [ -n "$handshakes" ] || die "wrk_no_resume.so did not report (not preloaded?): $raw"
    [ "$resumed" = 0 ] || die "$name: $resumed of $handshakes handshakes resumed a session (see $raw)"
  fi
  [ "$errors" = 0 ] || ERRORS_SEEN=1
  M_ROW=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$part" "$cert" "$name" "$rps" "$p99" "$M_CPU_PCT" \
    "$(per_cpu "$requests")" "$errors" "$M_LOAD_PCT" "$M_OTHER" "$handshakes" "$resumed")
  log "round $round  $(printf '%-9s %-5s %-7s' "$part" "$cert" "$name")  $(printf '%7.0f' "$rps") req/s  p99 $p99 ms  cpu ${M_CPU_PCT}%  $(per_cpu "$requests") req/cpu-s  wrk cpu ${M_LOAD_PCT}%  others ${M_OTHER}%  errors $errors  handshakes $handshakes resumed $resumed"
}

scenario_kind() { case $1 in text*) echo text ;; bin*) echo binary ;; esac; }
scenario_size() {
  local n=${1#text}
  n=${n#bin}
  case $n in *k) echo $((${n%k} * 1024)) ;; *) echo "$n" ;; esac
}
field() { awk -v k="$1" '/^echo / {for (i = 1; i <= NF; ++i) if (index($i, k "=") == 1) print substr($i, length(k) + 2)}' "$2"; }

measure_wss() {  # measure_wss ROUND SCENARIO SERVER: sets M_ROW and M_OTHER
  local round=$1 scenario=$2 name=$3 port
  port=$(port_of "$name")
  local load=("$LOAD_BIN" echo --tls --port "$port" --path "$(path_of "$name")" --conns "$WS_CONNS"
    --size "$(scenario_size "$scenario")" --kind "$(scenario_kind "$scenario")")
  local raw=$RESULTS/wss-$scenario-$name-r$round.txt
  wait_quiet
  start_server "$name" ecdsa $((WARMUP + DURATION + 150))
  ws_check "$name"
  if [ "$WARMUP" -gt 0 ]; then
    run_bounded "$raw.warmup" $((WARMUP + 60)) "${load[@]}" --duration "$WARMUP" || die "$name: warm-up failed: $(cat "$raw.warmup")"
  fi
  local rc=0
  account_start
  run_bounded "$raw" $((DURATION + 60)) "${load[@]}" --duration "$DURATION" || rc=$?
  account_end
  kill -0 "$SERVER_PID" 2>/dev/null || die "$name died during the run: $(cat "$raw")"
  stop_server
  local mps messages errors
  mps=$(field msgs_per_s "$raw"); messages=$(field messages "$raw"); errors=$(field errors "$raw")
  [ -n "$mps" ] && [ -n "$messages" ] && [ -n "$errors" ] || die "ws_load failed (status $rc): $(cat "$raw")"
  if [ "$rc" != 0 ] || [ "$errors" != 0 ]; then
    ERRORS_SEEN=1
    log "  $name $scenario: ws_load reported errors (status $rc): $(grep -v '^echo ' "$raw" | head -5 | tr '\n' ' ')"
  fi
  M_ROW=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$scenario" "$name" "$mps" "$(field p50_us "$raw")" \
    "$(field p99_us "$raw")" "$M_CPU_PCT" "$(per_cpu "$messages")" "$errors" "$M_LOAD_PCT" "$M_OTHER")
  log "round $round  $(printf '%-7s %-18s' "$scenario" "$name")  $(printf '%7.0f' "$mps") msg/s  cpu ${M_CPU_PCT}%  $(per_cpu "$messages") msg/cpu-s  ws_load cpu ${M_LOAD_PCT}%  others ${M_OTHER}%  errors $errors"
}

measure_idle() {  # measure_idle ROUND SERVER N: RSS growth of a fresh server holding N idle WSS connections
  local round=$1 name=$2 n=$3 port path
  port=$(port_of "$name")
  path=$(path_of "$name")
  local raw=$RESULTS/idle$n-$name-r$round.txt ready=$TMP/ready bound=$((IDLE_HOLD + 90 + n / 30))
  wait_quiet
  start_server "$name" ecdsa $((bound + 120))
  ws_check "$name"
  run_bounded "$raw.warm" 60 "$LOAD_BIN" idle --tls --port "$port" --path "$path" --conns 100 --hold 0 ||
    die "$name: warming with 100 connections failed: $(cat "$raw.warm")"
  sleep 0.5
  local before after fds opened="" rc=0
  before=$(rss_kb "$SERVER_PID")
  rm -f "$ready"
  timeout -k 2 "$bound" taskset -c "$CLIENT_CPU" "$LOAD_BIN" idle --tls --port "$port" --path "$path" --conns "$n" \
    --hold "$IDLE_HOLD" --ready-file "$ready" </dev/null >"$raw" 2>&1 &
  LOAD_GROUP=$!
  for _ in $(seq $(((60 + n / 30) * 10))); do
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
  local errors per
  errors=$(awk '/^idle / {for (i = 1; i <= NF; ++i) if ($i ~ /^errors=/) print substr($i, 8)}' "$raw")
  [ -n "$errors" ] || errors=1
  if [ "$rc" != 0 ] || [ "$errors" != 0 ] || [ "$opened" != "$n" ]; then
    ERRORS_SEEN=1
    log "  $name idle $n: ws_load reported errors (status $rc, $opened opened): $(grep -v '^idle \|^ready ' "$raw" | head -5 | tr '\n' ' ')"
  fi
  per=$(awk -v a="$before" -v b="$after" -v n="$opened" 'BEGIN {if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "nan"}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$n" "$before" "$after" "$per" "$fds" "$errors" >>"$MEM_TSV"
  log "round $round  idle $(printf '%-6s %-18s' "$n" "$name")  RSS ${before} kB -> ${after} kB  ${per} bytes/connection  server fds $fds  errors $errors"
}

# ---- the runs ------------------------------------------------------------------------
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- include benchmarks 2>/dev/null || commit="$commit+uncommitted"
log "ringkit $commit; parts {$PARTS}, $ROUNDS rounds, ${DURATION}s each (+${WARMUP}s warm-up); certificates {$CERTS}"
log "server on CPU $SERVER_CPU, load on CPU $CLIENT_CPU; raw output in $RESULTS"
read -r -a http_list <<<"$HTTP_SERVERS"
read -r -a ws_list <<<"$WS_SERVERS"
for round in $(seq "$ROUNDS"); do
  for part in https handshake; do
    has "$PARTS" "$part" || continue
    for cert in $CERTS; do
      for k in $(seq 0 $((${#http_list[@]} - 1))); do   # rotate the order each round
        with_retries "$HTTP_TSV" measure_http "$round" "$part" "$cert" "${http_list[$(((k + round - 1) % ${#http_list[@]}))]}"
      done
    done
  done
  if has "$PARTS" wss; then
    for scenario in $WS_SCENARIOS; do
      for k in $(seq 0 $((${#ws_list[@]} - 1))); do
        with_retries "$WS_TSV" measure_wss "$round" "$scenario" "${ws_list[$(((k + round - 1) % ${#ws_list[@]}))]}"
      done
    done
  fi
done
if has "$PARTS" idle; then
  for round in $(seq "$MEM_ROUNDS"); do
    for count in $IDLE_COUNTS; do
      for k in $(seq 0 $((${#ws_list[@]} - 1))); do
        measure_idle "$round" "${ws_list[$(((k + round - 1) % ${#ws_list[@]}))]}" "$count"
      done
    done
  done
fi

# ---- the tables -------------------------------------------------------------------------
name_of() {  # name_of SERVER [http]
  case $1 in
    ringkit) [ "${2:-}" = http ] && echo ringkit || echo "ringkit /ws/echo (co_await)" ;;
    ringkit-as-channel) echo "ringkit /ws/as-channel-echo" ;; ringkit-listener) echo "ringkit /ws/listener-echo" ;;
    ringkit-alt) [ "${2:-}" = http ] && echo "$RINGKIT_ALT_NAME" || echo "$RINGKIT_ALT_NAME $RINGKIT_ALT_PATH" ;;
    uws) echo uWebSockets ;; *) echo "$1" ;;
  esac
}
cert_label() { case $1 in ecdsa) echo "ECDSA P-256" ;; rsa) echo "RSA-2048" ;; esac; }
ws_label() {
  local size
  size=$(scenario_size "$1")
  [ $((size % 1024)) -eq 0 ] && [ "$size" -ge 1024 ] && size="$((size / 1024)) KiB" || size="$size B"
  echo "$(scenario_kind "$1") $size"
}
TABLE=$RESULTS/tls.md
{
  echo "ringkit $commit; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); $ROUNDS rounds × ${DURATION} s, median and min–max over rounds; TLS 1.3"
  for part in https handshake; do
    has "$PARTS" "$part" || continue
    echo
    if [ "$part" = https ]; then
      echo "HTTPS keep-alive, \`wrk -t1 -c$CONNS https://127.0.0.1:PORT/plaintext\`:"
    else
      echo "Full handshakes, \`wrk -t1 -c$HS_CONNS -H 'Connection: close'\` with wrk_no_resume.so (a new TLS session per request; resumed: 0 in every run):"
    fi
    echo
    echo "| certificate | server | req/s | p99 | server CPU | req per server-CPU-s | (min–max) | wrk CPU | other CPU | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for cert in $CERTS; do
      for s in $HTTP_SERVERS; do
        printf '| %s | %s | %s | %s ms | %s%% | %s | %s | %s%% | %s%% | %s |\n' "$(cert_label "$cert")" "$(name_of "$s" http)" \
          "$(num "$(values "$HTTP_TSV" 5 2="$part" 3="$cert" 4="$s" | median)" %.0f)" \
          "$(num "$(values "$HTTP_TSV" 6 2="$part" 3="$cert" 4="$s" | median)" %.2f)" \
          "$(num "$(values "$HTTP_TSV" 7 2="$part" 3="$cert" 4="$s" | median)" %.0f)" \
          "$(num "$(values "$HTTP_TSV" 8 2="$part" 3="$cert" 4="$s" | median)" %.0f)" \
          "$(values "$HTTP_TSV" 8 2="$part" 3="$cert" 4="$s" | spread)" \
          "$(num "$(values "$HTTP_TSV" 10 2="$part" 3="$cert" 4="$s" | median)" %.0f)" \
          "$(num "$(values "$HTTP_TSV" 11 2="$part" 3="$cert" 4="$s" | median)" %.0f)" \
          "$(values "$HTTP_TSV" 9 2="$part" 3="$cert" 4="$s" | awk '{e += $1} END {print e + 0}')"
      done
    done
    if has "$HTTP_SERVERS" nginx; then
      echo
      echo "| certificate | server | req/s vs nginx | req/CPU-s vs nginx |"
      echo "|---|---|---:|---:|"
      for cert in $CERTS; do
        for s in $HTTP_SERVERS; do
          [ "$s" = nginx ] && continue
          printf '| %s | %s | %s | %s |\n' "$(cert_label "$cert")" "$(name_of "$s" http)" \
            "$(ratio "$(values "$HTTP_TSV" 5 2="$part" 3="$cert" 4="$s" | median)" "$(values "$HTTP_TSV" 5 2="$part" 3="$cert" 4=nginx | median)")" \
            "$(ratio "$(values "$HTTP_TSV" 8 2="$part" 3="$cert" 4="$s" | median)" "$(values "$HTTP_TSV" 8 2="$part" 3="$cert" 4=nginx | median)")"
        done
      done
    fi
  done
  if has "$PARTS" wss; then
    echo
    echo "WSS echo, \`ws_load echo --tls --conns $WS_CONNS\` (one message in flight per connection, every echo verified), ECDSA certificate:"
    echo
    echo "| scenario | server | messages/s | p50 | p99 | server CPU | messages per server-CPU-s | (min–max) | vs uWebSockets | ws_load CPU | other CPU | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for scenario in $WS_SCENARIOS; do
      for s in $WS_SERVERS; do
        vs="—"
        [ "$s" != uws ] && has "$WS_SERVERS" uws &&
          vs=$(ratio "$(values "$WS_TSV" 8 2="$scenario" 3="$s" | median)" "$(values "$WS_TSV" 8 2="$scenario" 3=uws | median)")
        printf '| %s | %s | %s | %s µs | %s µs | %s%% | %s | %s | %s | %s%% | %s%% | %s |\n' "$(ws_label "$scenario")" "$(name_of "$s")" \
          "$(num "$(values "$WS_TSV" 4 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(num "$(values "$WS_TSV" 5 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(num "$(values "$WS_TSV" 6 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(num "$(values "$WS_TSV" 7 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(num "$(values "$WS_TSV" 8 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(values "$WS_TSV" 8 2="$scenario" 3="$s" | spread)" "$vs" \
          "$(num "$(values "$WS_TSV" 10 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(num "$(values "$WS_TSV" 11 2="$scenario" 3="$s" | median)" %.0f)" \
          "$(values "$WS_TSV" 9 2="$scenario" 3="$s" | awk '{e += $1} END {print e + 0}')"
      done
    done
  fi
  if has "$PARTS" idle; then
    echo
    echo "Idle WSS connections (ECDSA): a fresh server, 100 connections opened and closed first; VmRSS before, and 2 s after the last of N is open ($MEM_ROUNDS rounds):"
    echo
    echo "| server | idle connections | RSS before | RSS with N open | bytes per idle connection | (min–max) | vs uWebSockets | server fds | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for count in $IDLE_COUNTS; do
      for s in $WS_SERVERS; do
        vs="—"
        [ "$s" != uws ] && has "$WS_SERVERS" uws &&
          vs=$(ratio "$(values "$MEM_TSV" 6 2="$s" 3="$count" | median)" "$(values "$MEM_TSV" 6 2=uws 3="$count" | median)")
        printf '| %s | %s | %s MiB | %s MiB | %s | %s | %s | %s | %s |\n' "$(name_of "$s")" "$count" \
          "$(num "$(values "$MEM_TSV" 4 2="$s" 3="$count" | median | awk '{print $1 / 1024}')" %.1f)" \
          "$(num "$(values "$MEM_TSV" 5 2="$s" 3="$count" | median | awk '{print $1 / 1024}')" %.1f)" \
          "$(num "$(values "$MEM_TSV" 6 2="$s" 3="$count" | median)" %.0f)" \
          "$(values "$MEM_TSV" 6 2="$s" 3="$count" | spread)" "$vs" \
          "$(num "$(values "$MEM_TSV" 7 2="$s" 3="$count" | median)" %.0f)" \
          "$(values "$MEM_TSV" 8 2="$s" 3="$count" | awk '{e += $1} END {print e + 0}')"
      done
    done
  fi
} >"$TABLE"
cp "$TABLE" "$BUILD_DIR/results/tls.md"
echo
cat "$TABLE"
echo
log "raw runs: $RESULTS; table: $BUILD_DIR/results/tls.md"
[ "$ERRORS_SEEN" = 0 ] || die "some runs reported errors (see the errors columns and the raw output in $RESULTS)"
