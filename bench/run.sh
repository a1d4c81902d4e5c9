#!/bin/bash
# bench/run.sh SIZE_MB — the whole benchmark in one command.
#
# Generates a SIZE_MB corpus (MiB of post text), the query set and its
# ground truth, indexes and queries it with every engine, and writes
# bench/RESULTS.md. Everything else (corpus, indexes, raw figures) goes to
# bench/out/ (ignored by git), or to $BENCH_OUT.
#
# Environment (all optional):
#   BENCH_ENGINES     engines in order (default: forumsearch xapian fts5 groonga)
#   BENCH_OUT         work directory (default: bench/out)
#   BENCH_SEED        corpus seed (default 1); BENCH_QSEED query seed (default 5)
#   BENCH_REPEAT      timed passes over the query set (default 3)
#   BENCH_NORMALIZER  c (forum_normalize via bench/out/normalize_posts, the
#                     default and the real ground truth) or python (ICU
#                     prototype; only for trying the peers without the library)
#   BENCH_RESULTS     where to write the report (default bench/RESULTS.md)
#   FS_BUILD          forumsearch build directory (default: build/)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
PY=/usr/bin/python3

die() { echo "bench/run.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: bench/run.sh SIZE_MB" >&2; exit 2; }
size=$1
[[ $size =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SIZE_MB must be a number, not '$size'"

engines=${BENCH_ENGINES:-forumsearch xapian fts5 groonga}
out=${BENCH_OUT:-$here/out}
seed=${BENCH_SEED:-1}
qseed=${BENCH_QSEED:-5}
repeat=${BENCH_REPEAT:-3}
normalizer=${BENCH_NORMALIZER:-c}
results=${BENCH_RESULTS:-$here/RESULTS.md}
build=${FS_BUILD:-$repo/build}
export FS_BUILD=$build

# --- prerequisites ----------------------------------------------------------
apt_hint="apt-get install -y manpages-zh manpages python3-xapian python3-icu groonga-bin libgroonga-dev time"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing ($apt_hint)"
[ -x $PY ] || die "$PY is missing"
[ -d /usr/share/man/zh_CN ] && [ -d /usr/share/man/zh_TW ] ||
    die "manpages-zh is not installed: it is the corpus text ($apt_hint)"
for e in $engines; do
    case $e in
    forumsearch) ;;
    xapian) $PY -c 'import xapian' 2>/dev/null || die "python3-xapian missing ($apt_hint)" ;;
    fts5) $PY -c "import sqlite3; c=sqlite3.connect(':memory:'); c.execute(\"create virtual table t using fts5(x, tokenize='trigram')\")" 2>/dev/null ||
        die "this SQLite has no FTS5 trigram tokenizer (needs 3.34+)" ;;
    groonga) $PY -c 'import ctypes; ctypes.CDLL("libgroonga.so.0")' 2>/dev/null || die "libgroonga missing ($apt_hint)" ;;
    *) die "unknown engine '$e' (known: forumsearch xapian fts5 groonga)" ;;
    esac
done
if [ "$normalizer" = python ]; then
    $PY -c 'import icu' 2>/dev/null || die "python3-icu missing ($apt_hint)"
elif [ "$normalizer" != c ]; then
    die "BENCH_NORMALIZER must be c or python"
fi

need_lib=0
[ "$normalizer" = c ] && need_lib=1
[[ " $engines " == *" forumsearch "* ]] && need_lib=1
if [ $need_lib = 1 ]; then
    if [ ! -f "$build/common/libforumsearch.so" ]; then
        die "the forumsearch library is not built: $build/common/libforumsearch.so is missing.
  Build it first:   cmake -S $repo -B $build && cmake --build $build
  (the ground truth needs its forum_normalize(), and forumsearch is one of the engines).
  To try only the peers meanwhile, with the ICU-in-Python prototype of the normalizer:
    BENCH_ENGINES='xapian fts5 groonga' BENCH_NORMALIZER=python bench/run.sh $size"
    fi
    if [[ " $engines " == *" forumsearch "* ]] && [ ! -x "$build/indexer/forum-index" ]; then
        die "$build/indexer/forum-index is missing: build forumsearch first (cmake --build $build)"
    fi
    make -s -C "$here" BUILD="$build" all >&2 || die "building bench/out/normalize_posts and fs_latency failed"
fi

mkdir -p "$out"

# --- corpus -------------------------------------------------------------------
# Reused while the generator and the text packages are unchanged.
# shellcheck source=bench/corpus.sh
. "$here/corpus.sh"
ensure_corpus "$out" "$size" "$seed"

# --- queries and ground truth ---------------------------------------------------
qdir=$out/queries-${size}mb-s$seed
echo "== building the query set and its ground truth ($normalizer normalizer)" >&2
rm -rf "$qdir"
$PY "$here/queries" "$posts" "$qdir" --seed "$qseed" --normalizer "$normalizer" \
    --normalize-bin "$here/out/normalize_posts"

# --- engines --------------------------------------------------------------------
run=$out/run-${size}mb
rm -rf "$run"
mkdir -p "$run"

runner() {
    case $1 in
    forumsearch) echo "$here/run_forumsearch.sh" ;;
    xapian) echo "$here/run_xapian.py" ;;
    fts5) echo "$here/run_fts5.py" ;;
    groonga) echo "$here/run_groonga.py" ;;
    esac
}

for e in $engines; do
    db=$out/index-$e-${size}mb
    rm -rf "$db"
    r=$(runner "$e")
    if [ "$e" = forumsearch ]; then src=$corpus; else src=$posts; fi
    echo "== $e: indexing" >&2
    status=0
    /usr/bin/time -v -o "$run/$e.index.time" "$r" index "$src" "$db" \
        >"$run/$e.index.out" 2>"$run/$e.index.err" || status=$?
    if [ $status -ne 0 ]; then
        echo "bench/run.sh: $e: indexing exited with status $status (see $run/$e.index.err)" >&2
        tail -5 "$run/$e.index.err" >&2 || true
    fi
    if [ ! -e "$db" ]; then
        echo "bench/run.sh: $e: no index was written; skipping its queries" >&2
        continue
    fi
    du -sk "$db" >"$run/$e.index.du"
    # Xapian-based indexes: table sizes, and the size after xapian-compact
    # (measured on a copy; the benchmark queries the index as built).
    # forumsearch keeps its glass databases (one per shard) in a
    # generation directory its XAPIANDB stub lists ("auto g2/s0", ...):
    # tables and compacted sizes are summed over the shards.
    shards=$db
    if [ -f "$db/XAPIANDB" ]; then
        shards=$(awk -v d="$db" '$1 == "auto" {print d "/" $2}' "$db/XAPIANDB")
    fi
    all_glass=1
    for g in $shards; do [ -f "$g/iamglass" ] || all_glass=; done
    if [ -n "$all_glass" ]; then
        # table_sizes DIR...: "TABLE BYTES" lines summed over the DIRs.
        table_sizes() {
            for g in "$@"; do
                (cd "$g" && for t in *.glass; do printf '%s %s\n' "${t%.glass}" "$(stat -c %s "$t")"; done)
            done | awk '{sum[$1] += $2} END {for (t in sum) print t, sum[t]}' | sort
        }
        # shellcheck disable=SC2086
        table_sizes $shards >"$run/$e.index.tables"
        if command -v xapian-compact >/dev/null; then
            rm -rf "$db.compact"
            mkdir -p "$db.compact"
            k=0 ok=1
            for g in $shards; do
                xapian-compact "$g" "$db.compact/s$k" >/dev/null 2>>"$run/$e.compact.err" || ok=
                k=$((k + 1))
            done
            if [ -n "$ok" ]; then
                du -sk "$db.compact" >"$run/$e.index.compact.du"
                table_sizes "$db.compact"/s* >"$run/$e.index.compact.tables"
            fi
            rm -rf "$db.compact"
        fi
    fi
    echo "== $e: querying" >&2
    "$r" query "$db" "$qdir/queries.tsv" "$run/$e" "$repeat" \
        >"$run/$e.query.out" 2>"$run/$e.query.err" ||
        echo "bench/run.sh: $e: querying failed (see $run/$e.query.err)" >&2
done

# --- report ---------------------------------------------------------------------
$PY - "$run/meta.json" <<EOF
import json, os, sys
posts = "$posts"
threads = set(); n = 0; nbytes = 0
for line in open(posts, encoding="utf-8"):
    o = json.loads(line)
    threads.add(o["thread"]); n += 1; nbytes += len(o["text"].encode("utf-8"))
fb = 0
for d, _, fs in os.walk("$corpus"):
    for f in fs:
        fb += os.path.getsize(os.path.join(d, f))
meta = {"size_arg": "$size", "seed": $seed, "qseed": $qseed,
        "repeat": $repeat, "posts": posts, "corpus": "$corpus",
        "queries": "$qdir/queries.tsv", "truth": "$qdir/truth.tsv",
        "normalizer": "$normalizer",
        "normalize_bin": "$here/out/normalize_posts",
        "normalizer_name": open("$qdir/normalizer.txt").read().strip(),
        "engines": "$engines".split(), "threads": len(threads),
        "posts_count": n, "text_bytes": nbytes, "file_bytes": fb}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
$PY "$here/report.py" "$run" "$results"
echo "== wrote $results (raw figures in $run)" >&2
