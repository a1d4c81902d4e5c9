#!/bin/sh
# Sets everything up and runs the whole test suite three times: a normal
# build with warnings as errors; an ASan+UBSan (and LeakSanitizer) build;
# a ThreadSanitizer build (Debug); then replays the fuzzers' regression
# inputs and fuzzes each target for FUZZ_SECONDS (default 20; 0 skips
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
# ASan+UBSan: everything but install_test, which checks packaging
# (install tree, pkg-config, RUNPATH, exported symbols) and builds its
# own sanitized embedders in the normal stage already.
stage "ASan+UBSan build and ctest" suite "$root/build-asan" \
  -DFORUMSEARCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  -- -E '^install_test$'
# ThreadSanitizer (it cannot share a process with ASan, hence a build of
# its own), on the tests whose processes run threads of ours: the
# library's own (test_threads, test_db, the contract tests: one handle
# per thread, cancellation, pinned results), forum-index -j N's workers
# and its lock (cli_test), and forum-serve's request threads over its
# database pool (serve_test). The rest run single-threaded code that
# the ASan stage covers; all of them took 7 minutes under TSan (Debug),
# these take about 2. libxapian and ICU are not instrumented; no report
# from them has needed suppressing (tests/tsan.supp would say why if one
# did).
TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
export TSAN_OPTIONS
stage "ThreadSanitizer build and ctest" suite "$root/build-tsan" \
  -DFORUMSEARCH_TSAN=ON -DCMAKE_BUILD_TYPE=Debug \
  -- -R '^(test_threads.*|test_db|test_pack|contract_.*|cli_test.*|serve_test)$'

fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then
  FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$root/build-fuzz}
  export FUZZ_BUILD_DIR
  stage "fuzzing" "$top/tests/fuzz/run-fuzzers.sh" "$fuzz_seconds"
fi
