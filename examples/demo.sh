#!/bin/sh
# Sets everything up, indexes the sample threads that ship in the repo and
# runs a search that shows highlighted results.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/install-deps.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
if [ -n "${FORUMSEARCH_DEMO_DB:-}" ]; then
  db=$FORUMSEARCH_DEMO_DB
else
  # The demo's own database, built afresh each run (one left by an older
  # build may hold another analyzer version's terms).
  db=$top/build/demo.db
  rm -rf "$db"
fi
"$top/build/indexer/forum-index" "$db" "$top/examples/threads"
echo
echo '$ forum-search --color=always' "$db" '川普 马斯克'
"$top/build/searcher/forum-search" --color=always -n 5 "$db" 川普 马斯克
echo '$ forum-search --color=always' "$db" '馬斯克說'
"$top/build/searcher/forum-search" --color=always -n 3 "$db" 馬斯克說
