#!/usr/bin/env bash
# Makes a throwaway certificate authority and certificates signed by it, for
# trying HTTPS on your own machine and for ringkit's TLS tests (which run it at
# test time into a temporary directory, so no private key is ever committed):
#   scripts/make-test-certs.sh DIR
# DIR is created if needed; the files in it are replaced. Needs only the openssl
# command line. The certificates are valid for 30 days:
#   ca.pem/.key         the CA (ECDSA P-256) that signed all of the below except stranger.*
#   server.pem/.key     CN=localhost, SAN localhost and 127.0.0.1 (ECDSA P-256)
#   other.pem/.key      CN=other.test, SAN other.test and *.other.test (for SNI)
#   rsa.pem/.key        CN=localhost, SAN localhost and 127.0.0.1, RSA-2048
#   client.pem/.key     CN=alice,O=ringkit tests, for mutual TLS (clientAuth)
#   server.enc.key      server.key encrypted (AES-256) with the passphrase "secret"
#   stranger-ca.pem     a second CA, which signed stranger.pem/.key (not trusted by ca.pem)
# For example (see README.md, "HTTPS on your machine"):
#   scripts/make-test-certs.sh /tmp/certs
#   echo_server --port 8443 --tls-cert /tmp/certs/server.pem --tls-key /tmp/certs/server.key
#   curl --cacert /tmp/certs/ca.pem https://localhost:8443/plaintext
set -euo pipefail
dir=${1:?usage: make-test-certs.sh DIR}
command -v openssl >/dev/null || { echo "make-test-certs.sh: openssl not found (apt-get install openssl)" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
days=30

# Quiet unless something fails: then openssl's own words are shown.
run() {
  local log
  if ! log=$("$@" 2>&1); then
    echo "make-test-certs.sh: failed: $*" >&2
    echo "$log" >&2
    exit 1
  fi
}
ec() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() {  # name subject
  ec "$1.key"
  run openssl req -x509 -new -key "$1.key" -subj "$2" -days "$days" -out "$1.pem"
}
sign() {  # name subject extension [ca]
  run openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" >"$1.ext"
  run openssl x509 -req -in "$1.csr" -CA "${4:-ca}.pem" -CAkey "${4:-ca}.key" -CAcreateserial -days "$days" \
    -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}

ca ca "/CN=ringkit test CA"
ca stranger-ca "/CN=stranger CA"
ec server.key
sign server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
ec other.key
sign other "/CN=other.test" "subjectAltName=DNS:other.test,DNS:*.other.test"
run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
sign rsa "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1"
ec client.key
sign client "/O=ringkit tests/CN=alice" "extendedKeyUsage=clientAuth"
ec stranger.key
sign stranger "/CN=mallory" "extendedKeyUsage=clientAuth" stranger-ca
run openssl pkey -in server.key -aes256 -passout pass:secret -out server.enc.key
chmod 600 ./*.key
