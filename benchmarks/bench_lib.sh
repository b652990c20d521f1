# shellcheck shell=bash
# Shell functions the benchmark scripts share (sourced, not run): stopping process
# groups, CPU accounting from /proc, waiting for a quiet machine, medians and ratios.
# The sourcing script defines log() and sets CLK_TCK, QUIET_WAIT and QUIET_PCT.

stop_group() {  # stop_group PGID: TERM, a moment's grace, then KILL
  local g=$1
  [ -n "$g" ] || return 0
  kill -TERM -- "-$g" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 -- "-$g" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$g" 2>/dev/null || true
  wait "$g" 2>/dev/null || true
}

busy_ticks() {  # CPU ticks the whole machine spent busy (all but idle and iowait; steal counts as busy)
  awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

# The machine may be shared (other builds and tests): before a measurement, wait up to
# QUIET_WAIT seconds for the rest of the machine to use less than QUIET_PCT% of a CPU.
wait_quiet() {
  local waited=0 b0 b1 pct
  while :; do
    b0=$(busy_ticks); sleep 0.5; b1=$(busy_ticks)
    pct=$(( (b1 - b0) * 200 / CLK_TCK ))
    [ "$pct" -lt "$QUIET_PCT" ] && return 0
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      log "machine still busy (${pct}% of a CPU used by others); measuring anyway"
      return 0
    fi
    [ "$waited" -eq 0 ] && log "machine busy (${pct}% of a CPU used by others); waiting up to ${QUIET_WAIT}s"
    sleep 1; waited=$((waited + 2))
  done
}

children_ticks() {  # cutime+cstime of this shell: every child it has reaped (the load generator, via timeout)
  local stat
  stat=$(cat "/proc/$$/stat")
  stat=${stat##*) }
  echo "$stat" | awk '{print $14 + $15}'
}

tree_ticks() {  # utime+stime of a process and all its descendants, in clock ticks
  local pid=$1 total stat child
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }   # the fields after "pid (comm) "; state is field 3, utime 14, stime 15
  total=$(echo "$stat" | awk '{print $12 + $13}')
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    total=$((total + $(tree_ticks "$child")))
  done
  echo "$total"
}

rss_kb() { awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"; }

# values FILE COL KEYCOL=VALUE...: the values of column COL on the rows (after the header)
# whose key columns hold those values, "nan" and empty ones left out.
values() {
  local file=$1 col=$2
  shift 2
  awk -F'\t' -v c="$col" -v keys="$*" 'BEGIN {n = split(keys, k, " ")}
    NR > 1 {for (i = 1; i <= n; ++i) {split(k[i], kv, "="); if ($kv[1] != kv[2]) next} if ($c != "nan" && $c != "") print $c}' "$file"
}
median() {  # median of the numbers on stdin ("nan" if none)
  sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
spread() {  # "min–max" of the numbers on stdin, rounded ("n/a" if none)
  sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR == 0) print "n/a"; else printf "%.0f–%.0f", lo, hi}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f×", a / b; else print "n/a"}'; }
num() { awk -v v="$1" -v f="$2" 'BEGIN {if (v ~ /^-?[0-9.]+$/) printf f, v; else print "n/a"}'; }

# The Release build every script measures: configure $BUILD_DIR (benchmarks and
# examples on, tests off), then build only the targets a run needs. Uses the
# caller's ROOT, BUILD_DIR, TMP, log and die.
configure_release() {
  log "building (Release) in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DRINGKIT_BUILD_BENCHMARKS=ON \
    -DRINGKIT_BUILD_TESTS=OFF -DRINGKIT_BUILD_EXAMPLES=ON >"$TMP/cmake.log" 2>&1 || { cat "$TMP/cmake.log"; die "cmake failed"; }
}
build_targets() {  # build_targets TARGET...
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target "$@" >"$TMP/build.log" 2>&1 ||
    { tail -50 "$TMP/build.log"; die "build failed${BUILD_HINT:+ ($BUILD_HINT)}"; }
}
