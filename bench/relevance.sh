#!/bin/bash
# bench/relevance.sh SIZE_MB — the relevance benchmark in one command.
#
# Known-item queries drawn from a SIZE_MB corpus (bench/relevance.py),
# answered by forumsearch (this build, and a baseline build of an older
# commit: the ranking before and after, in the same run) and by the peers
# configured for it; writes the "Relevance" section of bench/RESULTS.md
# (between its markers; the rest of the file is left alone).
#
# Environment (all optional):
#   FS_BUILD        forumsearch build to measure (default: build/)
#   BENCH_BASELINE  git commit of the "before" ranking, built into
#                   $BENCH_OUT/baseline-build (default: d66c069, main
#                   before issue 16; empty: no baseline)
#   BENCH_ENGINES   peers (default: xapian fts5 groonga)
#   BENCH_OUT       work directory (default: bench/out)
#   BENCH_SEED      corpus seed (default 1); BENCH_RSEED query seed (7)
#   BENCH_REPEAT    timed passes (default 3)
#   BENCH_RESULTS   report file (default: bench/RESULTS.md)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
PY=/usr/bin/python3
die() { echo "bench/relevance.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: bench/relevance.sh SIZE_MB" >&2; exit 2; }
size=$1
[[ $size =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SIZE_MB must be a number, not '$size'"
out=${BENCH_OUT:-$here/out}
seed=${BENCH_SEED:-1}
rseed=${BENCH_RSEED:-7}
repeat=${BENCH_REPEAT:-3}
results=${BENCH_RESULTS:-$here/RESULTS.md}
build=$(cd "${FS_BUILD:-$repo/build}" 2>/dev/null && pwd) ||
    die "no build at ${FS_BUILD:-$repo/build} (cmake -S $repo -B build && cmake --build build)"
baseline=${BENCH_BASELINE-d66c069}
engines=${BENCH_ENGINES:-xapian fts5 groonga}

[ -f "$build/common/libforumsearch.so" ] || die "$build/common/libforumsearch.so is missing: build forumsearch first"
$PY -c 'import icu, xapian' 2>/dev/null || die "needs python3-icu and python3-xapian (apt-get install -y python3-icu python3-xapian)"
mkdir -p "$out"

# Helpers against one build: normalize_posts, fs_latency, relevance_fs.
tools() { # BUILD OUT_DIR SOURCE_TREE
    mkdir -p "$2"
    for t in normalize_posts fs_latency relevance_fs; do
        cc -std=c11 -O2 -Wall -Wextra -I"$3/common/include" \
            -o "$2/$t" "$here/$t.c" -L"$1/common" -lforumsearch \
            -Wl,-rpath,"$1/common" || die "cannot build $t against $1"
    done
}

# --- the baseline build ----------------------------------------------------------
base_build=
if [ -n "$baseline" ]; then
    base_src=$out/baseline-src
    base_build=$out/baseline-build
    want=$(git -C "$repo" rev-parse "$baseline^{commit}") ||
        die "BENCH_BASELINE=$baseline is not a commit"
    if [ "$(cat "$base_build/.commit" 2>/dev/null)" != "$want" ]; then
        echo "== building the baseline ($baseline)" >&2
        rm -rf "$base_src" "$base_build"
        mkdir -p "$base_src"
        git -C "$repo" archive "$want" | tar -x -C "$base_src"
        cmake -S "$base_src" -B "$base_build" -DFORUMSEARCH_BUILD_TESTS=OFF \
            >"$out/baseline-cmake.log" 2>&1 || die "baseline cmake failed ($out/baseline-cmake.log)"
        cmake --build "$base_build" -j2 --target forumsearch forum-index \
            >>"$out/baseline-cmake.log" 2>&1 || die "baseline build failed ($out/baseline-cmake.log)"
        echo "$want" >"$base_build/.commit"
    fi
fi
tools "$build" "$out/rel-tools" "$repo"
[ -n "$base_build" ] && tools "$base_build" "$out/rel-tools-base" "$out/baseline-src"

# --- corpus (shared with run.sh) and queries ---------------------------------------
# shellcheck source=bench/corpus.sh
. "$here/corpus.sh"
ensure_corpus "$out" "$size" "$seed"
qdir=$out/relevance-${size}mb-s$seed
echo "== drawing the known-item queries" >&2
rm -rf "$qdir"
$PY "$here/relevance.py" queries "$posts" "$qdir" --seed "$rseed" \
    --normalize-bin "$out/rel-tools/normalize_posts"
# The recall benchmark's query set, for fs_latency (posts, not threads).
$PY "$here/queries" "$posts" "$qdir/recall" --seed 5 --normalizer c \
    --normalize-bin "$out/rel-tools/normalize_posts" >/dev/null

run=$out/relevance-run-${size}mb
rm -rf "$run"
mkdir -p "$run"
systems=()

# --- forumsearch, after and before ---------------------------------------------------
fs_run() { # NAME BUILD TOOLS LABEL SCOPES...
    local name=$1 b=$2 t=$3 label=$4
    shift 4
    local db=$out/rel-index-$name-${size}mb
    rm -rf "$db"
    echo "== $label: indexing" >&2
    "$b/indexer/forum-index" -q "$db" "$corpus" >"$run/$name.index.log" 2>&1 ||
        echo "bench/relevance.sh: $name: forum-index exited $? (see $run/$name.index.log)" >&2
    for scope in "$@"; do
        echo "== $label: $scope scope" >&2
        "$t/relevance_fs" "$db" "$qdir/relevance.tsv" "$run/$name-$scope" \
            "$repeat" "$scope" 2>"$run/$name-$scope.err" ||
            echo "bench/relevance.sh: $name $scope failed (see $run/$name-$scope.err)" >&2
        systems+=("$name-$scope|$label, --scope $scope")
    done
    "$t/fs_latency" "$db" "$qdir/recall/queries.tsv" "$run/$name-recallset" \
        "$repeat" >/dev/null 2>"$run/$name-recallset.err" || true
}
fs_run fs "$build" "$out/rel-tools" "forumsearch (this build)" post thread
if [ -n "$base_build" ]; then
    fs_run fs-base "$base_build" "$out/rel-tools-base" \
        "forumsearch before ($baseline)" post
fi

# --- peers ---------------------------------------------------------------------------
for e in $engines; do
    db=$out/rel-index-$e-${size}mb
    rm -rf "$db" "$db"-w*
    echo "== $e: indexing" >&2
    $PY "$here/relevance.py" index "$e" "$posts" "$db"
    echo "== $e: querying" >&2
    $PY "$here/relevance.py" query "$e" "$db" "$qdir/relevance.tsv" \
        "$run/$e" "$repeat" >"$run/$e.query.out"
    for w in $($PY -c "import sys; sys.path.insert(0, '$here'); import relevance; print(*relevance.WEIGHTS['$e'])"); do
        systems+=("$e.w$w|$e, title ×$w")
    done
done

# --- report ----------------------------------------------------------------------------
$PY - "$run/meta.json" "$posts" "$qdir/relevance.tsv" "$size" "$seed" "$rseed" \
    "${systems[@]}" <<'EOF'
import json, os, sys
meta_path, posts, rel, size, seed, rseed = sys.argv[1:7]
threads, n = set(), 0
for line in open(posts, encoding="utf-8"):
    threads.add(json.loads(line)["thread"]); n += 1
names = {"xapian": "Xapian FLAG_CJK_NGRAM", "fts5": "SQLite FTS5 trigram",
         "groonga": "Groonga TokenBigram"}
systems = []
for s in sys.argv[7:]:
    name, label = s.split("|", 1)
    head = label.split(",")[0]
    label = label.replace(head, names.get(head, head), 1)
    systems.append((name, label))
json.dump({"relevance": rel, "size": size, "seed": seed, "qseed": rseed,
           "threads": len(threads), "posts": n, "systems": systems,
           "repeat": int(os.environ.get("BENCH_REPEAT", "3"))},
          open(meta_path, "w"), indent=1)
EOF
$PY "$here/relevance.py" report "$run" "$results"
echo "== wrote the relevance section of $results (raw figures in $run)" >&2
