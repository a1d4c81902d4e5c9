#!/usr/bin/env bash
# End-to-end tests of reading a thread: forum-search --thread ID DB
# [QUERY] in every format, --floor/--context, and the way a search hit
# leads there (thread:"ID" pastes into a query, the printed command line
# runs). The oracle reads the thread files with Python, not the library.
# usage: thread_test.sh FORUM-INDEX FORUM-SEARCH SAMPLES-DIR [FIXTURES-DIR]
set -u
INDEX=$1 SEARCH=$2 SAMPLES=$3
PY=/usr/bin/python3
work=$(mktemp -d /tmp/forumsearch-thread-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# The samples, plus one thread whose id has spaces and a quote.
mkdir -p "$work/src/news"
cp -r "$SAMPLES"/. "$work/src/"
cp "$SAMPLES/news/0001_musk-doge-exit.txt" "$work/src/news/musk it's over.txt"
db=$work/db
"$INDEX" -q "$db" "$work/src" || fail "index"

# Every thread, whole, in floor order, against the file itself.
for f in "$SAMPLES"/*/*.txt; do
  rel=${f#"$SAMPLES"/}; id=${rel%.txt}
  checks=$((checks + 1))
  "$SEARCH" --json --thread "$id" "$db" >"$work/t.json" 2>"$work/err" ||
    { fail "--thread $id: exit $?"; continue; }
  $PY - "$f" "$id" "$work/t.json" <<'PY' || fail "--thread $id differs from its file"
import json, re, sys
path, tid, out = sys.argv[1:]
lines = open(path, encoding="utf-8").read().split("\n")
got = json.load(open(out, encoding="utf-8"))
want = {}  # floor -> (author, first text line)
for i, line in enumerate(lines):
    m = re.fullmatch(r"(\d+) 楼", line.strip())
    if m:
        want[int(m.group(1))] = (lines[i - 1].strip(), lines[i + 1].strip())
problems = []
if got["thread"] != tid: problems.append("id %r" % got["thread"])
if got["title"] != lines[0].strip(): problems.append("title %r" % got["title"])
if got["board"] != tid.split("/")[0]: problems.append("board")
if got["path"] != tid + ".txt": problems.append("path %r" % got["path"])
floors = [p["floor"] for p in got["posts"]]
if floors != sorted(floors) or floors[0] != 0: problems.append("order %r" % floors)
if got["n_posts"] != len(want) + 1 or len(floors) != len(want) + 1:
    problems.append("posts %d, file has %d" % (got["n_posts"], len(want) + 1))
for p in got["posts"][1:]:
    author, text = want.get(p["floor"], (None, None))
    if p["author"] != author: problems.append("#%d author %r" % (p["floor"], p["author"]))
    if text and text not in p["text"].replace("\n", " ") and \
       " ".join(text.split()) not in " ".join(p["text"].split()):
        problems.append("#%d text lacks %r" % (p["floor"], text[:30]))
    if p["highlights"]: problems.append("marks without a query")
if problems:
    print(tid, problems[:5], file=sys.stderr)
    sys.exit(1)
PY
done

# Marks: in JSON (byte offsets into text), plain markers, HTML, colour.
t=news/0001_musk-doge-exit
expect_exit 0 "thread with a query" -- "$SEARCH" --thread "$t" --json "$db" 川普
checks=$((checks + 1))
$PY - "$work/out" <<'PY' || fail "JSON marks are not 川普"
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
marks = 0
for p in t["posts"]:
    b = p["text"].encode("utf-8")
    for s, e in p["highlights"]:
        assert b[s:e].decode("utf-8") == "川普", (p["floor"], b[s:e])
        marks += 1
    assert len(p["highlights"]) == p["text"].count("川普"), p["floor"]
tb = t["title"].encode("utf-8")
assert [tb[s:e].decode() for s, e in t["title_highlights"]] == ["川普"]
assert marks >= 5, marks
PY
expect_exit 0 "plain markers" -- "$SEARCH" --thread "$t" --format plain --markers '<<,>>' "$db" 川普
expect_in "$work/out" "马斯克向<<川普>>告别" "title marked"
expect_in "$work/out" "早就说了,马斯克和<<川普>>这对组合" "reply marked"
expect_in "$work/out" '#3 supernova13' "floor and author"
expect_in "$work/out" 'thread:"news/0001_musk-doge-exit" · news/0001_musk-doge-exit.txt · RFI华语 · 2025-05-30 · 17 posts' "thread header"
expect_exit 0 "html" -- "$SEARCH" --thread "$t" --format html "$db" 川普
expect_in "$work/out" '<section class="post" id="floor-1"><p class="meta"><span class="floor">#1</span> <span class="author">旁观者XWY</span>' "html post"
expect_in "$work/out" '马斯克和<mark>川普</mark>这对' "html mark"
expect_in "$work/out" '<code class="thread">news/0001_musk-doge-exit</code>' "html thread id"
expect_exit 0 "html escapes" -- "$SEARCH" --thread "$t" --format html "$db"
expect_in "$work/out" 'The &quot;Big Beautiful Bill&quot;' "html escaped"
expect_exit 0 "colour" -- "$SEARCH" --thread "$t" --color always "$db" 川普
expect_in "$work/out" $'\033[1;31m川普\033[0m' "coloured mark"
expect_exit 0 "text without a query, not a terminal" -- "$SEARCH" --thread "$t" "$db"
expect_not_in "$work/out" $'\033' "no escapes when piped"
expect_not_in "$work/out" "[川普]" "no markers in text"
# A post of several lines keeps them, indented.
checks=$((checks + 1))
grep -q '^   ---------------------------------$' "$work/out" || fail "a post's second line is not indented"

# --floor and --context.
expect_exit 0 "--floor" -- "$SEARCH" --thread "$t" --floor 5 --context 1 --json "$db"
checks=$((checks + 1))
$PY -c 'import json,sys; t=json.load(open(sys.argv[1])); f=[p["floor"] for p in t["posts"]]; sys.exit(f != [4,5,6] or t["n_posts"] != 17)' "$work/out" ||
  fail "--floor 5 --context 1 is not floors 4-6"
expect_exit 0 "--floor 0" -- "$SEARCH" --thread "$t" --floor 0 --json "$db"
checks=$((checks + 1))
$PY -c 'import json,sys; t=json.load(open(sys.argv[1])); f=[p["floor"] for p in t["posts"]]; sys.exit(f != [0,1,2])' "$work/out" ||
  fail "--floor 0 is not floors 0-2"
expect_exit 0 "--floor last, --context 0" -- "$SEARCH" --thread "$t" --floor 16 --context 0 "$db"
expect_in "$work/out" "#16 " "last floor"
expect_not_in "$work/out" "#15 " "context 0"
expect_exit 1 "a floor the thread lacks" -- "$SEARCH" --thread "$t" --floor 17 "$db"
expect_in "$work/err" 'forum-search: thread "news/0001_musk-doge-exit" has no floor 17 (its floors are 0 to 16)' "missing floor named"
expect_exit 1 "a thread that does not exist" -- "$SEARCH" --thread news/nope "$db"
expect_in "$work/err" 'forum-search: no thread "news/nope"' "missing thread named"
expect_exit 2 "--floor without --thread" -- "$SEARCH" --floor 2 "$db" 川普
expect_in "$work/err" "forum-search: --floor goes with --thread ID" "--floor alone"
expect_exit 2 "--thread without a database" -- "$SEARCH" --thread "$t"
expect_exit 2 "--thread ''" -- "$SEARCH" --thread "" "$db"
expect_exit 5 "--thread with a bad query" -- "$SEARCH" --thread "$t" "$db" '"川普'
expect_in "$work/err" "forum-search: bad query: column 1: unbalanced quote" "bad query in thread mode"
expect_exit 3 "--thread on a missing database" -- "$SEARCH" --thread "$t" "$work/none"

# From a hit to its thread: an id with spaces and a quote.
expect_exit 0 "search finds the spaced thread" -- "$SEARCH" "$db" "马斯克向川普告别 board:news" -n 5
expect_in "$work/out" "thread:\"news/musk it's over\"" "id quoted for thread:"
expect_in "$work/out" "$SEARCH --thread 'news/musk it'\\''s over' $db '马斯克向川普告别 board:news'" "command line quoted for the shell"
cp "$work/out" "$work/hits"
term=$(grep -o "thread:\"news/musk it's over\"" "$work/hits" | head -1)
expect_exit 0 "the pasted thread: term finds it" -- "$SEARCH" --count --posts "$db" "$term"
expect_in "$work/out" "17 posts" "pasted thread: finds all of it"
cmd=$(grep -F -- "--thread 'news/musk it" "$work/hits" | head -1 | sed 's/^ *//')
checks=$((checks + 1))
sh -c "$cmd" >"$work/opened" 2>&1 || fail "the printed command failed: $cmd"
grep -q "^thread:\"news/musk it's over\" · news/musk it's over.txt" "$work/opened" || fail "the printed command opened something else"
# A hit on a reply opens at its floor, with the query.
"$SEARCH" -n 1 --posts "$db" "川普 author:蟹粉小笼包 thread:news/0001_musk-doge-exit" >"$work/out" 2>&1
cmd=$(grep -F -- "--thread" "$work/out" | head -1 | sed 's/^ *//')
checks=$((checks + 1))
case $cmd in *"--floor 6 "*" '川普 author:蟹粉小笼包 thread:news/0001_musk-doge-exit'") ;; *) fail "command of a reply hit: $cmd" ;; esac
sh -c "$cmd" >"$work/opened" 2>&1 || fail "reply command failed"
expect_in "$work/opened" "#6 蟹粉小笼包" "opened at the floor"
# A query that starts with - is put after --.
"$SEARCH" -n 1 "$db" -- "-川普 特朗普" >"$work/out" 2>&1
expect_in "$work/out" " -- '-川普 特朗普'" "a query starting with - follows --"
cmd=$(grep -F -- "--thread" "$work/out" | head -1 | sed 's/^ *//')
checks=$((checks + 1))
sh -c "$cmd" >/dev/null 2>&1 || fail "command with -- failed: $cmd"

echo "thread_test: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
