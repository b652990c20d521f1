#!/usr/bin/env bash
# The whole test suite, in three builds:
#   gcc   g++ with -Werror: unit, integration, client (curl, python) and packaging tests
#   asan  clang++ with -Werror, ASan + UBSan: unit and integration tests, fuzz smoke runs
#   tsan  clang++ with TSan: the tests that run servers on several threads
# Usage: scripts/run-tests.sh [gcc|asan|tsan]...  (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
builds=("$@")
((${#builds[@]})) || builds=(gcc asan tsan)

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

for b in "${builds[@]}"; do
  case $b in
    gcc)  configure_and_test gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DRINGKIT_TEST_CLIENTS=ON -DRINGKIT_TEST_PACKAGING=ON ;;
    asan) UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
          configure_and_test asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
            -DRINGKIT_SANITIZE=address,undefined -DRINGKIT_FUZZ=ON ;;
    tsan) TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
          configure_and_test tsan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DRINGKIT_SANITIZE=thread -DRINGKIT_TEST_ONLY_THREADED=ON ;;
    *) echo "unknown build: $b" >&2; exit 2 ;;
  esac
done
echo "=== all test builds passed: ${builds[*]}"
echo "tests: $passed passed, $failed failed"
