#!/usr/bin/env bash
# Source-based line and region coverage that the fuzz targets' corpora reach in
# the ringkit headers each target is meant to exercise.
#   [FUZZ_CORPUS=seed|grown|DIR] tests/fuzz/coverage.sh [TARGET...]
#     TARGET       names as in run-long.sh (request_parser, url, ...); default all
#     FUZZ_CORPUS  seed (default): tests/fuzz/corpus/NAME
#                  grown: the corpus run-long.sh grew, LONG_BUILD/fuzz-long/NAME/corpus
#                  DIR: DIR/NAME (a directory holding one corpus per target)
#   COV_BUILD=build/fuzz-cov   where the coverage build lives (configured if new)
#   LONG_BUILD=build/fuzz      run-long.sh's build directory, for FUZZ_CORPUS=grown
#   COV_DETAIL=1               also print llvm-cov's per-file report for each target
#
# The targets are built with clang's -fprofile-instr-generate -fcoverage-mapping and
# no sanitizer, and run once over each corpus file with libFuzzer's -runs=0 (which
# executes the corpus and stops, mutating nothing). Asio, nlohmann, llhttp, doctest
# and the test code are ignored. Prints one line per target: the corpus size, then
# line% and region% of each header (and a function's coverage where only one
# function of a large header parses untrusted bytes), and the total over them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(realpath -m "${COV_BUILD:-$root/build/fuzz-cov}")
long=$(realpath -m "${LONG_BUILD:-$root/build/fuzz}")
corpus_kind=${FUZZ_CORPUS:-seed}
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata || true)
llvmcov=$(command -v llvm-cov-14 || command -v llvm-cov || true)
[[ -n $profdata && -n $llvmcov ]] || { echo "coverage.sh: needs llvm-profdata and llvm-cov (apt-get install llvm-14)" >&2; exit 2; }

# What each target is for: headers under include/ringkit/, "file.hpp:function" to
# count one function only (llvm-cov report -show-functions), named by a substring
# of its mangled name ("13path_segments5split" is path_segments::split).
declare -A headers=(
  [request_parser]="http/parser.hpp http/headers.hpp http/chunk_framing.hpp"
  [head_scan]="http/head_scan.hpp"
  [response_parser]="client/response_parser.hpp client/response_head_scan.hpp http/chunk_framing.hpp client/url.hpp"
  [ws_frames]="ws/frame.hpp ws/utf8.hpp ws/close.hpp"
  [ws_deflate]="ws/deflate.hpp"
  [ws_handshake]="ws/handshake.hpp ws/deflate.hpp:negotiate_deflate ws/deflate.hpp:format_deflate_response"
  [params]="middleware/params.hpp http/url.hpp"
  [multipart]="middleware/multipart.hpp"
  [cookies]="middleware/cookies.hpp middleware/cookie_store.hpp core/base64.hpp"
  [router]="routing/trie.hpp routing/router.hpp"
  [url]="http/url.hpp routing/trie.hpp:13path_segments5split middleware/file.hpp:10check_path"
)
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$here"/fuzz_*.cpp; do n=$(basename "$f" .cpp); targets+=("${n#fuzz_}"); done
fi
for t in "${targets[@]}"; do
  [[ -n ${headers[$t]:-} ]] || { echo "coverage.sh: no header list for target '$t' (add it to coverage.sh)" >&2; exit 2; }
done

if [[ ! -f $build/CMakeCache.txt ]]; then
  flags="-fprofile-instr-generate -fcoverage-mapping"
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" \
    -DRINGKIT_FUZZ=ON -DRINGKIT_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]/#/fuzz_}" >/dev/null

work=$build/coverage
mkdir -p "$work"
ignore='(asio|nlohmann|llhttp|doctest|/usr/|tests/)'
printf '%-15s %7s  %s\n' target inputs "line% region% per header (total)"
for t in "${targets[@]}"; do
  case $corpus_kind in
    seed) dir=$here/corpus/$t ;;
    grown) dir=$long/fuzz-long/$t/corpus ;;
    *) dir=$(realpath -m "$corpus_kind")/$t ;;
  esac
  [[ -d $dir ]] || { echo "coverage.sh: no corpus at $dir" >&2; exit 2; }
  bin=$build/tests/fuzz/fuzz_$t
  rm -f "$work/$t".prof*
  # -runs=0 executes every corpus file once; nothing is written to the corpus.
  LLVM_PROFILE_FILE=$work/$t.profraw "$bin" -runs=0 -max_len=1048576 -rss_limit_mb=4096 "$dir" \
    >"$work/$t.log" 2>&1 || { echo "coverage.sh: $t failed on its corpus; see $work/$t.log" >&2; exit 1; }
  "$profdata" merge -sparse "$work/$t.profraw" -o "$work/$t.profdata"

  files=() summary=""
  for h in ${headers[$t]}; do
    [[ $h == *:* ]] || files+=("$root/include/ringkit/$h")
  done
  report() { "$llvmcov" report "$bin" -instr-profile="$work/$t.profdata" -ignore-filename-regex="$ignore" "$@"; }
  # The TOTAL row's columns: regions missed cover functions missed cover lines missed cover ...
  if ((${#files[@]})); then
    for f in "${files[@]}"; do
      read -r r rm l lm < <(report "$f" | awk '$1 == "TOTAL" { print $2, $3, $8, $9 }')
      summary+=$(awk -v n="${f#"$root/include/ringkit/"}" -v r="$r" -v rm="$rm" -v l="$l" -v lm="$lm" \
        'BEGIN { printf "  %s %.1f%% %.1f%%", n, l ? 100 * (l - lm) / l : 0, r ? 100 * (r - rm) / r : 0 }')
    done
    read -r r rm l lm < <(report "${files[@]}" | awk '$1 == "TOTAL" { print $2, $3, $8, $9 }')
    total=$(awk -v r="$r" -v rm="$rm" -v l="$l" -v lm="$lm" \
      'BEGIN { printf "%.1f%% %.1f%%", l ? 100 * (l - lm) / l : 0, r ? 100 * (r - rm) / r : 0 }')
  fi
  for h in ${headers[$t]}; do
    [[ $h == *:* ]] || continue
    # -show-functions rows (mangled names, no spaces): name regions missed cover lines missed cover ...
    row=$(report -show-functions "$root/include/ringkit/${h%%:*}" |
      awk -v fn="${h#*:}" 'index($1, fn) && $2 ~ /^[0-9]+$/ { r += $2; rm += $3; l += $5; lm += $6 }
        END { printf "%.1f%% %.1f%%", l ? 100 * (l - lm) / l : 0, r ? 100 * (r - rm) / r : 0 }')
    summary+="  ${h} ${row}"
  done
  printf '%-15s %7s %s  (total of whole headers: %s)\n' "$t" "$(find "$dir" -type f | wc -l)" "$summary" "${total:-n/a}"
  if [[ ${COV_DETAIL:-0} == 1 ]]; then report "${files[@]}"; fi
  unset total
done
