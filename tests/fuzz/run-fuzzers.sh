#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan + LeakSanitizer,
# the library instrumented too), replays the saved regression inputs, then
# fuzzes each target for SECONDS (default 60), two at a time.
#
#   tests/fuzz/run-fuzzers.sh [SECONDS]
#
# Needs clang and libFuzzer (Debian 12: apt-get install -y clang
# libclang-rt-14-dev) besides the project's own dependencies.
# Works on copies of the seed corpora in build-fuzz/, so the repository is
# never modified. Exit status: 0 when every replay and every run was
# clean; 1 on any crash, invariant violation, leak, timeout (10 s for one
# input) or out-of-memory (2 GB); the input that caused it is saved under
# build-fuzz/fuzz-out/TARGET/ and its path printed.
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz at the top of the
# repository), FUZZ_JOBS (targets run in parallel, default 2),
# FUZZ_TARGETS (default: all six).
set -eu
seconds=${1:-60}
case $seconds in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/fuzz
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-2}
targets=${FUZZ_TARGETS:-"thread_parse jsonl analyze query_parse highlight serve_params"}

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$top" -B "$build" \
  -DFORUMSEARCH_FUZZ=ON -DFORUMSEARCH_SANITIZE=ON \
  -DFORUMSEARCH_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzzers -j "$(nproc 2>/dev/null || echo 2)"

out=$build/fuzz-out
bin=$build/tests/fuzz
failed=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Readable stack traces: Debian installs llvm-symbolizer-14, and the
# unversioned name only with the llvm package.
if ! command -v llvm-symbolizer >/dev/null 2>&1 &&
    command -v llvm-symbolizer-14 >/dev/null 2>&1; then
  ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-14)
  export ASAN_SYMBOLIZER_PATH
fi

# 1. Regression inputs: each must run clean.
for t in $targets; do
  dir=$here/regressions/$t
  [ -d "$dir" ] || continue
  files=$(find "$dir" -type f ! -name '*.md' | sort)
  [ -n "$files" ] || continue
  echo "== replaying $(echo "$files" | wc -l) regression input(s) for $t"
  # shellcheck disable=SC2086
  if ! "$bin/fuzz_$t" -timeout=10 -rss_limit_mb=2048 $files \
      >"$build/replay-$t.log" 2>&1; then
    echo "FAIL: $t: a regression input fails again; see" \
         "$build/replay-$t.log" >&2
    grep -E '^Running: |invariant violated|ERROR|SUMMARY' \
      "$build/replay-$t.log" | tail -n 4 >&2 ||
      tail -n 30 "$build/replay-$t.log" >&2
    failed=1
  fi
done

# 2. Fuzzing, on a fresh copy of each seed corpus.
run_one() {
  t=$1
  work=$out/$t
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$here/corpus/$t/"* "$work/corpus/"
  dict=
  [ -f "$here/dict/$t.dict" ] && dict=-dict=$here/dict/$t.dict
  # shellcheck disable=SC2086
  if "$bin/fuzz_$t" $dict -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" \
      >"$work/log" 2>&1; then
    echo "ok: $t: $(grep -E '^stat::number_of_executed_units' "$work/log" |
      sed 's/.*: *//') executions in ${seconds}s," \
      "$(grep -E '^#[0-9]+.*(DONE|pulse)' "$work/log" | tail -n 1 |
      sed -n 's/.* cov: \([0-9]*\).*/\1/p') edges covered"
  else
    echo "FAIL: $t: see $work/log" >&2
    grep -E 'ERROR|invariant violated|SUMMARY|Test unit written' \
      "$work/log" >&2 || tail -n 30 "$work/log" >&2
    for a in "$work/artifacts/"*; do
      [ -e "$a" ] && echo "  input saved: $a" >&2
    done
    return 1
  fi
}

running=0
status_dir=$out/.status
rm -rf "$status_dir"
mkdir -p "$status_dir"
for t in $targets; do
  ( if run_one "$t"; then :; else echo "$t" >"$status_dir/$t"; fi ) &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait
for f in "$status_dir"/*; do
  [ -e "$f" ] && failed=1
done
rm -rf "$status_dir"

if [ "$failed" -ne 0 ]; then
  echo "fuzzing found problems (details above)" >&2
  exit 1
fi
echo "all fuzzers clean"
