#!/bin/bash
# bench/rss_series.sh SIZE_MB... — forum-index's peak memory as the
# corpus grows: for each size, generates the corpus (bench/gen_corpus,
# seed BENCH_SEED, reused like run.sh's) and indexes it with the default
# command (`forum-index DB DIR`: one shard per CPU, compaction when due)
# under /usr/bin/time -v. Prints one Markdown table row per size: post
# text, wall and CPU time, throughput, peak RSS, index size.
#
# Environment: BENCH_OUT (default bench/out), BENCH_SEED (default 1),
# FS_BUILD (default build/), FS_INDEX_ARGS (extra forum-index options).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${BENCH_OUT:-$here/out}
seed=${BENCH_SEED:-1}
build=${FS_BUILD:-$repo/build}
exe=$build/indexer/forum-index
die() { echo "bench/rss_series.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: bench/rss_series.sh SIZE_MB..." >&2; exit 2; }
[ -x "$exe" ] || die "$exe is not built (cmake --build $build)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)"
mkdir -p "$out"
# shellcheck source=bench/corpus.sh
. "$here/corpus.sh"

echo "| post text (MiB) | posts | wall (s) | user+sys (s) | MiB/s (wall) | peak RSS (MiB) | index ÷ text |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for size in "$@"; do
    [[ $size =~ ^[0-9]+$ ]] || die "SIZE_MB must be a whole number, not '$size'"
    ensure_corpus "$out" "$size" "$seed"
    db=$out/rss-index-${size}mb
    rm -rf "$db"
    echo "== indexing $size MiB" >&2
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$db.time" "$exe" ${FS_INDEX_ARGS:-} "$db" "$corpus" >/dev/null
    /usr/bin/python3 - "$db" "$db.time" "$posts" <<'EOF'
import json, os, sys
db, timef, posts = sys.argv[1:4]
tv = {}
for line in open(timef):
    k, _, v = line.strip().rpartition(": ")
    tv[k] = v
def secs(s):
    parts = [float(p) for p in s.split(":")]
    t = 0.0
    for p in parts:
        t = t * 60 + p
    return t
wall = secs(tv["Elapsed (wall clock) time (h:mm:ss or m:ss)"])
cpu = float(tv["User time (seconds)"]) + float(tv["System time (seconds)"])
rss = int(tv["Maximum resident set size (kbytes)"]) / 1024
n = nbytes = 0
for line in open(posts, encoding="utf-8"):
    n += 1
    nbytes += len(json.loads(line)["text"].encode("utf-8"))
size = 0
for d, _, fs in os.walk(db):
    for f in fs:
        size += os.stat(os.path.join(d, f)).st_blocks * 512
mib = nbytes / 1048576
print("| %.1f | %d | %.1f | %.1f | %.2f | %.0f | %.2f× |"
      % (mib, n, wall, cpu, mib / wall, rss, size / nbytes))
EOF
    rm -rf "$db"
done
