#!/usr/bin/env bash
# The whole test suite, in six steps (every build with -Werror):
#   tidy      clang-tidy over include/ with the checked-in .clang-tidy: no warnings
#   gcc       g++: unit, integration, client (curl, python, node) and packaging tests
#   asan      clang++ ASan + UBSan: unit and integration tests, fuzz smoke runs
#   gcc-asan  g++ ASan + UBSan: unit and integration tests
#   tsan      clang++ TSan: the tests that run servers on several threads
#   gcc-tsan  g++ TSan: the same
# Usage: scripts/run-tests.sh [tidy|gcc|asan|gcc-asan|tsan|gcc-tsan]...  (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
builds=("$@")
((${#builds[@]})) || builds=(tidy gcc asan gcc-asan tsan gcc-tsan)

passed=0 failed=0
configure_and_test() {
  local name=$1; shift
  echo "=== build: $name"
  cmake -S . -B "build/$name" -DRINGKIT_WERROR=ON "$@" >/dev/null
  cmake --build "build/$name" -j"$jobs"
  local status=0
  (cd "build/$name" && ctest --output-on-failure -j"$jobs" --timeout 600) | tee "build/$name/ctest.log" || status=$?
  # "100% tests passed, 0 tests failed out of 5": add this build's counts to the total.
  local line total bad
  line=$(grep -E 'tests failed out of [0-9]+' "build/$name/ctest.log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + ${total:-0} - ${bad:-0})); failed=$((failed + ${bad:-0}))
  ((status == 0)) || { echo "tests: $passed passed, $failed failed"; exit "$status"; }
}

# Each sanitizer runtime reads only its own variable.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
clang=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang)
gnu=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc)
# The examples are built (and run by the client tests) in the gcc build and
# compiled once more by clang in the asan build; the other sanitizer builds skip them.
asan=(-DCMAKE_BUILD_TYPE=Debug -DRINGKIT_SANITIZE=address,undefined)
tsan=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGKIT_SANITIZE=thread -DRINGKIT_TEST_ONLY_THREADED=ON
      -DRINGKIT_BUILD_EXAMPLES=OFF)
for b in "${builds[@]}"; do
  case $b in
    tidy)     echo "=== clang-tidy"
              if scripts/clang-tidy.sh; then passed=$((passed + 1))
              else echo "tests: $passed passed, $((failed + 1)) failed"; exit 1; fi ;;
    gcc)      configure_and_test gcc "${gnu[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                -DRINGKIT_TEST_CLIENTS=ON -DRINGKIT_TEST_PACKAGING=ON ;;
    asan)     configure_and_test asan "${clang[@]}" "${asan[@]}" -DRINGKIT_FUZZ=ON ;;
    gcc-asan) configure_and_test gcc-asan "${gnu[@]}" "${asan[@]}" -DRINGKIT_BUILD_EXAMPLES=OFF ;;
    tsan)     configure_and_test tsan "${clang[@]}" "${tsan[@]}" ;;
    gcc-tsan) configure_and_test gcc-tsan "${gnu[@]}" "${tsan[@]}" ;;
    *) echo "unknown build: $b" >&2; exit 2 ;;
  esac
done
echo "=== all test builds passed: ${builds[*]}"
echo "tests: $passed passed, $failed failed"
