# The helpers the curl client tests share: a temp dir and servers cleaned up on
# exit, bounded curl calls, and checks that stop at the first failure with the
# evidence. Source it after setting server_bin (and optionally server_name, and
# summary_name for the last line).
#   start_server VAR [flags...]   starts $server_bin --port 0, puts its port in VAR
#   begin NAME / pass             one check; rk_curl ARGS... runs curl for it
#   make_certs DIR                scripts/make-test-certs.sh into DIR (a CA, server certificates)
#   expect_code/_body/_header/_same_file/_verbose/_no_verbose
#   expect_clean_stop             every server alive, then exits 0 on SIGTERM
server_name=${server_name:-$(basename "$server_bin")}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringkit-curl.XXXXXX")
server_pids=()
passed=0
failed=0

cleanup() {
  local pid
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${server_pids[@]}"; do
    # Give a graceful stop 5 s, then insist.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() { echo "${summary_name:-curl}: $passed passed, $failed failed"; }

# fail MESSAGE: report the current check, show the evidence, stop.
current=""
fail() {
  failed=$((failed + 1))
  echo "FAIL [$current]: $*" >&2
  if [[ -s $tmp/headers ]]; then echo "--- response headers:" >&2; tr -d '\r' <"$tmp/headers" | head -30 >&2; fi
  if [[ -s $tmp/body ]]; then echo "--- response body (first 300 bytes):" >&2; head -c 300 "$tmp/body" >&2; echo >&2; fi
  if [[ -s $tmp/verbose ]]; then echo "--- curl -v (last 30 lines):" >&2; tail -30 "$tmp/verbose" >&2; fi
  local f
  for f in "$tmp"/server*.err; do
    [[ -s $f ]] && { echo "--- $(basename "$f"):" >&2; tail -20 "$f" >&2; }
  done
  summary
  exit 1
}
begin() { current=$1; : >"$tmp/headers"; : >"$tmp/body"; : >"$tmp/verbose"; }
pass() { passed=$((passed + 1)); echo "ok   $current"; }

# make_certs DIR: the throwaway CA and certificates of scripts/make-test-certs.sh.
make_certs() {
  local script
  script="$(dirname "${BASH_SOURCE[0]}")/../../scripts/make-test-certs.sh"
  current="make the test certificates"
  bash "$script" "$1" >"$tmp/verbose" 2>&1 || fail "$script $1 failed"
}

# start_server VAR [echo_server flags...]: starts a server, stores its port in VAR.
start_server() {
  local var=$1; shift
  local n=${#server_pids[@]}
  local out=$tmp/server$n.out err=$tmp/server$n.err
  "$server_bin" --port 0 --threads 2 "$@" >"$out" 2>"$err" &
  server_pids+=($!)
  for _ in $(seq 100); do  # up to 10 s for the first whole line
    (($(wc -l <"$out") >= 1)) && break
    kill -0 "${server_pids[$n]}" 2>/dev/null || break
    sleep 0.1
  done
  local line; line=$(head -n 1 "$out")
  if [[ ! $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
    current="start $server_name $*"
    fail "expected 'listening on 127.0.0.1:PORT' as the first line, got '$line'"
  fi
  printf -v "$var" '%s' "${BASH_REMATCH[1]}"
}

# rk_curl ARGS...: curl with headers to $tmp/headers, body to $tmp/body, -v to
# $tmp/verbose; sets $code to the (last) status code. Never hangs.
code=""
rk_curl() {
  : >"$tmp/body"  # curl leaves -o's file alone when a response has no body (304, HEAD)
  code=$(timeout 30 curl -sS --max-time 20 -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' "$@" 2>"$tmp/verbose")
  local rc=$?
  ((rc == 0)) || fail "curl exited with $rc: $(grep -v '^[*<>{}]' "$tmp/verbose" | tail -3)"
}

# rk_curl_all ARGS...: for several URLs in one invocation: every body to
# $tmp/body, -v to $tmp/verbose.
rk_curl_all() {
  timeout 30 curl -sS --max-time 20 "$@" >"$tmp/body" 2>"$tmp/verbose"
  local rc=$?
  ((rc == 0)) || fail "curl exited with $rc: $(grep -v '^[*<>{}]' "$tmp/verbose" | tail -3)"
}

# header NAME: the value of the last response's header NAME (last occurrence, no CR).
header() { tr -d '\r' <"$tmp/headers" | grep -i "^$1:" | tail -n 1 | sed 's/^[^:]*:[[:space:]]*//'; }

expect_code() { [[ $code == "$1" ]] || fail "status $code, expected $1"; }
expect_body() {
  local got; got=$(cat "$tmp/body"; echo x); got=${got%x}
  [[ $got == "$1" ]] || fail "body '$(head -c 200 "$tmp/body")', expected '$1'"
}
expect_header() {
  local got; got=$(header "$1")
  # shellcheck disable=SC2053  # $2 is a glob pattern on purpose
  [[ $got == $2 ]] || fail "header $1 is '$got', expected '$2'"
}
expect_same_file() { cmp -s "$1" "$tmp/body" || fail "body differs from $(basename "$1") ($(stat -c %s "$tmp/body") vs $(stat -c %s "$1") bytes)"; }
expect_verbose() { grep -q -- "$1" "$tmp/verbose" || fail "curl -v output lacks '$1'"; }
expect_no_verbose() { ! grep -q -- "$1" "$tmp/verbose" || fail "curl -v output has '$1'"; }


# expect_clean_stop: every server still alive, then stopped by SIGTERM within 10 s with status 0.
expect_clean_stop() {
  local i pid rc
  for i in "${!server_pids[@]}"; do
    pid=${server_pids[$i]}
    kill -0 "$pid" 2>/dev/null || fail "$server_name #$i (pid $pid) died during the tests"
    kill -TERM "$pid"
  done
  for i in "${!server_pids[@]}"; do
    pid=${server_pids[$i]}
    timeout 10 tail --pid="$pid" -f /dev/null || fail "$server_name #$i did not stop within 10 s of SIGTERM"
    wait "$pid"; rc=$?
    ((rc == 0)) || fail "$server_name #$i exited with status $rc after SIGTERM"
  done
  server_pids=()
}
