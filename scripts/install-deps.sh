#!/usr/bin/env bash
# Installs the Debian packages ringkit's build, tests and examples need, and only
# those that are missing. Safe to run again; used by `make run`, `make test` and `make check`.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev   # compilers, sanitizer runtimes
  ccache                                                       # rebuilds: CMakeLists.txt uses it when present
  clang-tidy clang-format                                      # scripts/clang-tidy.sh, scripts/format.sh
  libasio-dev nlohmann-json3-dev doctest-dev node-llhttp       # ringkit's dependencies
  zlib1g-dev                                                   # optional: permessage-deflate, gzip responses
  libssl-dev                                                   # optional: HTTPS/WSS, sealed cookie session store
  libhiredis-dev redis-server                                  # optional: the Redis client; its tests' real Redis
  curl python3 python3-websockets openssl                      # independent test clients (openssl: TLS tests, certificates)
  chromium fonts-dejavu-core                                   # tests/browser (headless, via playwright-core)
  doxygen nginx-light                                          # docs: the API reference, the tested nginx site
  haproxy                                                      # tests/clients/scaling_test.py (nginx-light too)
  prometheus                                                   # promtool (ctest metrics_promtool), prometheus (example_prometheus)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node's ws client test: Debian's node and npm only when none is on PATH (a
# NodeSource nodejs brings its own npm, which Debian's npm package conflicts with).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
