#!/usr/bin/env bash
# What a user waits for: the wall time and peak compiler memory of compiling one
# translation unit at -O2, for three examples, header-only and separately
# compiled (RINGKIT_SEPARATE_COMPILATION), next to Boost.Beast's server
# (benchmarks/beast_server.cpp) and, when its sources are at hand, uWebSockets'
# (../shared/peers/uws/uws_server.cpp). Medians of ROUNDS runs, rounds interleaved,
# in one run on one machine. Compiling only (-c), no linking, no ccache.
#   benchmarks/compile_time.sh            # ROUNDS=3 CXX=g++ by default
# Needs /usr/bin/time (Debian `time`) and Boost headers (`libboost-dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cxx=${CXX:-g++}
rounds=${ROUNDS:-3}
uws=${UWS_DIR:-$root/../shared/peers/uws}
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }
[[ -f /usr/include/boost/beast.hpp ]] || { echo "Boost.Beast not found (apt-get install libboost-dev)" >&2; exit 2; }
llhttp=""
for d in /usr/share/include/llhttp /usr/include/llhttp /usr/include /usr/local/include; do
  [[ -f $d/llhttp.h ]] && { llhttp=$d; break; }
done
[[ -n $llhttp ]] || { echo "llhttp.h not found (apt-get install node-llhttp)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The flags CMake gives a consumer of ringkit::ringkit (zlib and OpenSSL found), at -O2.
ringkit=(-std=c++20 -O2 -DASIO_STANDALONE -DASIO_NO_DEPRECATED -DRINGKIT_HAS_ZLIB=1 -DRINGKIT_HAS_OPENSSL=1
         -I"$root/include" -I"$llhttp"
         -DRINGKIT_TODO_PUBLIC_DIR="\"$root/examples/todo/public\"")
separate=("${ringkit[@]}" -DRINGKIT_SEPARATE_COMPILATION)
printf '#include <ringkit/src.hpp>\n' >"$work/src.cpp"

# name | flags array | source
cases=(
  "hello, header-only|ringkit|examples/hello.cpp"
  "hello, separate|separate|examples/hello.cpp"
  "todo, header-only|ringkit|examples/todo/todo.cpp"
  "todo, separate|separate|examples/todo/todo.cpp"
  "echo_server, header-only|ringkit|examples/echo_server.cpp"
  "echo_server, separate|separate|examples/echo_server.cpp"
  "src.hpp (once per program, separate)|separate|$work/src.cpp"
  "Beast: benchmarks/beast_server.cpp|beast|benchmarks/beast_server.cpp"
)
beast=(-std=c++20 -O2)
if [[ -f $uws/uws_server.cpp ]]; then
  uwsflags=(-std=c++20 -O2 -DUWS_NO_ZLIB -DLIBUS_NO_SSL -I"$uws/uWebSockets/src" -I"$uws/uSockets/src")
  cases+=("uWebSockets: peers/uws/uws_server.cpp|uwsflags|$uws/uws_server.cpp")
fi

declare -A secs mem
for ((r = 1; r <= rounds; r++)); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name flags src <<<"$c"
    declare -n f=$flags
    /usr/bin/time -f '%e %M' -o "$work/time" "$cxx" "${f[@]}" -c "$src" -o "$work/out.o"
    read -r s m <"$work/time"
    secs[$name]+="$s "; mem[$name]+="$m "
    unset -n f
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
beast_s=$(median <<<"${secs[Beast: benchmarks/beast_server.cpp]}")
echo "$cxx $("$cxx" -dumpfullversion), -O2, median of $rounds (ringkit $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo
echo "| translation unit | wall s | vs Beast | peak MB |"
echo "| --- | ---: | ---: | ---: |"
for c in "${cases[@]}"; do
  IFS='|' read -r name _ _ <<<"$c"
  s=$(median <<<"${secs[$name]}")
  m=$(median <<<"${mem[$name]}")
  printf '| %s | %.1f | %.2f× | %d |\n' "$name" "$s" "$(awk -v a="$s" -v b="$beast_s" 'BEGIN {print a / b}')" $((m / 1024))
done
