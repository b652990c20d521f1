#!/usr/bin/env bash
# Builds and runs a few test files on their own, for the edit-compile loop while
# working on one header (the full suite is scripts/run-tests.sh):
#   scripts/quick-test.sh [--asan|--tsan] [--separate] tests/middleware/cookies.cpp [more.cpp...] [-- doctest args]
# g++ -Werror by default; --asan uses clang++ with ASan+UBSan, --tsan with TSan. --separate builds
# with RINGKIT_SEPARATE_COMPILATION and links one more TU, <ringkit/src.hpp>.
# Objects and the binary go to build/quick-<mode>/ (llhttp compiled once per mode).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=gcc separate=0
while [[ ${1:-} == --asan || ${1:-} == --tsan || ${1:-} == --separate ]]; do
  [[ $1 == --asan ]] && mode=asan
  [[ $1 == --tsan ]] && mode=tsan
  [[ $1 == --separate ]] && separate=1
  shift
done
sources=()
while (($#)) && [[ $1 != -- ]]; do sources+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
((${#sources[@]})) || { echo "usage: $0 [--asan|--tsan] [--separate] test.cpp... [-- doctest args]" >&2; exit 2; }

if [[ $mode == gcc ]]; then
  cc=gcc cxx=g++ flags=(-O1 -g)
elif [[ $mode == tsan ]]; then
  cc=clang cxx=clang++ flags=(-O1 -g -fsanitize=thread -fno-omit-frame-pointer)
else
  cc=clang cxx=clang++ flags=(-O1 -g -fsanitize=address,undefined -fno-sanitize=function -fno-omit-frame-pointer -fno-sanitize-recover=all)
fi
name=$(basename "${sources[0]}" .cpp)
out=build/quick-$mode; ((separate)) && out+=-separate
# In strict mode, as cmake/ringkit_llhttp.cmake builds it (it changes what llhttp accepts).
mkdir -p "$out/llhttp-strict"
for c in /usr/share/llhttp/*.c; do
  o=$out/llhttp-strict/$(basename "$c" .c).o
  [[ -f $o ]] || $cc "${flags[@]}" -DLLHTTP_STRICT_MODE=1 -I/usr/share/include/llhttp -c "$c" -o "$o"
done
[[ -f $out/main.o ]] || $cxx -std=c++20 "${flags[@]}" -c tests/main.cpp -o "$out/main.o"
defs=(-DASIO_STANDALONE -DASIO_NO_DEPRECATED -DRINGKIT_HAS_ZLIB=1 "-DRINGKIT_SOURCE_DIR=\"$PWD\"")
libs=(-lz -lpthread)
if [[ -f /usr/include/openssl/evp.h ]]; then defs+=(-DRINGKIT_HAS_OPENSSL=1); libs+=(-lssl -lcrypto); fi
if [[ -f /usr/include/hiredis/async.h ]]; then defs+=(-DRINGKIT_HAS_HIREDIS=1); libs+=(-lhiredis); fi
if ((separate)); then
  # Not cached like main.o: it is the engine, so it changes with the headers.
  defs+=(-DRINGKIT_SEPARATE_COMPILATION)
  echo '#include <ringkit/src.hpp>' >"$out/src.cpp"
  $cxx -std=c++20 "${flags[@]}" -Wall -Wextra -Wpedantic -Werror "${defs[@]}" -Iinclude \
    -I/usr/share/include/llhttp -c "$out/src.cpp" -o "$out/src.o"
  sources+=("$out/src.o")
fi
$cxx -std=c++20 "${flags[@]}" -Wall -Wextra -Wpedantic -Werror "${defs[@]}" -Iinclude -Itests \
  -I/usr/share/include/llhttp "${sources[@]}" "$out/main.o" "$out"/llhttp-strict/*.o "${libs[@]}" -o "$out/$name"
"$out/$name" "$@"
