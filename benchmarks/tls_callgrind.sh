#!/usr/bin/env bash
# Instructions per full TLS handshake (and its one request, Connection: close),
# ringkit's benchmarks/tls_server against nginx, counted by callgrind: the handshake
# rate per CPU-second moves by ±10 % between runs on a shared VM, these counts by
# less than 0.1 %.
#
#   benchmarks/tls_callgrind.sh                 # ECDSA P-256 and RSA-2048
#   CERTS=rsa N=100 benchmarks/tls_callgrind.sh
#
# For each certificate and server: the server runs under `valgrind --tool=callgrind`
# (nginx with master_process off, so one process holds it all) twice, once for N
# and once for 3N sequential `curl --tlsv1.3 -H 'Connection: close'` requests (a
# new connection and full handshake each; curl keeps no session between runs);
# (Ir(3N) - Ir(N)) / 2N is the cost of one, with start-up and shut-down cancelled
# out. Needs valgrind, nginx-light, curl, openssl and build/bench's tls_server
# (benchmarks/tls_run.sh builds it). Loopback only; servers bounded by `timeout`
# and stopped on exit; certificates and logs in a temporary directory.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLS_SERVER=${TLS_SERVER:-$ROOT/build/bench/benchmarks/tls_server}
CERTS=${CERTS:-"ecdsa rsa"}
N=${N:-50}
PORT=${PORT:-18650}
TMP=$(mktemp -d)
trap 'pkill -f "callgrind-out-file=$TMP" 2>/dev/null || true; rm -rf "$TMP"' EXIT
[ -x "$TLS_SERVER" ] || { echo "no $TLS_SERVER: run benchmarks/tls_run.sh once (it builds it)" >&2; exit 1; }

cd "$TMP"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
for c in ecdsa rsa; do openssl req -x509 -new -key $c.key -subj /CN=localhost -days 1 -out $c.pem 2>/dev/null; done
mkdir -p client_body proxy fastcgi uwsgi scgi

# Prints the total instructions of one run of server $1 with certificate $2 for $3 handshakes.
count() {
  local server=$1 cert=$2 n=$3 out=$TMP/cg-$1-$2-$3.out pid
  if [ "$server" = ringkit ]; then
    timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" "$TLS_SERVER" --port "$PORT" --threads 1 \
      --tls-cert "$cert.pem" --tls-key "$cert.key" >"$out.log" 2>&1 &
  else
    sed -e "s#@DIR@#$TMP#g; s#@PORT@#$PORT#; s#@CERT@#$TMP/$cert.pem#; s#@KEY@#$TMP/$cert.key#" \
      -e "s#@ACCESS_LOG@#access_log off;#" -e "s#^worker_processes 1;#worker_processes 1;\nmaster_process off;#" \
      "$ROOT/benchmarks/nginx-tls.conf" >nginx.conf
    timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" nginx -c "$TMP/nginx.conf" -p "$TMP" \
      -e "$TMP/error.log" >"$out.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 150); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/plaintext" && break; sleep 0.2; done
  for _ in $(seq "$n"); do
    curl -sk --tlsv1.3 -H 'Connection: close' -o /dev/null "https://127.0.0.1:$PORT/plaintext"
  done
  kill -TERM "$pid" 2>/dev/null || true
  pkill -TERM -f "callgrind-out-file=$out" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sed -n 's/^summary: //p; s/^totals: //p' "$out"* | head -1
}

echo "| certificate | ringkit | nginx | ringkit / nginx |"
echo "|---|---:|---:|---:|"
for cert in $CERTS; do
  declare -A per
  for server in ringkit nginx; do
    a=$(count "$server" "$cert" "$N")
    b=$(count "$server" "$cert" $((3 * N)))
    per[$server]=$(((b - a) / (2 * N)))
  done
  echo "| $cert | ${per[ringkit]} | ${per[nginx]} | $(awk -v a="${per[ringkit]}" -v b="${per[nginx]}" 'BEGIN { printf "%.3f", a / b }') |"
done
