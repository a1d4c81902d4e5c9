#!/bin/sh
# Sets everything up and runs the whole test suite twice: a normal build
# with warnings as errors, then an ASan+UBSan (and LeakSanitizer) build;
# then replays the fuzzers' regression inputs and fuzzes each target for
# FUZZ_SECONDS (default 30; 0 skips fuzzing).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S "$top" -B "$top/build" -DFORUMSEARCH_WERROR=ON
cmake --build "$top/build" -j "$jobs"
(cd "$top/build" && ctest --output-on-failure -j "$jobs")

cmake -S "$top" -B "$top/build-asan" -DFORUMSEARCH_WERROR=ON \
  -DFORUMSEARCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build "$top/build-asan" -j "$jobs"
(cd "$top/build-asan" && ctest --output-on-failure -j "$jobs")

fuzz_seconds=${FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
  "$top/tests/fuzz/run-fuzzers.sh" "$fuzz_seconds"
fi
