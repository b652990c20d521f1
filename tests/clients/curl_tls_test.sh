#!/usr/bin/env bash
# curl (and openssl s_client for pipelining, which curl no longer does) against the
# real echo_server over TLS, with a throwaway CA made at test time:
#   tests/clients/curl_tls_test.sh path/to/echo_server
# Certificates come from scripts/make-test-certs.sh into a temp dir removed at exit;
# servers run on port 0 and are stopped on every way out; every call is bounded.
set -uo pipefail

server_bin=${1:?usage: curl_tls_test.sh path/to/echo_server}
[[ -x $server_bin ]] || { echo "curl_tls_test: not executable: $server_bin" >&2; exit 2; }
for tool in curl openssl; do
  command -v $tool >/dev/null || { echo "curl_tls_test: $tool not found" >&2; exit 2; }
done
summary_name="curl over TLS"

# shellcheck source=curl_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/curl_lib.sh"

# ---------------------------------------------------------------------------

certs=$tmp/certs
make_certs "$certs"
tls=(--tls-cert "$certs/server.pem" --tls-key "$certs/server.key")
start_server port "${tls[@]}" --max-body $((32 * 1024 * 1024)) --plain-port 0
# shellcheck disable=SC2154  # start_server assigns it with printf -v
url=https://localhost:$port
# curl resolves localhost itself; pin it to the IPv4 address the server listens on.
ca=(--cacert "$certs/ca.pem" --resolve "localhost:$port:127.0.0.1")

begin "the second line is the https:// URL, the third the plain port"
[[ $(sed -n 2p "$tmp/server0.out") == "https://127.0.0.1:$port/" ]] || fail "second line: $(sed -n 2p "$tmp/server0.out")"
line3=$(sed -n 3p "$tmp/server0.out")
[[ $line3 =~ ^http://127\.0\.0\.1:([0-9]+)/\ \(plain\ HTTP\)$ ]] || fail "third line: $line3"
plain_port=${BASH_REMATCH[1]}
pass

begin "GET /plaintext over HTTPS, the certificate verified against the test CA"
rk_curl -v "${ca[@]}" "$url/plaintext"
expect_code 200
expect_body "Hello, World!"
expect_verbose 'SSL certificate verify ok'
expect_verbose 'SSL connection using TLSv1.3'
expect_verbose 'ALPN: server accepted http/1.1'
pass

begin "the same URL without the test CA: curl refuses the certificate"
timeout 30 curl -sS --max-time 20 --resolve "localhost:$port:127.0.0.1" -o /dev/null "$url/plaintext" 2>"$tmp/verbose"
rc=$?
((rc == 60)) || fail "curl exited with $rc, expected 60 (certificate problem)"
pass

begin "TLS 1.2 with Mozilla intermediate's first ECDSA cipher"
rk_curl -v "${ca[@]}" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 "$url/plaintext"
expect_code 200
expect_verbose 'SSL connection using TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256'
pass

begin "keep-alive: three URLs in one curl call, one connection (num_connects 1 0 0)"
counts=$(timeout 30 curl -sS --max-time 20 "${ca[@]}" -o /dev/null -o /dev/null -o /dev/null \
  -w '%{num_connects} ' "$url/plaintext" "$url/json" "$url/plaintext?x=1" 2>"$tmp/verbose")
[[ $counts == "1 0 0 " ]] || fail "num_connects per transfer: '$counts', expected '1 0 0 '"
rk_curl_all -v "${ca[@]}" "$url/plaintext" "$url/json"
(($(grep -c 'Re-using existing connection' "$tmp/verbose") == 1)) || fail "expected one connection reuse"
(($(grep -c 'SSL connection using' "$tmp/verbose") == 1)) || fail "expected exactly one TLS handshake"
expect_body "Hello, World!{\"message\":\"Hello, World!\"}"
pass

begin "GET /stream: a chunked response over TLS, complete"
rk_curl "${ca[@]}" "$url/stream"
expect_code 200
expect_header transfer-encoding chunked
expect_body $'chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n'
pass

head -c $((20 * 1024 * 1024)) /dev/urandom >"$tmp/20mib.bin"
begin "PUT /echo with a 20 MiB file: echoed byte-identical"
rk_curl "${ca[@]}" -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/20mib.bin" "$url/echo"
expect_code 200
expect_header content-length $((20 * 1024 * 1024))
expect_same_file "$tmp/20mib.bin"
pass

begin "chunked upload (Transfer-Encoding: chunked) of 20 MiB"
rk_curl -v "${ca[@]}" -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$tmp/20mib.bin" "$url/echo"
expect_verbose '> Transfer-Encoding: chunked'
expect_code 200
expect_same_file "$tmp/20mib.bin"
pass

begin "pipelining: two requests in one write through openssl s_client, answered in order"
# -quiet keeps reading after stdin ends; the second request's Connection: close ends it.
printf 'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\nGET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  timeout 20 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost -CAfile "$certs/ca.pem" \
    -verify_return_error -verify_hostname localhost >"$tmp/body" 2>"$tmp/verbose"
rc=$?
((rc == 0)) || fail "openssl s_client exited with $rc"
(($(grep -o 'HTTP/1.1 200 OK' "$tmp/body" | wc -l) == 2)) || fail "expected two 200 responses"
tr -d '\r' <"$tmp/body" | grep -q '^Hello, World!HTTP/1.1 200 OK$' || fail "the first body is not followed by the second response"
tail -c 100 "$tmp/body" | grep -q '{"message":"Hello, World!"}$' || fail "the second response's body is not /json's"
pass

begin "plain HTTP sent to the TLS port: 400"
rk_curl "http://127.0.0.1:$port/plaintext"
expect_code 400
pass

begin "--plain-port: plain HTTP beside HTTPS"
rk_curl "http://127.0.0.1:$plain_port/plaintext"
expect_code 200
expect_body "Hello, World!"
pass

begin "server survived everything and stops on SIGTERM"
expect_clean_stop
pass

summary
