#!/bin/bash
# Runner: forumsearch.
#   run_forumsearch.sh index CORPUS_DIR DBDIR
#       indexes with the CLI: build/indexer/forum-index DBDIR CORPUS_DIR
#       (exec'd, so /usr/bin/time around this script measures the CLI)
#   run_forumsearch.sh query DBDIR QUERIES OUT_PREFIX [REPEAT]
#       in-process latency and result sets with bench/out/fs_latency
# FS_BUILD overrides the build directory (default: the repo's build/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${FS_BUILD:-$here/../build}
case "${1:-}" in
index)
    [ $# -eq 3 ] || { echo "usage: $0 index CORPUS_DIR DBDIR" >&2; exit 2; }
    exe=$build/indexer/forum-index
    [ -x "$exe" ] || { echo "run_forumsearch: $exe not built" >&2; exit 1; }
    exec "$exe" "$3" "$2"
    ;;
query)
    [ $# -ge 4 ] || { echo "usage: $0 query DBDIR QUERIES OUT_PREFIX [REPEAT]" >&2; exit 2; }
    exe=$here/out/fs_latency
    [ -x "$exe" ] || make -s -C "$here" BUILD="$build" out/fs_latency >&2
    "$exe" "$2" "$3" "$4" "${5:-3}"
    # What forum-search does by default (threads by relevance, exact
    # counts): its latency goes to OUT_PREFIX.cli.latency.
    FS_LATENCY_MODE=cli "$exe" "$2" "$3" "$4.cli" "${5:-3}"
    ;;
*)
    echo "usage: $0 index CORPUS_DIR DBDIR | query DBDIR QUERIES OUT_PREFIX [REPEAT]" >&2
    exit 2
    ;;
esac
