#!/usr/bin/env bash
# End-to-end tests of the real forum-index and forum-search binaries:
# exit codes, messages on stderr, output formats, colour rules.
# usage: cli_test.sh FORUM-INDEX FORUM-SEARCH SAMPLES-DIR FIXTURES-DIR
set -u
INDEX=$1 SEARCH=$2 SAMPLES=$3 FIXTURES=$4
work=$(mktemp -d /tmp/forumsearch-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

db=$work/db
expect_exit 0 "index the samples" -- "$INDEX" "$db" "$SAMPLES"
expect_in "$work/err" "28 files: 28 indexed (28 threads, 524 posts" "index summary"
expect_exit 0 "re-index: nothing changed" -- "$INDEX" "$db" "$SAMPLES"
expect_in "$work/err" "0 indexed (0 threads, 0 posts, 0.0 MB of text), 28 unchanged" "incremental"

expect_exit 0 "compact" -- "$INDEX" --compact "$db"
expect_in "$work/err" "compacted in" "compaction reported"
checks=$((checks + 1)); [ -d "$db/g3" ] && [ ! -d "$db/g2" ] && grep -q "^auto g3" "$db/XAPIANDB" && ! grep -q "g2" "$db/XAPIANDB" || fail "compaction did not switch generations"

# Compaction when due: a first build compacts (g1 -> g2 above), an
# unchanged run does not, --no-compact never does, and a run that doubles
# the files (every post re-indexed) does.
expect_exit 0 "first build, --no-compact" -- "$INDEX" --no-compact "$work/nc" "$SAMPLES"
checks=$((checks + 1)); grep -q "^auto g1" "$work/nc/XAPIANDB" && ! grep -q "compacted in" "$work/err" || fail "--no-compact compacted"
expect_exit 0 "compaction due after a first build" -- "$INDEX" "$work/nc" "$SAMPLES"
expect_in "$work/err" "compacted in" "a never compacted database is compacted"
checks=$((checks + 1)); grep -q "^auto g2" "$work/nc/XAPIANDB" || fail "due compaction did not switch generations"
expect_exit 0 "unchanged run" -- "$INDEX" "$work/nc" "$SAMPLES"
checks=$((checks + 1)); grep -q "^auto g2" "$work/nc/XAPIANDB" && ! grep -q "compacted in" "$work/err" || fail "an unchanged run compacted"
expect_exit 0 "re-index everything" -- "$INDEX" --force "$work/nc" "$SAMPLES"
expect_in "$work/err" "compacted in" "a database whose files doubled is compacted"
checks=$((checks + 1)); grep -q "^auto g3" "$work/nc/XAPIANDB" || fail "grown database not compacted"

# Shards: -j N makes N shards that one search reads as one database. The
# answers are those of a one-shard database, byte for byte, in every
# output mode and sort (a thread's record lives in its own shard).
expect_exit 0 "index into 3 shards" -- "$INDEX" -j 3 "$work/sh3" "$SAMPLES"
expect_in "$work/err" "28 files: 28 indexed (28 threads, 524 posts" "sharded summary counts each file once"
checks=$((checks + 1)); [ "$(grep -c "^auto g2/s" "$work/sh3/XAPIANDB")" -eq 3 ] || fail "-j 3 did not list 3 shards (compacted after the first build)"
expect_exit 0 "index into 1 shard" -- "$INDEX" -j 1 "$work/sh1" "$SAMPLES"
checks=$((checks + 1)); grep -qx "auto g2" "$work/sh1/XAPIANDB" || fail "-j 1 is not one shard"
for q in 川普 马斯克 关税 "author:李华" "board:news 美国" "floor:0" 的 "date:2025-04" a "川普 -floor:0"; do
  for opts in "-n 50" "--posts -n 500" "--sort date -n 100" "--sort floor --posts -n 30 -o 7" "--count"; do
    checks=$((checks + 1))
    "$SEARCH" --json $opts "$work/sh1" "$q" >"$work/one" 2>&1
    "$SEARCH" --json $opts "$work/sh3" "$q" >"$work/three" 2>&1
    cmp -s "$work/one" "$work/three" || fail "3 shards answer \"$q\" $opts differently"
  done
done
expect_exit 0 "re-index 3 shards: nothing changed" -- "$INDEX" "$work/sh3" "$SAMPLES"
expect_in "$work/err" "0 indexed (0 threads, 0 posts, 0.0 MB of text), 28 unchanged" "sharded incremental"
expect_exit 0 "compact 3 shards" -- "$INDEX" --compact "$work/sh3"
checks=$((checks + 1)); [ "$(grep -c "^auto g3/s" "$work/sh3/XAPIANDB")" -eq 3 ] || fail "compacting 3 shards did not keep 3"
"$SEARCH" --json -n 50 "$work/sh3" 川普 >"$work/three" 2>&1
"$SEARCH" --json -n 50 "$work/sh1" 川普 >"$work/one" 2>&1
checks=$((checks + 1)); cmp -s "$work/one" "$work/three" || fail "compacted shards answer differently"
expect_exit 2 "another shard count for an existing DB is refused" -- "$INDEX" -j 2 "$work/sh3" "$SAMPLES"
expect_in "$work/err" "has 3 shards; -j 2 applies when a database is created" "re-shard refusal explained"
expect_exit 0 "the same shard count is fine" -- "$INDEX" --shards 3 "$work/sh3" "$SAMPLES"
expect_exit 2 "-j 0 is refused" -- "$INDEX" -j 0 "$work/shx" "$SAMPLES"
expect_in "$work/err" "forum-index: -j 0 is too small (at least 1)" "-j range named"
expect_exit 0 "search after compaction" -- "$SEARCH" --count "$db" 马斯克向川普
expect_in "$work/out" "6 posts in 3 threads" "same answers after compaction"

# A database indexed with another ICU: a warning, the same results.
checks=$((checks + 1))
cp -r "$db" "$work/icu.db"
/usr/bin/python3 -c 'import sys, xapian
w = xapian.WritableDatabase(sys.argv[1], xapian.DB_OPEN)
w.set_metadata("fs:icu", "1.0"); w.commit()' "$work/icu.db" || fail "cannot set fs:icu (python3-xapian)"
expect_exit 0 "search a database from another ICU" -- "$SEARCH" --count "$work/icu.db" 马斯克向川普
expect_in "$work/err" "forum-search: warning: database was indexed with ICU 1.0 and this is ICU" "ICU warning"
expect_in "$work/out" "6 posts in 3 threads" "same results"

# A database from another analyzer version (other index terms): both
# tools refuse it (exit 3) and say what to do; nothing is written.
checks=$((checks + 1))
cp -r "$db" "$work/old.db"
/usr/bin/python3 -c 'import sys, xapian
w = xapian.WritableDatabase(sys.argv[1], xapian.DB_OPEN)
w.set_metadata("fs:analyzer", "1"); w.commit()' "$work/old.db" || fail "cannot set fs:analyzer (python3-xapian)"
before=$(find "$work/old.db" -type f -exec cksum {} + | sort)
expect_exit 3 "search a database from analyzer version 1" -- "$SEARCH" "$work/old.db" 川普
expect_in "$work/err" "old.db: database was built by analyzer version 1; this is version" "analyzer message (search)"
expect_in "$work/err" "delete it and index the threads again" "what to do (search)"
expect_exit 3 "index into a database from analyzer version 1" -- "$INDEX" "$work/old.db" "$SAMPLES"
expect_in "$work/err" "old.db: database was built by analyzer version 1; this is version" "analyzer message (index)"
checks=$((checks + 1))
[ "$before" = "$(find "$work/old.db" -type f -exec cksum {} + | sort)" ] ||
  fail "the old database was changed"

# forum-index usage and errors.
expect_exit 2 "index without arguments" -- "$INDEX"
expect_in "$work/err" "need a database and at least one path" "usage message"
expect_exit 2 "index with a bad option" -- "$INDEX" --bogus "$db" "$SAMPLES"
expect_exit 0 "index --help" -- "$INDEX" --help
expect_in "$work/out" "Exit status: 0 all indexed" "help on stdout"
expect_exit 0 "index --version" -- "$INDEX" --version
expect_in "$work/out" "Xapian 1." "version names Xapian"
expect_exit 4 "index a missing directory" -- "$INDEX" "$work/db2" "$work/nope"
expect_in "$work/err" "forum-index: $work/nope: No such file or directory" "missing path"
checks=$((checks + 1))
[ ! -e "$work/db2" ] || fail "a missing PATH alone created $work/db2"
expect_exit 4 "index a missing and an existing PATH" -- "$INDEX" "$work/db2" "$work/nope" "$SAMPLES"
expect_in "$work/err" "1 errors" "the missing PATH counts as an error"
expect_exit 3 "index into a file that is not a database" -- "$INDEX" "$SAMPLES/news/0001_musk-doge-exit.txt" "$SAMPLES"

# Bad input: every problem reported as path:line, the rest indexed.
bad=$work/bad.db
expect_exit 1 "index bad files" -- "$INDEX" "$bad" "$FIXTURES/bad" "$FIXTURES/good"
for line in \
  "forum-index: $FIXTURES/bad/empty.txt: empty file" \
  "forum-index: $FIXTURES/bad/blank_only.txt: empty file" \
  "forum-index: $FIXTURES/bad/floor_not_number.txt:17: floor line \"x 楼\" is not a number; reply skipped" \
  "forum-index: $FIXTURES/bad/floors_out_of_order.txt:23: floor 3 appears twice; the second is skipped" \
  "forum-index: $FIXTURES/bad/floors_out_of_order.txt:20: warning: floor 2 comes after floor 3 (out of order)" \
  "forum-index: $FIXTURES/bad/no_floors.txt: warning: header says 5 replies but 0 floor lines were found" \
  "forum-index: $FIXTURES/bad/invalid_utf8.txt:19: warning: invalid UTF-8" \
  "forum-index: $FIXTURES/bad/gb18030.txt: warning: converted from GB18030" \
  "forum-index: $FIXTURES/bad/big5.txt: warning: converted from Big5" \
  "forum-index: $FIXTURES/bad/utf16le.txt: warning: converted from UTF-16LE" \
  "forum-index: $FIXTURES/bad/nul_bytes.txt:18: warning: removed 4 NUL bytes" \
  "14 files: 12 indexed" ; do
  expect_in "$work/err" "$line" "bad input message"
done
expect_exit 0 "posts from converted files are searchable" -- "$SEARCH" --posts --json -n 100 "$bad" 馬斯克說
for f in big5 gb18030 utf16le crlf invalid_utf8 nul_bytes; do
  expect_in "$work/out" "\"path\":\"$f.txt\"" "found in $f"
done
expect_exit 1 "quiet hides warnings" -- "$INDEX" -q -f "$bad" "$FIXTURES/bad"
expect_not_in "$work/err" "warning:" "quiet"
expect_in "$work/err" "empty file" "quiet still shows errors"

# JSON Lines: good threads indexed, bad lines reported by line.
expect_exit 1 "index JSON Lines" -- "$INDEX" "$work/j.db" "$FIXTURES/jsonl"
expect_in "$work/err" "forum-index: $FIXTURES/jsonl/forum/threads.jsonl:3: posts[0]: no \"floor\"; post skipped" "bad post"
expect_in "$work/err" "forum-index: $FIXTURES/jsonl/forum/threads.jsonl:4: invalid JSON at column 40" "bad line"
expect_in "$work/err" "forum-index: $FIXTURES/jsonl/forum/threads.jsonl:5: thread has no \"id\"; skipped" "no id"
expect_in "$work/err" "(2 threads, 3 posts" "the rest indexed"
expect_exit 0 "JSON thread fields" -- "$SEARCH" --json --posts "$work/j.db" 黄仁勋
expect_in "$work/out" '"thread":"forum/100","title":"显卡价格又涨了","board":"tech","floor":1,"author":"kingofLiu","date":"2025-02-01T01:30:00Z"' "JSON fields"
"$SEARCH" --posts "$work/j.db" 黄仁勋 >"$work/text" 2>&1
checks=$((checks + 1))
printf '%s\n' '1. 显卡价格又涨了 [tech]' '   #1 kingofLiu · 2025-02-01 · score 1.94 · thread:"forum/100"' \
  '   黃仁勳說產能不足。 再等等吧。' "   $SEARCH --thread forum/100 --floor 1 $work/j.db 黄仁勋" '' \
  '1 post matched; showing 1-1' | diff - "$work/text" >&2 ||
  fail "text output differs"
if command -v python3 >/dev/null; then
  "$SEARCH" --json --posts "$work/j.db" 黄仁勋 >"$work/json" 2>&1
  checks=$((checks + 1))
  python3 - "$work/json" <<'PY' || fail "JSON fields differ"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
hit = json.loads(lines[0])
score = hit.pop("score")
assert isinstance(score, float) and score > 0, score
expected = {"rank": 1, "thread": "forum/100", "title": "显卡价格又涨了",
            "board": "tech", "floor": 1, "author": "kingofLiu",
            "date": "2025-02-01T01:30:00Z", "source": "某论坛",
            "path": "forum/threads.jsonl",
            "snippet": "黃仁勳說產能不足。 再等等吧。", "highlights": [[0, 9]],
            "title_highlights": []}
assert hit == expected, hit
assert "黃仁勳".encode() == hit["snippet"].encode()[0:9]
PY
fi
expect_exit 0 "JSON board filter" -- "$SEARCH" --count "$work/j.db" board:tech
expect_in "$work/out" "2 posts in 1 thread" "board from JSON"

# forum-search: exit codes.
expect_exit 0 "a query with hits" -- "$SEARCH" "$db" 川普
expect_in "$work/out" "posts in" "summary line"
expect_exit 1 "a query without hits" -- "$SEARCH" "$db" 这个词肯定不存在于样例
expect_in "$work/out" "0 posts in 0 threads matched" "no hits summary"
expect_exit 5 "a malformed query" -- "$SEARCH" "$db" '川普 "马斯克'
expect_in "$work/err" "forum-search: bad query: column 4: unbalanced quote" "query error column"
checks=$((checks + 1)); [ "$(wc -l <"$work/err")" -eq 1 ] || fail "query error is not one line when piped"
expect_exit 5 "a malformed query on a terminal" -- env FORUMSEARCH_FAKE_TTY=1 "$SEARCH" "$db" '川普 "马斯克'
expect_in "$work/err" "     ^" "caret under the column on a terminal"
expect_exit 5 "an unknown field" -- "$SEARCH" "$db" 'foo:bar'
expect_exit 3 "a missing database" -- "$SEARCH" "$work/none" 川普
expect_in "$work/err" "no database here" "missing database message"
expect_exit 2 "no query" -- "$SEARCH" "$db"
expect_exit 2 "bad --limit" -- "$SEARCH" --limit x "$db" 川普
expect_exit 2 "bad --sort" -- "$SEARCH" --sort size "$db" 川普
expect_exit 0 "search --help" -- "$SEARCH" --help
expect_in "$work/out" "author:NAME" "help lists the syntax"

# --count, collapse, paging.
expect_exit 0 "count" -- "$SEARCH" --count "$db" 马斯克向川普
expect_in "$work/out" "6 posts in 3 threads" "count output"
expect_exit 0 "count, posts" -- "$SEARCH" --count --posts "$db" 马斯克向川普
expect_in "$work/out" "6 posts" "count posts"
expect_exit 0 "collapsed JSON" -- "$SEARCH" --json -n 100 "$db" 马斯克向川普
checks=$((checks + 1)); [ "$(wc -l <"$work/out")" -eq 3 ] || fail "collapsed: $(wc -l <"$work/out") lines, want 3"
expect_exit 0 "paging" -- "$SEARCH" --json --posts -n 2 -o 4 "$db" 马斯克向川普
checks=$((checks + 1)); [ "$(wc -l <"$work/out")" -eq 2 ] || fail "offset 4 limit 2 of 6: want 2 lines"
expect_in "$work/out" "\"rank\":5" "ranks continue after the offset"

# Sorting: newest first; thread order.
expect_exit 0 "sort by date" -- "$SEARCH" --json --sort date -n 100 "$db" 拜登
checks=$((checks + 1))
dates=$(grep -o '"date":"[^"]*"' "$work/out")
[ "$dates" = "$(printf '%s\n' "$dates" | sort -r)" ] && [ -n "$dates" ] || fail "--sort date is not newest first"
expect_not_in "$work/out" '"score":1' "sorted hits carry no score"
expect_exit 0 "sort by floor" -- "$SEARCH" --json --posts --sort floor -n 100 "$db" 'thread:news/0002_biden-withdraws 拜登'
checks=$((checks + 1))
floors=$(grep -o '"floor":[0-9]*' "$work/out" | cut -d: -f2)
[ "$floors" = "$(printf '%s\n' "$floors" | sort -n)" ] && [ "$(printf '%s\n' "$floors" | wc -l)" -gt 2 ] || fail "--sort floor is not thread order"

# Colour: only on a terminal, never with NO_COLOR, --color overrides.
esc=$'\033['
expect_exit 0 "piped: no colour" -- "$SEARCH" "$db" 川普
expect_not_in "$work/out" "$esc" "no escapes when piped"
expect_exit 0 "fake tty: colour" -- env FORUMSEARCH_FAKE_TTY=1 "$SEARCH" "$db" 川普
expect_in "$work/out" "$esc" "escapes on a tty"
expect_exit 0 "NO_COLOR" -- env FORUMSEARCH_FAKE_TTY=1 NO_COLOR=1 "$SEARCH" "$db" 川普
expect_not_in "$work/out" "$esc" "NO_COLOR honoured"
expect_exit 0 "--color=always" -- "$SEARCH" --color=always "$db" 川普
expect_in "$work/out" "${esc}1;31m川普${esc}0m" "always colours the match"
expect_exit 0 "--color=never on a tty" -- env FORUMSEARCH_FAKE_TTY=1 "$SEARCH" --color=never "$db" 川普
expect_not_in "$work/out" "$esc" "never"

# Plain markers and HTML.
expect_exit 0 "plain markers" -- "$SEARCH" --format plain "$db" 马斯克向川普
expect_in "$work/out" "[马斯克向川普]" "plain marks"
expect_exit 0 "custom markers" -- "$SEARCH" --format plain --markers '<<,>>' "$db" 馬斯克說
expect_in "$work/out" "<<馬斯克說>>" "Traditional text marked as written"
expect_in "$work/out" "1. <<馬斯克說>>臺灣是中國" "a title match is marked in the title"
expect_exit 0 "title marks in JSON" -- "$SEARCH" --json -n 1 "$db" 馬斯克說
expect_in "$work/out" '"title_highlights":[[0,12]]' "title highlight offsets"
script_dir=$work/html
mkdir -p "$script_dir/b"
printf '标题<script>\n\n正文 <script>alert(1)</script> 川普 & co\n' >"$script_dir/b/x.txt"
expect_exit 0 "index html fixture" -- "$INDEX" -q "$work/html.db" "$script_dir"
expect_exit 0 "html output" -- "$SEARCH" --format html "$work/html.db" 川普
expect_in "$work/out" "&lt;script&gt;alert(1)&lt;/script&gt; <mark>川普</mark> &amp; co" "html escaped"
expect_not_in "$work/out" "<script>" "no raw script tag"

# JSON: valid, one object per line, offsets mark the matches.
if command -v python3 >/dev/null; then
  expect_exit 0 "json" -- "$SEARCH" --json --posts -n 1000 "$db" 川普
  checks=$((checks + 1))
  python3 - "$work/out" <<'PY' || fail "JSON output does not check out"
import json, sys, unicodedata
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    hit = json.loads(line)
    n += 1
    for key in ("rank", "thread", "title", "board", "floor", "author", "date",
                "score", "snippet", "highlights", "path"):
        assert key in hit, key
    raw = hit["snippet"].encode("utf-8")
    # An article can match by its title alone; its text then has no mark.
    assert hit["highlights"] or (hit["floor"] == 0 and "川普" in hit["title"]), hit
    for start, end in hit["highlights"]:
        marked = raw[start:end].decode("utf-8")
        assert unicodedata.normalize("NFKC", marked) in ("川普", "川普"), marked
assert n == 70, n
PY
  printf '坏\001控制\x7f字符 "引号" \\ 川普\n\n正文\x01 川普\n' >"$script_dir/b/ctl.txt"
  expect_exit 0 "index control characters" -- "$INDEX" -q "$work/html.db" "$script_dir"
  expect_exit 0 "json with control characters" -- "$SEARCH" --json --posts "$work/html.db" 川普
  checks=$((checks + 1))
  python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/out" || fail "control characters break JSON"
else
  echo "python3 not found: JSON checks skipped" >&2
fi

# What cannot be read keeps its posts: an unreadable subdirectory or file
# between two runs. Root reads through mode 000, so as root the second
# run drops the capabilities that let it (setpriv, util-linux).
tree=$work/unreadable
mkdir -p "$tree/c/d" "$tree/e"
cp "$SAMPLES"/life/*.txt "$tree/c/d/"
cp "$SAMPLES"/tech/0001_gpu-prices.txt "$tree/c/"
cp "$SAMPLES"/news/0001_musk-doge-exit.txt "$tree/e/"
expect_exit 0 "index a nested tree" -- "$INDEX" "$work/u.db" "$tree"
"$SEARCH" --count "$work/u.db" board:c >"$work/before" 2>&1
"$SEARCH" --count "$work/u.db" board:e >"$work/before-e" 2>&1
as_reader=""
[ "$(id -u)" -eq 0 ] && as_reader="setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search --"
chmod 000 "$tree/c" "$tree/e/0001_musk-doge-exit.txt"
expect_exit 1 "re-index with an unreadable directory and file" -- $as_reader "$INDEX" "$work/u.db" "$tree"
chmod 755 "$tree/c"; chmod 644 "$tree/e/0001_musk-doge-exit.txt"
expect_in "$work/err" "c: cannot read directory: Permission denied; the posts indexed from it before are kept" "unreadable directory named"
expect_in "$work/err" "8 kept unreadable" "summary counts the kept files"
"$SEARCH" --count "$work/u.db" board:c >"$work/after" 2>&1
"$SEARCH" --count "$work/u.db" board:e >"$work/after-e" 2>&1
checks=$((checks + 1))
cmp -s "$work/before" "$work/after" || fail "an unreadable directory lost posts: $(cat "$work/before") -> $(cat "$work/after")"
checks=$((checks + 1))
cmp -s "$work/before-e" "$work/after-e" || fail "an unreadable file lost posts: $(cat "$work/before-e") -> $(cat "$work/after-e")"

# A repeated id in one JSON Lines file: warned with both lines; the later
# thread replaces the earlier one whole.
mkdir -p "$work/dup/b"
cat >"$work/dup/b/t.jsonl" <<'JSON'
{"id": "d/1", "title": "第一个", "posts": [{"floor": 0, "text": "早先的正文 甲乙"}, {"floor": 1, "text": "早先的回复 甲乙"}]}
{"id": "d/2", "title": "别的", "posts": [{"floor": 0, "text": "无关"}]}
{"id": "d/1", "title": "第二个", "posts": [{"floor": 0, "text": "后来的正文 丙丁"}]}
JSON
expect_exit 0 "index a repeated JSON id" -- "$INDEX" "$work/dup.db" "$work/dup"
expect_in "$work/err" 't.jsonl:3: warning: thread id "d/1" repeats line 1; this later thread replaces it' "repeated id warned"
expect_in "$work/err" "(2 threads, 2 posts" "the summary counts the threads the file holds"
expect_exit 1 "the earlier thread is gone" -- "$SEARCH" --count "$work/dup.db" 甲乙
expect_exit 0 "the later thread is there" -- "$SEARCH" --count --posts "$work/dup.db" thread:d/1
expect_in "$work/out" "1 post" "only the later thread's post"

echo "cli_test: $checks checks, $failures failures" >&2
[ "$failures" -eq 0 ]
