#!/bin/sh
# Sets everything up and runs the whole test suite three times: a normal
# build with warnings as errors; an ASan+UBSan (and LeakSanitizer) build;
# a ThreadSanitizer build (Debug); then replays the fuzzers' regression
# inputs and fuzzes each target for FUZZ_SECONDS (default 30; 0 skips
# fuzzing). Each stage prints ctest's "tests passed" line and its time.
#
# Environment: BUILD_ROOT, where the build directories go (default: the
# top of the repository: build, build-asan, build-tsan, build-fuzz);
# FUZZ_SECONDS.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${BUILD_ROOT:-$top}
"$top/tests/install-deps.sh"
jobs=$(nproc 2>/dev/null || echo 2)

# stage NAME COMMAND...: runs COMMAND, then says how long it took.
stage() {
  name=$1
  shift
  start=$(date +%s)
  "$@"
  echo "run.sh: $name took $(($(date +%s) - start)) s"
}

# suite DIR [CMAKE-OPTION...] [-- CTEST-OPTION...]: configures, builds, tests.
suite() {
  dir=$1
  shift
  cmake_args=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    cmake_args="$cmake_args $1"
    shift
  done
  [ $# -gt 0 ] && shift
  # shellcheck disable=SC2086
  cmake -S "$top" -B "$dir" -DFORUMSEARCH_WERROR=ON $cmake_args
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
}

stage "normal build and ctest" suite "$root/build"
stage "ASan+UBSan build and ctest" suite "$root/build-asan" \
  -DFORUMSEARCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
# ThreadSanitizer (it cannot share a process with ASan, hence a build of
# its own). Everything runs but hostile_test and incremental_test: they
# drive the command-line tools over many inputs and runs, which ASan
# already covers, and at TSan's ~5x slowdown (Debug) would take about 7
# and 6 minutes; the threads of forum-index -j N and of the library are
# exercised here by cli_test, test_threads and the contract tests. libxapian and ICU are not instrumented; no report
# from them has needed suppressing (tests/tsan.supp would say why if one
# did).
TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
export TSAN_OPTIONS
stage "ThreadSanitizer build and ctest" suite "$root/build-tsan" \
  -DFORUMSEARCH_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
  -- -E '^(hostile_test|incremental_test)$'

fuzz_seconds=${FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
  FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$root/build-fuzz}
  export FUZZ_BUILD_DIR
  stage "fuzzing" "$top/tests/fuzz/run-fuzzers.sh" "$fuzz_seconds"
fi
