#!/usr/bin/env bash
# End-to-end tests of everyday shell use (issue 13): options anywhere,
# "--", unknown options named, numbers too large, messages that start
# with the program's name, query forms that used to mean something else,
# HTML hits, --explain, --stats, --values, --version, and every exit
# code of the one table, for both tools, on the example threads.
# usage: shell_test.sh FORUM-INDEX FORUM-SEARCH SAMPLES-DIR [FIXTURES-DIR]
set -u
INDEX=$1 SEARCH=$2 SAMPLES=$3 FIXTURES=${4:-}
PY=/usr/bin/python3
work=$(mktemp -d /tmp/forumsearch-shell-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
expect_same() { # FILE FILE DESCRIPTION
  checks=$((checks + 1))
  cmp -s "$1" "$2" || { fail "$3"; diff "$1" "$2" | head -6 >&2; }
}
# Every line of stderr starts with "PROGRAM: " or is the "Try" hint.
expect_prefixed() { # PROGRAM DESCRIPTION
  checks=$((checks + 1))
  if grep -v -e "^$1: " -e "^Try '$1 --help'" "$work/err" | grep -q .; then
    fail "$2: a message without \"$1: \""; sed 's/^/  | /' "$work/err" >&2
  fi
}

db=$work/db
"$INDEX" -q "$db" "$SAMPLES" || fail "index the samples"

# ---- Options anywhere, "--", unknown options, numbers ----------------
"$SEARCH" --json -n 3 "$db" 川普 >"$work/a" 2>&1
for args in "$db 川普 --json -n 3" "$db -n 3 川普 --json" "-n3 $db 川普 -j" "--limit=3 $db --json 川普" "$db 川普 --lim 3 --js"; do
  # shellcheck disable=SC2086
  "$SEARCH" $args >"$work/b" 2>&1
  expect_same "$work/a" "$work/b" "options anywhere: $args"
done
expect_exit 0 "-- ends options" -- "$SEARCH" -c "$db" -- -特朗普 川普
"$SEARCH" -c "$db" "-特朗普 川普" >"$work/b" 2>&1
expect_same "$work/out" "$work/b" "-- then -word is the query's NOT"
expect_exit 1 "a word after -- that looks like an option" -- "$SEARCH" -c "$db" 川普 -- --json
expect_in "$work/out" "0 posts in 0 threads" "--json after -- is a word, and text output stays"
expect_exit 0 "-word with CJK is a query word" -- "$SEARCH" -c "$db" 川普 -特朗普
expect_in "$work/out" "posts in" "-特朗普 read as NOT"
for bad in --bogus -x --json=yes --lim; do
  expect_exit 2 "unknown or malformed option $bad" -- "$SEARCH" "$db" 川普 "$bad"
  expect_prefixed forum-search "$bad"
done
expect_exit 2 "unknown option named" -- "$SEARCH" "$db" 川普 --frobnicate
expect_in "$work/err" "forum-search: unknown option '--frobnicate'" "--frobnicate named"
expect_exit 2 "-floor:0 is not silently NOT" -- "$SEARCH" "$db" 川普 -floor:0
expect_in "$work/err" "unknown option '-f' (in '-floor:0'); to search for a query that starts with '-', put it after '--'" "-floor:0 explained"
expect_exit 2 "ambiguous abbreviation" -- "$SEARCH" "$db" 川普 --co
expect_in "$work/err" "forum-search: option '--co' is ambiguous" "ambiguous named"
expect_exit 2 "-n too large" -- "$SEARCH" "$db" 川普 -n 99999999999
expect_in "$work/err" "forum-search: -n 99999999999 is too large (at most 1000000)" "too large, not 'needs a number'"
expect_exit 2 "--limit not a number" -- "$SEARCH" "$db" 川普 --limit 3x
expect_in "$work/err" "forum-search: --limit needs a number, not \"3x\"" "not a number"
expect_exit 2 "-n without a value" -- "$SEARCH" "$db" 川普 -n
expect_in "$work/err" "forum-search: option '-n' needs a value" "missing value"
expect_exit 2 "forum-index: unknown option" -- "$INDEX" "$work/x" "$SAMPLES" --bogus
expect_in "$work/err" "forum-index: unknown option '--bogus'" "forum-index names it"
expect_exit 2 "forum-index: -c too large" -- "$INDEX" -c 99999999999 "$work/x" "$SAMPLES"
expect_in "$work/err" "forum-index: -c 99999999999 is too large" "forum-index too large"
checks=$((checks + 1)); [ ! -e "$work/x" ] || fail "a usage error created the database"
expect_exit 0 "forum-index: options after the operands" -- "$INDEX" "$work/late" "$SAMPLES" -q -j 2
checks=$((checks + 1)); [ ! -s "$work/err" ] || fail "-q after the operands was not taken"
# Messages name the program, not the path it was run by.
mkdir -p "$work/bin"; ln -s "$SEARCH" "$work/bin/fs-link"; ln -s "$INDEX" "$work/bin/fi-link"
expect_exit 2 "run through another path" -- "$work/bin/fs-link" "$db"
expect_prefixed forum-search "run by another name"
expect_exit 3 "a missing database, run by path" -- "$work/bin/fs-link" "$work/none" 川普
expect_prefixed forum-search "missing database message"
expect_exit 2 "forum-index by path" -- "$work/bin/fi-link" --bogus
expect_prefixed forum-index "forum-index by another name"

# ---- Query forms ---------------------------------------------------------
"$SEARCH" -c "$db" "川普 | 拜登" >"$work/a"
for q in "川普|拜登" "川普｜拜登" "川普 OR 拜登" "(川普)|(拜登)"; do
  "$SEARCH" -c "$db" "$q" >"$work/b" 2>&1
  expect_same "$work/a" "$work/b" "\"$q\" is OR"
done
expect_not_in "$work/a" "0 posts" "川普 | 拜登 finds posts"
"$SEARCH" -c "$db" "floor:1..3" >"$work/a"
for q in "floor:1 .. 3" "floor:1 ..3" "floor:1.. 3" ; do
  "$SEARCH" -c "$db" "$q" >"$work/b" 2>"$work/err"
  if [ "$q" = "floor:1.. 3" ]; then
    expect_in "$work/err" "forum-search: bad query: column 11: a range has no spaces" "floor:1.. 3 is an error with a column"
  else
    expect_same "$work/a" "$work/b" "\"$q\" is floor:1..3"
  fi
done
expect_exit 5 '"" is an error' -- "$SEARCH" "$db" '""'
expect_in "$work/err" "forum-search: bad query: column 1: empty phrase" '"" names its column'
expect_exit 1 "lower-case or is a word" -- "$SEARCH" "$db" "川普 or 拜登"
expect_in "$work/err" "forum-search: note: \"or\" was searched as a word; the operator is OR" "lower-case or explained"
expect_exit 1 "quoted \"and\" gets no note" -- "$SEARCH" "$db" '没有这个词组 "and"'
expect_not_in "$work/err" "note:" "no note for a quoted word"

# ---- HTML hits carry what text hits carry -----------------------------
expect_exit 0 "html hits" -- "$SEARCH" --format html -n 2 "$db" "马斯克 author:令胡冲"
expect_in "$work/out" '<span class="author">令胡冲</span>' "html author"
expect_in "$work/out" '<time datetime="2025-05-30T07:18:00Z">2025-05-30</time>' "html date"
expect_in "$work/out" '<code class="thread">thread:&quot;news/0001_musk-doge-exit&quot;</code>' "html thread id"
expect_in "$work/out" '<span class="path">news/0001_musk-doge-exit.txt</span>' "html path"
expect_in "$work/out" '<span class="floor">#2</span>' "html floor"
expect_in "$work/out" '<p class="counts">' "html counts line"
expect_in "$work/out" 'matched; showing 1-' "html counts text"
expect_exit 0 "html count" -- "$SEARCH" --format html -c "$db" 川普
expect_in "$work/out" '<p class="counts">70 posts in 12 threads</p>' "html --count"

# ---- --explain ----------------------------------------------------------
expect_exit 0 "explain text" -- "$SEARCH" --explain "$db" "馬斯克向川普 author:令胡冲"
expect_in "$work/out" 'parsed       AND("馬斯克向川普", author:"令胡冲")' "explain parsed tree"
expect_in "$work/out" "text:馬斯克向川普 (column 1) -> 马斯克向川普" "explain normalized word"
expect_in "$work/out" "kept by the text check" "explain text check"
expect_in "$work/out" "times        parse" "explain times"
expect_exit 0 "explain json" -- "$SEARCH" --explain --json "$db" "ＯｐｅｎＡＩ 马斯克向川普"
checks=$((checks + 1))
$PY - "$work/out" "$SEARCH" "$db" <<'PY' || fail "explain JSON is not what a search says"
import json, subprocess, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, "one object"
e = json.loads(lines[0])
words = {w["typed"]: w for w in e["words"]}
assert words["ＯｐｅｎＡＩ"]["normalized"] == "openai"
assert words["马斯克向川普"]["normalized"] == "马斯克向川普"
assert any(t["kind"] == "word" and t["term"] == "openai" and t["posts"] > 0
           for t in words["ＯｐｅｎＡＩ"]["terms"])
assert all(t["kind"] == "ngram" for t in words["马斯克向川普"]["terms"])
assert e["candidates"] >= e["posts"]
count = json.loads(subprocess.run([sys.argv[2], "--count", "--json", "--posts", sys.argv[3],
                                   "ＯｐｅｎＡＩ 马斯克向川普"], capture_output=True).stdout)
assert count["posts"] == e["posts"], (count, e["posts"])
for k in ("parse", "candidates", "search"):
    assert e["times_ms"][k] >= 0
PY
expect_exit 5 "explain a bad query" -- "$SEARCH" --explain "$db" '川普 (拜登'
expect_in "$work/err" "forum-search: bad query: column 4: unbalanced parenthesis" "explain keeps the column error"
# A word written against a CJK character is also indexed with it (a
# junction term), which a mixed query requires: the one sample post that
# has both GPU and 价格, apart, is no longer a candidate to verify.
expect_exit 0 "explain a mixed query" -- "$SEARCH" --explain "$db" "GPU价格"
expect_in "$work/out" "junction gpu价" "explain lists the junction term"
expect_in "$work/out" "candidates   5 posts from Xapian; 5 kept by the text check" "junction: no candidate without it"
# So are two CJK characters with one space (or line break) between
# them, which a quoted phrase with that space requires: one post has 同事
# at the end of a line and 哈哈 on the next; the other with both, apart,
# is no candidate (2 candidates for 1 match with version 4). Unquoted,
# the two are words of their own, anywhere in the post.
expect_exit 0 "explain a phrase with a space" -- "$SEARCH" --explain "$db" '"同事 哈哈"'
expect_in "$work/out" 'junction "事 哈"  1 post' "explain lists the space junction, quoted"
expect_in "$work/out" "candidates   1 post from Xapian; 1 kept by the text check" "space junction: no candidate without it"
expect_exit 0 "explain two words" -- "$SEARCH" --explain "$db" '同事 哈哈'
expect_not_in "$work/out" "junction" "two words need no junction"
expect_in "$work/out" "candidates   2 posts from Xapian; exact" "two words: both posts"
expect_exit 0 "explain a title phrase with a space" -- "$SEARCH" --explain "$db" 'title:"同事 哈哈"'
expect_not_in "$work/out" "junction" "titles have no junctions"

# ---- --stats, --values, --version -----------------------------------------
expect_exit 0 "stats" -- "$INDEX" --stats "$db"
expect_in "$work/out" "threads      28" "stats threads"
expect_in "$work/out" "posts        524" "stats posts"
expect_in "$work/out" "writer lock  free" "stats lock"
expect_exit 0 "stats json" -- "$INDEX" "$db" --stats --json
checks=$((checks + 1))
$PY - "$work/out" "$SAMPLES" <<'PY' || fail "stats JSON disagrees with the files"
import json, os, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
root = sys.argv[2]
boards = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
assert [b["board"] for b in s["boards"]] == boards, s["boards"]
for b in s["boards"]:
    assert b["threads"] == len(os.listdir(os.path.join(root, b["board"]))), b
assert s["threads"] == sum(b["threads"] for b in s["boards"]) == 28
assert s["posts"] == sum(b["posts"] for b in s["boards"]) == 524
assert s["first_date"] < s["last_date"] and s["last_date"].startswith("2025-")
assert s["size_bytes"] >= sum(s["tables"].values()) > 0
assert s["generation"] >= 1 and s["writer_lock"] is False
assert s["icu"] == s["icu_current"] and s["analyzer"] == s["analyzer_current"]
PY
# A writer holding the lock shows; forum-index then exits 75.
$PY - "$db" "$work/locked" <<'PY' &
import os, sys, time, xapian
db = sys.argv[1]
shards = [l.split()[1] for l in open(os.path.join(db, "XAPIANDB")) if l.startswith("auto")]
w = [xapian.WritableDatabase(os.path.join(db, s), xapian.DB_OPEN) for s in shards]
open(sys.argv[2], "w").close()
time.sleep(30)
PY
holder=$!
for _ in $(seq 100); do [ -e "$work/locked" ] && break; sleep 0.1; done
expect_exit 0 "stats while a writer holds the lock" -- "$INDEX" --stats "$db"
expect_in "$work/out" "writer lock  held" "lock seen"
expect_exit 75 "forum-index on a locked database" -- "$INDEX" "$db" "$SAMPLES"
expect_prefixed forum-index "locked message"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
expect_exit 0 "values" -- "$SEARCH" --values board "$db"
checks=$((checks + 1))
[ "$(cut -f1 "$work/out" | tr '\n' ' ')" = "life news taiwan tech " ] || fail "--values board: $(cat "$work/out")"
expect_exit 0 "values with a prefix" -- "$SEARCH" --values author "$db" SUPER
expect_in "$work/out" "supernova13	7" "author prefix, case folded"
value=$(head -1 "$work/out" | cut -f1)
expect_exit 0 "a listed value works in a query" -- "$SEARCH" -c --posts "$db" "author:$value"
expect_in "$work/out" "7 posts" "author:VALUE finds its posts"
expect_exit 2 "values of another field" -- "$SEARCH" --values title "$db"
for tool in "$SEARCH" "$INDEX"; do
  name=$(basename "$tool")
  expect_exit 0 "$name --version" -- "$tool" --version
  checks=$((checks + 1))
  grep -qE "^$name [0-9]+\.[0-9]+\.[0-9]+ \(libforumsearch [0-9.]+, Xapian [0-9.]+, ICU [0-9.]+, zstd [0-9.]+\)$" "$work/out" ||
    fail "$name --version: $(cat "$work/out")"
  expect_exit 0 "$name --help" -- "$tool" --help
  expect_in "$work/out" "Exit status:" "$name --help has the exit codes"
done

# ---- Every exit code ----------------------------------------------------
expect_exit 0 "search: found" -- "$SEARCH" "$db" 川普
expect_exit 1 "search: nothing found" -- "$SEARCH" "$db" 没有这个词组啊
expect_exit 1 "search: no such thread" -- "$SEARCH" --thread news/none "$db"
expect_exit 2 "search: usage" -- "$SEARCH" "$db"
expect_exit 3 "search: no database" -- "$SEARCH" "$work/none" 川普
mkdir "$work/notdb"; echo junk >"$work/notdb/XAPIANDB"
expect_exit 3 "search: not a database" -- "$SEARCH" "$work/notdb" 川普
expect_exit 5 "search: bad query" -- "$SEARCH" "$db" "川普 ("
expect_exit 0 "index: done" -- "$INDEX" -q "$work/d2" "$SAMPLES"
if [ -n "$FIXTURES" ]; then
  expect_exit 1 "index: input skipped" -- "$INDEX" -q "$work/d3" "$FIXTURES/bad"
fi
expect_exit 2 "index: usage" -- "$INDEX" "$work/d4"
echo not a directory >"$work/file"
expect_exit 3 "index: database error" -- "$INDEX" "$work/file" "$SAMPLES"
expect_exit 4 "index: PATH missing" -- "$INDEX" "$work/d5" "$work/nowhere"
expect_exit 3 "stats: no database" -- "$INDEX" --stats "$work/none"
# 130: SIGINT while indexing many files, one commit each.
mkdir -p "$work/many"
for i in $(seq 30); do cp -r "$SAMPLES" "$work/many/c$i"; done
"$INDEX" -q -j 1 -c 1 "$work/d6" "$work/many" >/dev/null 2>"$work/err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"; rc=$?
checks=$((checks + 1))
[ "$rc" -eq 130 ] || fail "index: interrupted: exit $rc, want 130"
# The one table: cliutil.h, README, both man pages and --help agree.
src=$(cd "$(dirname "$0")/../.." && pwd)
checks=$((checks + 1))
codes_h=$(grep -oE '^ *EXIT_[A-Z_]+ = [0-9]+' "$src/common/cli/cliutil.h" | grep -oE '[0-9]+$' | sort -nu | tr '\n' ' ')
codes_readme=$(sed -n '/^## Exit status/,/^## /p' "$src/README.md" | grep -oE '^\| [0-9]+ \|' | grep -oE '[0-9]+' | sort -nu | tr '\n' ' ')
[ "$codes_h" = "$codes_readme" ] || fail "exit codes: cliutil.h has $codes_h, README $codes_readme"
for page in forum-search.1 forum-index.1; do
  checks=$((checks + 1))
  codes_man=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH [^E]/p' "$src/doc/man/$page" | grep -A1 '^\.TP' | grep -oE '^\.B [0-9]+$' | grep -oE '[0-9]+' | sort -nu | tr '\n' ' ')
  [ "$codes_h" = "$codes_man" ] || fail "exit codes: cliutil.h has $codes_h, $page $codes_man"
done

echo "shell_test: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
