#!/usr/bin/env bash
# curl against the real echo_server: an HTTP/1.1 client nobody here wrote.
#   tests/clients/curl_test.sh path/to/echo_server
# Starts its own servers on port 0, stops at the first failed check with a message,
# and ends with "curl: N passed, M failed". Every curl call is bounded in time.
set -uo pipefail

server_bin=${1:?usage: curl_test.sh path/to/echo_server}
[[ -x $server_bin ]] || { echo "curl_test: not executable: $server_bin" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl_test: curl not found" >&2; exit 2; }

# shellcheck source=curl_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/curl_lib.sh"

# ---------------------------------------------------------------------------

start_server port
# shellcheck disable=SC2154  # start_server assigns it with printf -v
url=http://127.0.0.1:$port
head -c $((1024 * 1024)) /dev/urandom >"$tmp/1mib.bin"
head -c $((2 * 1024 * 1024 + 17)) /dev/urandom >"$tmp/2mib.bin"
imf_date='[A-Z][a-z][a-z], [0-9][0-9] [A-Z][a-z][a-z] [0-9][0-9][0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] GMT'

begin "GET /plaintext: body, Content-Type, Content-Length, Date, Server"
rk_curl "$url/plaintext"
expect_code 200
expect_body "Hello, World!"
expect_header content-type "text/plain*"
expect_header content-length 13
expect_header date "$imf_date"
expect_header server "?*"
pass

begin "GET /json: application/json body"
rk_curl "$url/json"
expect_code 200
expect_header content-type "application/json*"
[[ $(tr -d ' \n\t' <"$tmp/body") == '{"message":"Hello,World!"}' ]] || fail "unexpected JSON"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"message": "Hello, World!"}' "$tmp/body" \
    || fail "body is not the expected JSON document"
fi
pass

begin "POST /echo: body and Content-Type echoed"
rk_curl -X POST -H 'Content-Type: text/x-ringkit; charset=utf-8' --data-binary 'some body, with spaces & symbols' "$url/echo"
expect_code 200
expect_header content-type "text/x-ringkit; charset=utf-8"
expect_body 'some body, with spaces & symbols'
pass

begin "PUT /echo with a 1 MiB file: echoed byte-identical"
rk_curl -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/1mib.bin" "$url/echo"
expect_code 200
expect_header content-length $((1024 * 1024))
expect_same_file "$tmp/1mib.bin"
pass

begin "chunked upload (Transfer-Encoding: chunked) of 1 MiB"
rk_curl -v -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$tmp/1mib.bin" "$url/echo"
expect_verbose '> Transfer-Encoding: chunked'
expect_no_verbose '> Content-Length'
expect_code 200
expect_same_file "$tmp/1mib.bin"
pass

begin "Expect: 100-continue (curl adds it for a 2 MiB body): 100 Continue then echo"
# A server that never answers 100 would still work after curl's expect timeout,
# so the interim response itself is what is checked, with a long timeout.
rk_curl -v --expect100-timeout 15 -X PUT --data-binary @"$tmp/2mib.bin" "$url/echo"
expect_verbose '> Expect: 100-continue'
expect_verbose '< HTTP/1.1 100 Continue'
expect_code 200
expect_same_file "$tmp/2mib.bin"
pass

begin "Expect: 100-continue on a small body, explicitly requested"
rk_curl -v --expect100-timeout 15 -H 'Expect: 100-continue' --data-binary 'tiny' "$url/echo"
expect_verbose '< HTTP/1.1 100 Continue'
expect_code 200
expect_body 'tiny'
pass

begin "GET /stream: chunked response, complete body"
rk_curl "$url/stream"
expect_code 200
expect_header transfer-encoding chunked
expect_body $'chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n'
pass

begin "HEAD /plaintext: headers only, connection still usable afterwards"
rk_curl -I "$url/plaintext"
expect_code 200
expect_header content-length 13
expect_header content-type "text/plain*"
# (curl -I writes the headers where the body would go.) A body sent after the
# HEAD response would be read as the start of the next response on the connection.
rk_curl_all -v -I "$url/plaintext" --next -v "$url/plaintext"
expect_verbose 'Re-using existing connection'
(($(grep -c '^< HTTP/1.1 200 OK' "$tmp/verbose") == 2)) || fail "expected two 200 responses"
[[ $(tr -d '\r' <"$tmp/body" | tail -n 1) == "Hello, World!" ]] || fail "GET after HEAD did not get its body"
pass

begin "404 for an unknown path and for a wrong method"
rk_curl "$url/no/such/thing"
expect_code 404
rk_curl "$url/echo"
expect_code 404
pass

begin "keep-alive: two URLs in one curl invocation reuse the connection"
rk_curl_all -v "$url/plaintext" "$url/json" "$url/plaintext?x=1"
expect_verbose 'Re-using existing connection'
(($(grep -c 'Re-using existing connection' "$tmp/verbose") == 2)) || fail "expected 2 connection reuses"
(($(grep -c 'Connected to' "$tmp/verbose") == 1)) || fail "expected exactly one TCP connection"
(($(grep -c '^< HTTP/1.1 200 OK' "$tmp/verbose") == 3)) || fail "expected three 200 responses"
expect_body "Hello, World!{\"message\":\"Hello, World!\"}Hello, World!"
pass

begin "HTTP/1.0: answered, and closed without keep-alive"
rk_curl -v --http1.0 "$url/plaintext"
expect_verbose '> GET /plaintext HTTP/1.0'
expect_code 200
expect_body "Hello, World!"
[[ $(header connection) != *[Kk]eep-[Aa]live* ]] || fail "keep-alive offered to an HTTP/1.0 client that did not ask"
pass

begin "HTTP/1.0 with Connection: keep-alive: connection reused"
rk_curl_all -v --http1.0 -H 'Connection: keep-alive' "$url/plaintext" "$url/json"
expect_verbose 'Re-using existing connection'
(($(grep -c '^< HTTP/1.[01] 200 OK' "$tmp/verbose") == 2)) || fail "expected two 200 responses"
expect_body "Hello, World!{\"message\":\"Hello, World!\"}"
pass

begin "absolute-form request target (curl via the server as a proxy)"
rk_curl -x "$url" http://example.invalid/plaintext
expect_code 200
expect_body "Hello, World!"
pass

begin "malformed request target -> 400"
rk_curl --request-target 'no-slash' "$url/"
expect_code 400
pass

start_server small_port --max-body 1000
# shellcheck disable=SC2154
small=http://127.0.0.1:$small_port
head -c 1000 /dev/urandom >"$tmp/1000.bin"
head -c 1001 /dev/urandom >"$tmp/1001.bin"

begin "--max-body 1000: exactly 1000 bytes accepted"
rk_curl --data-binary @"$tmp/1000.bin" "$small/echo"
expect_code 200
expect_same_file "$tmp/1000.bin"
pass

begin "--max-body 1000: 1001 bytes with Content-Length -> 413"
rk_curl --data-binary @"$tmp/1001.bin" "$small/echo"
expect_code 413
pass

begin "--max-body 1000: chunked body over the limit -> 413"
rk_curl -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/1mib.bin" "$small/echo"
expect_code 413
pass

begin "--max-body 1000: Expect: 100-continue over the limit -> 413 without 100 Continue"
rk_curl -v --expect100-timeout 15 -H 'Expect: 100-continue' --data-binary @"$tmp/1001.bin" "$small/echo"
expect_code 413
expect_no_verbose '< HTTP/1.1 100 Continue'
pass

begin "servers survived everything and stop on SIGTERM"
expect_clean_stop
pass

summary
