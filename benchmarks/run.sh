#!/usr/bin/env bash
# ringkit vs Boost.Beast vs nginx, one server thread each, on 127.0.0.1.
#
#   benchmarks/run.sh                      # full run: 3 rounds x 3 servers x 3 scenarios, 8 s each (~6 min)
#   ROUNDS=1 DURATION=3 WARMUP=1 benchmarks/run.sh    # quick look (~1 min)
#
# Knobs (environment): ROUNDS DURATION WARMUP (seconds) CONNS DEPTH SERVERS SCENARIOS
# SERVER_CPU CLIENT_CPU PORT_BASE BUILD_DIR (must be build/bench*) SKIP_BUILD=1
# QUIET_WAIT QUIET_PCT (wait up to QUIET_WAIT s before each run for other processes to
# use < QUIET_PCT% of a CPU; a run during which they used > MAX_OTHER% of a CPU is
# repeated up to RETRIES times; the "other CPU" column shows what they used).
#
# Every measurement starts the server fresh, pinned to SERVER_CPU, warms it with
# WARMUP seconds of wrk, then runs `wrk -t1 -c$CONNS -d${DURATION}s --latency`
# pinned to CLIENT_CPU, reading the server's utime+stime (its whole process tree,
# for nginx's master+worker) from /proc before and after. Rounds interleave the
# servers (and rotate their order) so drift on the machine hits all of them alike.
# Results (raw wrk output, a TSV, the markdown table) go to $BUILD_DIR/results/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/benchmarks
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-64}
DEPTH=${DEPTH:-16}
SCENARIOS=${SCENARIOS:-"plaintext json pipelined"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT_BASE=${PORT_BASE:-18480}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}
MAX_OTHER=${MAX_OTHER:-15}
RETRIES=${RETRIES:-2}

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
# shellcheck source=bench_lib.sh
source "$BENCH/bench_lib.sh"  # stop_group, CPU accounting, wait_quiet

case $BUILD_DIR in
  "$ROOT"/build/bench*) ;;
  *) die "BUILD_DIR must be $ROOT/build/bench*" ;;
esac
for tool in wrk nginx taskset timeout curl cmake getconf ss; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install wrk nginx-light util-linux coreutils curl cmake iproute2)"
done
[ "$(nproc)" -gt "$(( SERVER_CPU > CLIENT_CPU ? SERVER_CPU : CLIENT_CPU ))" ] || die "need CPUs $SERVER_CPU and $CLIENT_CPU"

# ---- cleanup: nothing outlives the script --------------------------------------
TMP=$(mktemp -d /tmp/ringkit-bench.XXXXXX)
SERVER_GROUP=""   # process group of the running server's `timeout` wrapper
WRK_GROUP=""

cleanup() {
  stop_group "$WRK_GROUP"; WRK_GROUP=""
  stop_group "$SERVER_GROUP"; SERVER_GROUP=""
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

# ---- build -----------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  configure_release
  targets=(echo_server beast_server)
  grep -q '^RINGKIT_BENCH_LIBURING:FILEPATH=/' "$BUILD_DIR/CMakeCache.txt" && targets+=(echo_server_uring)
  build_targets "${targets[@]}"
fi
RINGKIT_BIN=$BUILD_DIR/examples/echo_server
URING_BIN=$BUILD_DIR/benchmarks/echo_server_uring
BEAST_BIN=$BUILD_DIR/benchmarks/beast_server
[ -x "$RINGKIT_BIN" ] && [ -x "$BEAST_BIN" ] || die "binaries missing in $BUILD_DIR"
SERVERS=${SERVERS:-"ringkit beast nginx"}
# Opt-in extras for experiments (add them to SERVERS):
#   ringkit-uring  the same echo_server on Asio's io_uring backend (built when liburing-dev is installed)
#   ringkit-metrics  the same echo_server with --metrics (the server's metrics counted): the cost
#                  of metrics is ringkit against it (benchmarks/README.md, "The cost of metrics")
#   ringkit-alt    any other echo_server build, given as RINGKIT_ALT_BIN (A/B a change against ringkit),
#                  or benchmarks/stack_server (the same routes behind a router and api_defaults);
#                  RINGKIT_ALT_NAME names it in the tables
RINGKIT_ALT_BIN=${RINGKIT_ALT_BIN:-}
RINGKIT_ALT_NAME=${RINGKIT_ALT_NAME:-ringkit (alt build)}

RESULTS=$BUILD_DIR/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
TSV=$RESULTS/runs.tsv
printf 'round\tscenario\tserver\treq_s\tp99_ms\tcpu_pct\treq_per_cpu_s\terrors\twrk_cpu_pct\tother_cpu_pct\n' >"$TSV"
CLK_TCK=$(getconf CLK_TCK)

# ---- servers -----------------------------------------------------------------------
port_of() {
  case $1 in
    ringkit) echo $((PORT_BASE)) ;; beast) echo $((PORT_BASE + 1)) ;;
    nginx) echo $((PORT_BASE + 2)) ;; ringkit-uring) echo $((PORT_BASE + 3)) ;; ringkit-alt) echo $((PORT_BASE + 4)) ;;
    ringkit-metrics) echo $((PORT_BASE + 5)) ;;
  esac
}
for s in $SERVERS; do
  p=$(port_of "$s")
  [ -n "$p" ] || die "unknown server $s (ringkit, beast, nginx, ringkit-uring, ringkit-alt, ringkit-metrics)"
  [ "$s" != ringkit-uring ] || [ -x "$URING_BIN" ] || die "ringkit-uring needs liburing-dev (then rebuild)"
  [ "$s" != ringkit-alt ] || [ -x "$RINGKIT_ALT_BIN" ] || die "ringkit-alt needs RINGKIT_ALT_BIN=/path/to/echo_server"
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is taken; set PORT_BASE"; fi
done

SERVER_PID=""
start_server() {  # start_server NAME: sets SERVER_GROUP and SERVER_PID, waits until it answers
  local name=$1 port life out i
  port=$(port_of "$name")
  life=$((WARMUP + DURATION + 60))   # hard bound on the server's life, whatever happens to this script
  out=$TMP/$name.out
  case $name in
    ringkit) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$RINGKIT_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 & ;;
    ringkit-uring) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$URING_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 & ;;
    ringkit-alt) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$RINGKIT_ALT_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 & ;;
    ringkit-metrics) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$RINGKIT_BIN" --port "$port" --threads 1 --metrics </dev/null >"$out" 2>&1 & ;;
    beast) timeout -k 2 "$life" taskset -c "$SERVER_CPU" "$BEAST_BIN" --port "$port" --threads 1 </dev/null >"$out" 2>&1 & ;;
    nginx)
      local dir=$TMP/nginx
      rm -rf "$dir" && mkdir -p "$dir"
      sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$BENCH/nginx.conf" >"$dir/nginx.conf"
      timeout -k 2 "$life" taskset -c "$SERVER_CPU" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" </dev/null >"$out" 2>&1 &
      ;;
  esac
  SERVER_GROUP=$!   # `timeout` leads its own process group; its one child is the server
  SERVER_PID=""
  for i in $(seq 100); do
    if [ -z "$SERVER_PID" ]; then
      SERVER_PID=$(cat "/proc/$SERVER_GROUP/task/$SERVER_GROUP/children" 2>/dev/null | awk '{print $1}')
    fi
    if [ -n "$SERVER_PID" ] && curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/plaintext"; then break; fi
    kill -0 "$SERVER_GROUP" 2>/dev/null || { cat "$out"; die "$name exited at start"; }
    sleep 0.05
  done
  [ -n "$SERVER_PID" ] || die "$name did not start"
  case $name in ringkit | ringkit-uring | ringkit-alt | ringkit-metrics | beast) grep -q "^listening on 127.0.0.1:$port" "$out" || die "$name did not print 'listening on'" ;; esac
  [ "$(curl -s -m 2 "http://127.0.0.1:$port/plaintext")" = "Hello, World!" ] || die "$name: wrong /plaintext"
  [ "$(curl -s -m 2 "http://127.0.0.1:$port/json")" = '{"message":"Hello, World!"}' ] || die "$name: wrong /json"
}
stop_server() {
  stop_group "$SERVER_GROUP"
  SERVER_GROUP=""
  SERVER_PID=""
}

run_wrk() {  # run_wrk SECONDS URL SCENARIO OUTFILE
  local secs=$1 url=$2 scenario=$3 outfile=$4
  local args=(-t1 -c"$CONNS" -d"${secs}s" --latency --timeout 5s)
  [ "$scenario" = pipelined ] && args+=(-s "$BENCH/pipeline.lua")
  args+=("$url")
  [ "$scenario" = pipelined ] && args+=(-- "$DEPTH")
  timeout -k 2 $((secs + 20)) taskset -c "$CLIENT_CPU" wrk "${args[@]}" </dev/null >"$outfile" 2>&1 &
  WRK_GROUP=$!
  local rc=0
  wait "$WRK_GROUP" || rc=$?
  WRK_GROUP=""
  return $rc
}

to_ms() {  # wrk's "1.23ms" / "850.00us" / "1.02s" / "1.00m" -> milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000;
    printf "%.3f", n }'
}

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
  path=/plaintext
  [ "$scenario" = json ] && path=/json
  local url="http://127.0.0.1:$port$path"
  local raw=$RESULTS/$scenario-$name-r$round.txt
  wait_quiet
  start_server "$name"
  [ "$WARMUP" -gt 0 ] && run_wrk "$WARMUP" "$url" "$scenario" "$raw.warmup" || true
  local t0 c0 w0 b0 t1 c1 w1 b1
  w0=$(children_ticks); b0=$(busy_ticks); c0=$(tree_ticks "$SERVER_PID"); t0=$(date +%s.%N)
  run_wrk "$DURATION" "$url" "$scenario" "$raw" || die "wrk failed: $(cat "$raw")"
  c1=$(tree_ticks "$SERVER_PID"); t1=$(date +%s.%N); b1=$(busy_ticks); w1=$(children_ticks)
  kill -0 "$SERVER_PID" 2>/dev/null || die "$name died during the run"
  stop_server

  local rps p99 requests errors cpu_s
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
  requests=$(awk '/requests in/ {print $1}' "$raw")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
  # wrk 4.1 prints the 99th percentile as 0.00us when its coordinated-omission
  # correction has put samples below the histogram's minimum, which pipelining
  # (one latency sample per batch of DEPTH responses) does: unknown, not 0.
  awk -v p="$p99" 'BEGIN {exit !(p + 0 == 0)}' && p99=nan
  errors=$(awk '/Socket errors:/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $NF} END {print e + 0}' "$raw")
  [ -n "$rps" ] && [ -n "$requests" ] || die "could not parse $raw"
  cpu_s=$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN {printf "%.3f", (b - a) / hz}')
  local cpu_pct rpc wrk_pct
  M_OTHER=$(awk -v b="$((b1 - b0 - (c1 - c0) - (w1 - w0)))" -v hz="$CLK_TCK" -v a="$t0" -v t="$t1" \
    'BEGIN {o = 100 * b / hz / (t - a); printf "%.1f", o < 0 ? 0 : o}')
  wrk_pct=$(awk -v c="$((w1 - w0))" -v hz="$CLK_TCK" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / hz / (b - a)}')
  cpu_pct=$(awk -v c="$cpu_s" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", 100 * c / (b - a)}')
  rpc=$(awk -v r="$requests" -v c="$cpu_s" 'BEGIN {if (c > 0) printf "%.0f", r / c; else print "nan"}')
  M_ROW=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$scenario" "$name" "$rps" "$p99" "$cpu_pct" "$rpc" \
    "$errors" "$wrk_pct" "$M_OTHER")
  log "round $round  $(printf '%-9s %-13s' "$scenario" "$name")  $(printf '%7.0f' "$rps") req/s  p99 ${p99} ms  cpu ${cpu_pct}%  $(printf '%.0f' "$rpc") req/cpu-s  wrk cpu ${wrk_pct}%  others ${M_OTHER}%  errors $errors"
}

# ---- the runs ------------------------------------------------------------------------
read -r -a server_list <<<"$SERVERS"
n=${#server_list[@]}
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- include examples 2>/dev/null || commit="$commit+uncommitted"
log "ringkit $commit; $ROUNDS rounds x {$SCENARIOS} x {$SERVERS}, ${DURATION}s each (+${WARMUP}s warm-up), -c$CONNS, depth $DEPTH"
log "server on CPU $SERVER_CPU, wrk -t1 on CPU $CLIENT_CPU; raw output in $RESULTS"
for round in $(seq "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    for k in $(seq 0 $((n - 1))); do   # rotate the order each round
      measure "$round" "$scenario" "${server_list[$(((k + round - 1) % n))]}"
    done
  done
done

# ---- the table -------------------------------------------------------------------------
median() {  # median SCENARIO SERVER COLUMN
  awk -F'\t' -v s="$1" -v v="$2" -v c="$3" 'NR > 1 && $2 == s && $3 == v && $c != "nan" {print $c}' "$TSV" | sort -g |
    awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f×", a / b; else print "n/a"}'; }
label() { case $1 in plaintext) echo "/plaintext";; json) echo "/json";; pipelined) echo "/plaintext, depth $DEPTH";; esac; }
name_of() { case $1 in ringkit) echo ringkit;; ringkit-uring) echo "ringkit (io_uring)";; ringkit-alt) echo "$RINGKIT_ALT_NAME";; ringkit-metrics) echo "ringkit --metrics";; beast) echo Beast;; nginx) echo nginx;; esac; }

TABLE=$RESULTS/table.md
{
  echo "ringkit $commit; $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); medians of $ROUNDS rounds, ${DURATION}s each, wrk -t1 -c$CONNS"
  echo
  echo "| scenario | server | req/s | p99 latency | server CPU | req per server-CPU-second | wrk CPU | other CPU | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for scenario in $SCENARIOS; do
    for s in $SERVERS; do
      p99=$(median "$scenario" "$s" 5)
      if [ "$p99" = nan ]; then p99="n/a"; else p99=$(printf '%.2f ms' "$p99"); fi
      printf '| %s | %s | %.0f | %s | %.0f%% | %.0f | %.0f%% | %.0f%% | %s |\n' "$(label "$scenario")" "$(name_of "$s")" \
        "$(median "$scenario" "$s" 4)" "$p99" "$(median "$scenario" "$s" 6)" \
        "$(median "$scenario" "$s" 7)" "$(median "$scenario" "$s" 9)" "$(median "$scenario" "$s" 10)" "$(awk -F'\t' -v s="$scenario" -v v="$s" 'NR > 1 && $2 == s && $3 == v {e += $8} END {print e + 0}' "$TSV")"
    done
  done
  if [[ " $SERVERS " == *" beast "* || " $SERVERS " == *" nginx "* ]]; then
    echo
    echo "| scenario | ringkit build | req/s vs Beast | req/s vs nginx | req/CPU-s vs Beast | req/CPU-s vs nginx |"
    echo "|---|---|---:|---:|---:|---:|"
    for scenario in $SCENARIOS; do
      for r in ringkit ringkit-uring ringkit-alt; do
        [[ " $SERVERS " == *" $r "* ]] || continue
        rk=$(median "$scenario" "$r" 4); rkc=$(median "$scenario" "$r" 7)
        printf '| %s | %s | %s | %s | %s | %s |\n' "$(label "$scenario")" "$(name_of "$r")" \
          "$(ratio "$rk" "$(median "$scenario" beast 4)")" "$(ratio "$rk" "$(median "$scenario" nginx 4)")" \
          "$(ratio "$rkc" "$(median "$scenario" beast 7)")" "$(ratio "$rkc" "$(median "$scenario" nginx 7)")"
      done
    done
  fi
  if [[ " $SERVERS " == *" ringkit "* && " $SERVERS " == *" ringkit-metrics "* ]]; then
    # Paired by round (the two ran minutes apart at most), then the median of those ratios.
    echo
    echo "| scenario | metrics cost: req per server-CPU-second, --metrics vs without (median of per-round ratios) | each round |"
    echo "|---|---:|---|"
    for scenario in $SCENARIOS; do
      per_round=$(awk -F'\t' -v s="$scenario" 'NR > 1 && $2 == s && $7 != "nan" {v[$1 "," $3] = $7; r[$1] = 1}
        END {for (k in r) if ((k ",ringkit") in v && (k ",ringkit-metrics") in v) printf "%.4f\n", v[k ",ringkit-metrics"] / v[k ",ringkit"]}' "$TSV" | sort -g)
      med=$(echo "$per_round" | awk 'NF {a[++n] = $1} END {if (!n) print "nan"; else if (n % 2) print a[(n + 1) / 2]; else print (a[n / 2] + a[n / 2 + 1]) / 2}')
      printf '| %s | %s | %s |\n' "$(label "$scenario")" \
        "$(awk -v m="$med" 'BEGIN {if (m == "nan") print "n/a"; else printf "%.3f× (%+.1f%%)", m, (m - 1) * 100}')" \
        "$(echo "$per_round" | awk 'NF {printf "%s%.3f", (n++ ? ", " : ""), $1}')"
    done
  fi
} >"$TABLE"
echo
cat "$TABLE"
echo
log "raw runs: $TSV"
