#!/usr/bin/env bash
# The test commands (every build with -Werror; README.md, "Tests"):
#   make test   = scripts/run-tests.sh test    asan tsan                         (everyday, ≤ 15 min)
#   make check  = scripts/run-tests.sh check   tidy asan+fuzz tsan gcc                  (CI, ≤ 40 min)
# The builds:
#   tidy      every C++ file as .clang-format says (scripts/format.sh --check), and
#             clang-tidy over include/ with the checked-in .clang-tidy: no warnings;
#             every header compiled as its own translation unit
#   asan      clang++ ASan+UBSan: unit, integration, examples, real clients, browser,
#             docs; with `check` also the fuzz smoke runs
#   tsan      clang++ TSan: the tests that run threads (integration, and the two
#             unit files that start threads of their own)
#   gcc       g++ -O2 (no -g): unit, integration, examples, clients, browser, docs,
#             packaging (consumers both ways); examples and docs header-only
#   gcc-asan  g++ ASan+UBSan: unit tests (on its own only: clang's asan runs the
#             same tests, and with it `check` took 41.5 min in CI, past its budget)
#   gcc-tsan  g++ TSan: as tsan (on its own only, for the same reason: 44 min)
# The tests always link ringkit::compiled (the engine compiled once); the examples
# and docs programs too, except in gcc, which builds them header-only as users do
# by default (and so do the packaging consumers).
# Usage: scripts/run-tests.sh [test|check|BUILD...]  (default: test)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
fuzz=OFF
case ${1:-test} in
  test)  builds=(asan tsan) ;;
  check) builds=(tidy asan tsan gcc); fuzz=ON ;;
  *)     builds=("$@") ;;
esac

passed=0 failed=0
summary=()
report() { echo "tests: $passed passed, $failed failed"; }
configure_and_test() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== build: $name"
  cmake -S . -B "build/$name" -DRINGKIT_WERROR=ON "$@" >/dev/null
  cmake --build "build/$name" -j"$jobs"
  local built=$SECONDS status=0
  (cd "build/$name" && ctest --output-on-failure -j"$jobs" --timeout 600) | tee "build/$name/ctest.log" || status=$?
  # "100% tests passed, 0 tests failed out of 5": add this build's counts to the total.
  local line total bad
  line=$(grep -E 'tests failed out of [0-9]+' "build/$name/ctest.log" | tail -1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + ${total:-0} - ${bad:-0})); failed=$((failed + ${bad:-0}))
  summary+=("$name: build $((built - start)) s, tests $((SECONDS - built)) s, ${total:-0} tests")
  ((status == 0)) || { report; exit "$status"; }
}

# Each sanitizer runtime reads only its own variable.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
clang=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang)
gnu=(-DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc)
asan=(-DCMAKE_BUILD_TYPE=Debug -DRINGKIT_SANITIZE=address,undefined)
tsan=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGKIT_SANITIZE=thread -DRINGKIT_TEST_ONLY_THREADED=ON
      -DRINGKIT_BUILD_EXAMPLES=OFF)
for b in "${builds[@]}"; do
  case $b in
    tidy)     echo "=== clang-format and clang-tidy"
              start=$SECONDS
              if scripts/format.sh --check && scripts/clang-tidy.sh; then passed=$((passed + 1))
              else failed=$((failed + 1)); report; exit 1; fi
              summary+=("tidy: $((SECONDS - start)) s") ;;
    asan)     configure_and_test asan "${clang[@]}" "${asan[@]}" -DRINGKIT_TEST_CLIENTS=ON -DRINGKIT_FUZZ=$fuzz ;;
    tsan)     configure_and_test tsan "${clang[@]}" "${tsan[@]}" ;;
    # -O2 as users build, without -g: debug info made this, the longest step, a fifth
    # slower and its objects 14 times larger (a failure here is rerun under asan to debug).
    gcc)      configure_and_test gcc "${gnu[@]}" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" \
                "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" -DRINGKIT_OWN_HEADER_ONLY=ON \
                -DRINGKIT_TEST_CLIENTS=ON -DRINGKIT_TEST_PACKAGING=ON ;;
    gcc-asan) configure_and_test gcc-asan "${gnu[@]}" "${asan[@]}" -DRINGKIT_BUILD_EXAMPLES=OFF \
                -DRINGKIT_TEST_INTEGRATION=OFF ;;
    gcc-tsan) configure_and_test gcc-tsan "${gnu[@]}" "${tsan[@]}" ;;
    *) echo "unknown build: $b (test, check, or: tidy asan tsan gcc gcc-asan gcc-tsan)" >&2; exit 2 ;;
  esac
done
echo "=== all test builds passed: ${builds[*]}"
printf '  %s\n' "${summary[@]}"
report
