#!/usr/bin/env bash
# The layout of every C++ file, by the checked-in .clang-format (clang-format 14).
#   scripts/format.sh            reformat in place
#   scripts/format.sh --check    list the files that differ and exit 1 (make check runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=${CLANG_FORMAT:-clang-format-14}
command -v "$fmt" >/dev/null || fmt=clang-format
mapfile -t files < <(git ls-files '*.hpp' '*.cpp' '*.ipp' '*.h')
if [[ ${1:-} == --check ]]; then
  bad=()
  for f in "${files[@]}"; do
    "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  ((${#bad[@]} == 0)) && { echo "format: ${#files[@]} files as .clang-format says"; exit 0; }
  printf 'not formatted (scripts/format.sh fixes it): %s\n' "${bad[@]}" >&2
  exit 1
fi
"$fmt" -i "${files[@]}"
