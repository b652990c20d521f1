#!/bin/bash
# Instructions per request and per WebSocket message, counted by callgrind: a
# deterministic measure where throughput on a shared VM moves by ±15–25 % run to run.
#
#   benchmarks/callgrind.sh BEFORE_BIN AFTER_BIN        # two echo_server builds (Release)
#   N=2000 REPEAT=3 SCENARIOS="plaintext ws_accept" benchmarks/callgrind.sh A B
#   AFTER_ARGS=--metrics SCENARIOS="plaintext pipelined" benchmarks/callgrind.sh BIN BIN   # one build, a flag
#
# For each scenario and each binary, echo_server runs under `valgrind
# --tool=callgrind` twice, once driven by benchmarks/callgrind_client.py for N
# requests (or messages) and once for 2N; (Ir(2N) - Ir(N)) / N is the cost of one,
# with start-up, the handshake and shut-down cancelled out. The client sends the
# same bytes every run, one request (or 16 pipelined, or one message) at a time.
# HTTP counts repeat to within 0.5 %; a WebSocket's move by several per cent run
# to run (whether a read finds the next frame already there, or waits for
# readiness, depends on timing), so each figure is the median of REPEAT pairs,
# run alternately (before, after, before, ...). PACE=0.005 makes the client pause
# after each echo, so that every message finds the server waiting: the WebSocket
# counts then repeat to within a few instructions, also on a busy machine.
# Scenarios: plaintext (keep-alive GET /plaintext, one at a time), pipelined (16
# deep), ws_accept, as_channel, listener (32-byte text echoes on /ws/echo,
# /ws/as-channel-echo, /ws/listener-echo).
#
# Loopback only; every server and client is bounded by `timeout` and the server is
# stopped (SIGTERM, then SIGKILL) before the next run. Output: a table on stdout,
# raw callgrind files in $OUT (default: a fresh directory under /tmp, kept for
# callgrind_annotate).
set -euo pipefail

BEFORE=${1:?usage: callgrind.sh BEFORE_BIN AFTER_BIN}
AFTER=${2:?usage: callgrind.sh BEFORE_BIN AFTER_BIN}
N=${N:-2000}
BEFORE_ARGS=${BEFORE_ARGS:-}  # extra flags for each binary (word-split), e.g. AFTER_ARGS=--metrics
AFTER_ARGS=${AFTER_ARGS:-}
REPEAT=${REPEAT:-3}
SCENARIOS=${SCENARIOS:-"plaintext pipelined ws_accept as_channel listener"}
OUT=${OUT:-$(mktemp -d /tmp/ringkit-callgrind.XXXXXX)}
CLIENT=$(dirname "$0")/callgrind_client.py
mkdir -p "$OUT"

SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    sleep 1
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

client_args() {  # client_args SCENARIO COUNT
  case $1 in
    plaintext | pipelined) echo "$1 $2" ;;
    ws_accept) echo "ws /ws/echo $2" ;;
    as_channel) echo "ws /ws/as-channel-echo $2" ;;
    listener) echo "ws /ws/listener-echo $2" ;;
    *) echo "callgrind.sh: unknown scenario $1" >&2; exit 2 ;;
  esac
}

# run BIN SCENARIO COUNT TAG [FLAGS]: total instructions of one server run
run() {
  local bin=$1 scenario=$2 count=$3 tag=$4 flags=${5:-} log port
  log=$OUT/$tag.log
  for _ in 1 2 3 4 5; do  # a random port may be taken (tests running beside): another one
    port=$((30000 + RANDOM % 20000))
    # --collect-atstart: everything counts; the two runs' start-up and shut-down are the same.
    # shellcheck disable=SC2086 # $flags: word-split on purpose
    timeout -k 5 600 valgrind --tool=callgrind --callgrind-out-file="$OUT/$tag.out" \
      "$bin" --port "$port" $flags >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 300); do
      grep -q '^listening' "$log" && break
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    grep -q '^listening' "$log" && break
    wait "$SERVER_PID" || true
    SERVER_PID=""
    grep -q 'Address already in use' "$log" || break
  done
  grep -q '^listening' "$log" || { echo "callgrind.sh: $bin did not start: $(tail -3 "$log")" >&2; exit 1; }
  # shellcheck disable=SC2046
  timeout -k 5 300 python3 "$CLIENT" "$port" $(client_args "$scenario" "$count")
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
  awk '/^(summary|totals):/ {print $2; exit}' "$OUT/$tag.out"
}

printf '| scenario | before | after | after / before |\n|---|---:|---:|---:|\n'
for s in $SCENARIOS; do
  # Repeats alternate between the two binaries, so that a change in the machine's
  # load (which moves the WebSocket counts) falls on both alike.
  declare -A runs=([before]="" [after]="")
  for r in $(seq "$REPEAT"); do
    for side in before after; do
      bin=$BEFORE flags=$BEFORE_ARGS
      [ "$side" = after ] && bin=$AFTER flags=$AFTER_ARGS
      one=$(run "$bin" "$s" "$N" "$s-$side-n-$r" "$flags")
      two=$(run "$bin" "$s" $((2 * N)) "$s-$side-2n-$r" "$flags")
      runs[$side]+="$(((two - one) / N)) "
    done
  done
  per=()
  for side in before after; do
    echo "$s $side: ${runs[$side]}" >&2
    # shellcheck disable=SC2086
    per+=($(printf '%s\n' ${runs[$side]} | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'))
  done
  ratio=$(awk -v a="${per[1]}" -v b="${per[0]}" 'BEGIN {printf "%.3f", a / b}')
  printf '| %s | %s | %s | %s |\n' "$s" "${per[0]}" "${per[1]}" "$ratio"
done
echo "raw: $OUT" >&2
