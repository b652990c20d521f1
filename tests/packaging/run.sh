#!/usr/bin/env bash
# The packaging test: ringkit consumed the four supported ways, each by a tiny
# project that builds ../main.cpp (a server on loopback answering one request):
#   find_package      find_package(ringkit) against a `cmake --install` prefix
#   add_subdirectory  add_subdirectory(<ringkit source dir>)
#   fetchcontent      FetchContent_Declare(SOURCE_DIR ...) + FetchContent_MakeAvailable
#   pkg-config        g++ $(pkg-config --cflags --libs ringkit) against the same prefix
# and compiled separately (RINGKIT_SEPARATE_COMPILATION, linking ringkit::compiled):
#   find_package_separate, add_subdirectory_separate
#   separate-clean    a TU of <ringkit.hpp> (all of it) preprocessed in that mode
#                     includes neither the engine nor llhttp.h, zlib.h or OpenSSL
# Usage: tests/packaging/run.sh <ringkit-source-dir> <work-dir>
# CMAKE_CXX_COMPILER and CMAKE_C_COMPILER, when set in the environment, choose the
# compilers; CXXFLAGS is used by every consumer (CMake reads it on first configure).
# Every consumer is tried; the exit status is non-zero if any failed.
set -uo pipefail

if (($# != 2)); then
  echo "usage: $0 <ringkit-source-dir> <work-dir>" >&2
  exit 2
fi
src=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" && work=$(cd "$2" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
jobs=${JOBS:-2}
prefix=$work/prefix

cmake_args=()
[[ -n ${CMAKE_CXX_COMPILER:-} ]] && cmake_args+=("-DCMAKE_CXX_COMPILER=$CMAKE_CXX_COMPILER")
[[ -n ${CMAKE_C_COMPILER:-} ]] && cmake_args+=("-DCMAKE_C_COMPILER=$CMAKE_C_COMPILER")
cxx=${CMAKE_CXX_COMPILER:-${CXX:-g++}}

failed=()

# step <name> <command...>: runs the command with its output in <work>/<name>.log,
# shown only when it fails.
step() {
  local name=$1; shift
  local log=$work/$name.log start=$SECONDS
  if "$@" >"$log" 2>&1; then
    echo "  ok    $name ($((SECONDS - start)) s)"
    return 0
  fi
  echo "  FAIL  $name ($((SECONDS - start)) s): $*"
  # The first errors and the last lines are the useful ones.
  if (($(wc -l <"$log") > 80)); then
    { head -n 50 "$log"; echo "[...]"; tail -n 20 "$log"; } | sed 's/^/        | /'
  else
    sed 's/^/        | /' "$log"
  fi
  failed+=("$name")
  return 1
}

# consumer <dir> <extra cmake args...>: configure, build and run one CMake consumer.
consumer() {
  local name=$1; shift
  local build=$work/$name
  rm -rf "$build"
  step "$name-configure" cmake --no-warn-unused-cli -S "$here/$name" -B "$build" "${cmake_args[@]}" "$@" &&
    step "$name-build" cmake --build "$build" -j"$jobs" &&
    step "$name-run" "$build/consumer"
}

pkg_config_consumer() {
  local pc_dir
  pc_dir=$(dirname "$(find "$prefix" -name ringkit.pc -print -quit)")
  export PKG_CONFIG_PATH=$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  local flags
  flags=$(pkg-config --cflags --libs ringkit) || { echo "pkg-config --cflags --libs ringkit failed"; return 1; }
  echo "$cxx ${CXXFLAGS:-} -Wall -Wextra -Wpedantic -Werror -DRINGKIT_CONSUMER=\"pkg-config\" main.cpp $flags"
  # shellcheck disable=SC2086  # CXXFLAGS and the pkg-config flags are meant to be split
  "$cxx" ${CXXFLAGS:-} -Wall -Wextra -Wpedantic -Werror '-DRINGKIT_CONSUMER="pkg-config"' \
    "$here/main.cpp" -o "$work/pkg-config/consumer" $flags
}

# separate_clean: under RINGKIT_SEPARATE_COMPILATION the engine, and what it needs of
# llhttp and zlib, is compiled in <ringkit/src.hpp>'s TU only; a TU that uses the
# whole of ringkit (<ringkit.hpp>) must not parse them.
separate_clean() {
  local tu=$work/separate-clean.cpp flags leaks
  printf '#include <ringkit.hpp>\n' >"$tu"
  flags=$(pkg-config --cflags ringkit) || { echo "pkg-config --cflags ringkit failed"; return 1; }
  # shellcheck disable=SC2086  # the pkg-config flags are meant to be split
  "$cxx" ${CXXFLAGS:-} -DRINGKIT_SEPARATE_COMPILATION $flags -E "$tu" -o "$work/separate-clean.i" || return 1
  leaks=$(grep -E '^# [0-9]+ "[^"]*/(llhttp\.h|zlib\.h|openssl/[a-z_]+\.h|sys/sendfile\.h|ringkit/(server/connection|ws/session|http/parser|ws/deflate)\.hpp)"' \
            "$work/separate-clean.i" | cut -d'"' -f2 | sort -u)
  if [[ -n $leaks ]]; then
    echo "a RINGKIT_SEPARATE_COMPILATION translation unit of $(tr '\n' ' ' <"$tu")includes:"
    echo "$leaks"
    return 1
  fi
  echo "clean: $(grep -oE '^# [0-9]+ "[^<"][^"]*"' "$work/separate-clean.i" | sort -u -t'"' -k2,2 | wc -l) files included, none of the engine's"
}

echo "packaging test: $src -> $work"
rm -rf "$prefix" "$work/ringkit-build" "$work/pkg-config"
mkdir -p "$work/pkg-config"

# Install with the default prefix configured and --prefix given at install time,
# so the package has to be relocatable.
if step install-configure cmake -S "$src" -B "$work/ringkit-build" "${cmake_args[@]}" \
     -DRINGKIT_BUILD_TESTS=OFF -DRINGKIT_BUILD_EXAMPLES=OFF -DRINGKIT_INSTALL=ON &&
   step install-build cmake --build "$work/ringkit-build" -j"$jobs" &&
   step install cmake --install "$work/ringkit-build" --prefix "$prefix"; then
  consumer find_package "-DCMAKE_PREFIX_PATH=$prefix" "-DRINGKIT_EXPECTED_PREFIX=$prefix"
  consumer find_package_separate "-DCMAKE_PREFIX_PATH=$prefix" "-DRINGKIT_EXPECTED_PREFIX=$prefix"
  if command -v pkg-config >/dev/null; then
    step pkg-config-build pkg_config_consumer && step pkg-config-run "$work/pkg-config/consumer"
    step separate-clean separate_clean
  else
    echo "  FAIL  pkg-config: pkg-config is not installed"
    failed+=(pkg-config)
  fi
fi
consumer add_subdirectory "-DRINGKIT_SOURCE_DIR=$src"
consumer add_subdirectory_separate "-DRINGKIT_SOURCE_DIR=$src"
consumer fetchcontent "-DRINGKIT_SOURCE_DIR=$src"

if ((${#failed[@]})); then
  echo "packaging test FAILED: ${failed[*]}"
  exit 1
fi
echo "packaging test passed (${SECONDS} s)"
