#!/usr/bin/env bash
# A deeper fuzz run than the ctest smoke test: N seconds of one fuzz target.
#   [FUZZ_TARGET=router] tests/fuzz/run-long.sh [SECONDS] [BUILD_DIR] [-- extra libFuzzer flags...]
#     FUZZ_TARGET default request_parser; any NAME with tests/fuzz/fuzz_NAME.cpp and
#                 tests/fuzz/corpus/NAME/ (ws_frames, ws_deflate, ws_handshake, params,
#                 multipart, cookies, router, response_parser)
#     SECONDS     default 600
#     BUILD_DIR   default build/fuzz; configured (clang, ASan+UBSan, -O2) and the
#                 target built there if it is not yet
#   FUZZ_FORK=N   run N fuzzing processes (libFuzzer -fork=N) instead of one
#
# The working corpus lives in BUILD_DIR/fuzz-long/NAME/corpus and grows from run
# to run; it starts from a copy of tests/fuzz/corpus/NAME, which this script never
# writes to. Crashes land in .../artifacts/ and fail the script.
# To fold new finds into the seed corpus, minimized:
#   fuzz_NAME -merge=1 tests/fuzz/corpus/NAME BUILD_DIR/fuzz-long/NAME/corpus
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

seconds=600
build=$root/build/fuzz
if (($#)) && [[ $1 != -- ]]; then seconds=$1; shift; fi
if (($#)) && [[ $1 != -- ]]; then build=$(realpath -m "$1"); shift; fi
if (($#)) && [[ $1 == -- ]]; then shift; fi
[[ $seconds =~ ^[0-9]+$ ]] || { echo "run-long.sh: SECONDS must be a number, got '$seconds'" >&2; exit 2; }
name=${FUZZ_TARGET:-request_parser}
[[ -f $here/fuzz_$name.cpp && -d $here/corpus/$name ]] ||
  { echo "run-long.sh: no target '$name' (tests/fuzz/fuzz_$name.cpp and corpus/$name/)" >&2; exit 2; }

fuzzer=$build/tests/fuzz/fuzz_$name
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGKIT_SANITIZE=address,undefined -DRINGKIT_FUZZ=ON \
    -DRINGKIT_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$build" -j"${JOBS:-2}" --target "fuzz_$name"
[[ -x $fuzzer ]] || { echo "run-long.sh: no fuzzer at $fuzzer (is the compiler clang?)" >&2; exit 1; }

work=$build/fuzz-long/$name
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$here/corpus/$name"/* "$work/corpus/"

count() { find "$1" -type f | wc -l; }

flags=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -max_total_time="$seconds" -print_final_stats=1
       -dict="$here/http.dict" -artifact_prefix="$work/artifacts/")
if [[ ${FUZZ_FORK:-1} -gt 1 ]]; then flags+=(-fork="$FUZZ_FORK" -ignore_crashes=0); fi

echo "fuzzing for ${seconds}s: $fuzzer (corpus $work/corpus, $(count "$work/corpus") files)"
before=$(count "$work/artifacts")
set +e
(cd "$work" && UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$fuzzer" "$work/corpus" "${flags[@]}" "$@")
rc=$?
set -e
after=$(count "$work/artifacts")
if ((rc != 0 || after > before)); then
  echo "run-long.sh: fuzzer exited with $rc; artifacts in $work/artifacts:" >&2
  find "$work/artifacts" -type f >&2
  echo "reproduce with: $fuzzer <artifact>" >&2
  exit 1
fi
echo "run-long.sh: no crash in ${seconds}s; corpus now $(count "$work/corpus") files"
