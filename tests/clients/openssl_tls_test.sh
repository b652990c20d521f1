#!/usr/bin/env bash
# openssl s_client against the real echo_server's TLS: the versions and ciphers
# it refuses, the certificate it picks by SNI, the ALPN it agrees on.
#   tests/clients/openssl_tls_test.sh path/to/echo_server
# Certificates come from scripts/make-test-certs.sh into a temp dir removed at exit;
# the server runs on port 0 and is stopped on every way out; every call is bounded.
#
# A refusal must be the server's: OpenSSL 3's client would not even offer TLS 1.0,
# 1.1 or SHA-1 ciphers at its default security level, so those probes lower it
# (@SECLEVEL=0) and the check is for the server's alert in the client's output.
set -uo pipefail

server_bin=${1:?usage: openssl_tls_test.sh path/to/echo_server}
[[ -x $server_bin ]] || { echo "openssl_tls_test: not executable: $server_bin" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl_tls_test: openssl not found" >&2; exit 2; }
summary_name="openssl s_client"

# shellcheck source=curl_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/curl_lib.sh"

certs=$tmp/certs
make_certs "$certs"
# Two certificates: localhost (the default) and other.test (by SNI only).
start_server port --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" \
  --tls-cert "$certs/other.pem" --tls-key "$certs/other.key"

# probe ARGS...: one handshake (stdin empty, so s_client closes right after it),
# its whole output in $tmp/verbose and its exit status in $rc.
rc=0
probe() {
  # shellcheck disable=SC2154  # start_server assigns port with printf -v
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$certs/ca.pem" "$@" </dev/null >"$tmp/verbose" 2>&1
  rc=$?
}
handshake_ok() { ((rc == 0)) || fail "s_client exited with $rc"; expect_verbose 'Verify return code: 0 (ok)'; }
refused() { ((rc != 0)) || fail "the handshake succeeded"; expect_verbose "$1"; expect_no_verbose '^New, TLS'; }
subject() { openssl x509 -noout -subject -nameopt RFC2253 <"$tmp/verbose"; }

# ---------------------------------------------------------------------------

begin "TLS 1.3 by default, the localhost certificate, verified"
probe -servername localhost -verify_return_error
handshake_ok
expect_verbose 'New, TLSv1.3, Cipher is TLS_'
[[ $(subject) == "subject=CN=localhost" ]] || fail "certificate $(subject)"
pass

begin "TLS 1.2 accepted, with an ECDHE AEAD cipher"
probe -tls1_2 -servername localhost -verify_return_error
handshake_ok
expect_verbose 'New, TLSv1.2, Cipher is ECDHE-ECDSA-\(AES[0-9]*-GCM-SHA[0-9]*\|CHACHA20-POLY1305\)$'
probe -tls1_2 -servername localhost -cipher ECDHE-ECDSA-CHACHA20-POLY1305
handshake_ok
expect_verbose 'New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305$'
pass

begin "TLS 1.1 refused by the server (protocol_version alert)"
probe -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
refused 'alert protocol version'
pass

begin "TLS 1.0 refused by the server (protocol_version alert)"
probe -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
refused 'alert protocol version'
pass

begin "TLS 1.2 with AES128-SHA (outside Mozilla intermediate) refused (handshake_failure alert)"
probe -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0'
refused 'alert handshake failure'
pass

begin "TLS 1.2 with ECDHE-ECDSA-AES128-SHA (CBC, outside intermediate) refused"
probe -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
refused 'alert handshake failure'
pass

begin "SNI other.test picks the second certificate"
probe -servername other.test -verify_return_error -verify_hostname other.test
handshake_ok
[[ $(subject) == "subject=CN=other.test" ]] || fail "certificate $(subject)"
pass

begin "SNI www.other.test matches its wildcard"
probe -servername www.other.test -verify_return_error -verify_hostname www.other.test
handshake_ok
[[ $(subject) == "subject=CN=other.test" ]] || fail "certificate $(subject)"
pass

begin "no SNI, or an unknown name: the first (default) certificate"
probe -noservername
handshake_ok
[[ $(subject) == "subject=CN=localhost" ]] || fail "certificate $(subject)"
probe -servername unknown.example
((rc == 0)) || fail "s_client exited with $rc"
[[ $(subject) == "subject=CN=localhost" ]] || fail "certificate $(subject)"
pass

begin "ALPN: http/1.1 agreed"
probe -servername localhost -alpn http/1.1 -verify_return_error
handshake_ok
expect_verbose 'ALPN protocol: http/1.1'
pass

begin "ALPN: h2 first, http/1.1 second: http/1.1 agreed"
probe -servername localhost -alpn h2,http/1.1
handshake_ok
expect_verbose 'ALPN protocol: http/1.1'
pass

begin "ALPN: only h2 offered: refused (no_application_protocol alert)"
probe -servername localhost -alpn h2
refused 'no application protocol'
pass

begin "server survived everything and stops on SIGTERM"
expect_clean_stop
pass

summary
