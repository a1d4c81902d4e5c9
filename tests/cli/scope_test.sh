#!/usr/bin/env bash
# End-to-end tests of forum-search --scope thread (issue 13): threads
# whose posts together hold the query, per-post filters, the posts shown
# with each hit, in text, JSON and HTML. The oracle parses the thread
# files with Python (title, article, "N 楼" replies and their authors),
# not with the library.
# usage: scope_test.sh FORUM-INDEX FORUM-SEARCH SAMPLES-DIR FIXTURES-DIR
set -u
INDEX=$1 SEARCH=$2 SAMPLES=$3 FIXTURES=$4
PY=/usr/bin/python3
work=$(mktemp -d /tmp/forumsearch-scope-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0 checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

db=$work/db
"$INDEX" -q "$db" "$SAMPLES" "$FIXTURES/relevance" || fail "index"

# The oracle: for QUERY (plain words and an optional author:NAME or
# floor:1..), the threads whose counted posts hold every word (thread
# scope) and those with one post holding them all (post scope).
cat >"$work/oracle.py" <<'PY'
import json, os, re, sys
roots, query, mode = sys.argv[1:-2], sys.argv[-2], sys.argv[-1]
words, author, replies_only = [], None, False
for w in query.split():
    if w.startswith("author:"): author = w[7:]
    elif w == "floor:1..": replies_only = True
    else: words.append(w)
threads = {}
for root in roots:
    for d, _, fs in os.walk(root):
        for f in fs:
            if not f.endswith(".txt"): continue
            path = os.path.join(d, f)
            tid = os.path.relpath(path, root)[:-4]
            lines = open(path, encoding="utf-8").read().split("\n")
            floors = [i for i, l in enumerate(lines)
                      if re.fullmatch(r"\d+ 楼", l.strip())]
            end = floors[0] - 1 if floors else len(lines)
            if end > 1 and len(lines[end - 1].strip()) == 1: end -= 1
            posts = [(0, "", lines[0] + "\n" + "\n".join(lines[1:end]))]
            for k, i in enumerate(floors):
                stop = floors[k + 1] - 1 if k + 1 < len(floors) else len(lines)
                if stop > i + 1 and len(lines[stop - 1].strip()) == 1:
                    stop -= 1
                posts.append((int(lines[i].split()[0]), lines[i - 1].strip(),
                              "\n".join(lines[i + 1:stop])))
            threads[tid] = posts
# The Traditional forms of the query words (the taiwan/ samples), as a
# reader would write them: the library folds them to Simplified.
forms = {"马斯克": ["馬斯克"], "关税": ["關稅"], "台积电": ["台積電"],
         "显卡": ["顯卡"], "婚礼": ["婚禮"], "份子钱": ["份子錢"]}
def has(text, w):
    return any(f in text for f in [w] + forms.get(w, []))
out = {}
for tid, posts in threads.items():
    counted = [p for p in posts if (author is None or p[1] == author)
               and not (replies_only and p[0] == 0)]
    if mode == "thread":
        if counted and all(any(has(p[2], w) for p in counted) for w in words):
            out[tid] = {w: sorted(p[0] for p in counted if has(p[2], w))
                        for w in words}
    elif any(all(has(p[2], w) for w in words) for p in counted):
        out[tid] = {}
json.dump(out, sys.stdout, ensure_ascii=False)
PY

# Runs QUERY in SCOPE with --json; compares the threads with the oracle
# and checks that each hit's post and its "also" posts hold every word.
check() {
  local scope=$1 query=$2
  checks=$((checks + 1))
  # shellcheck disable=SC2086
  "$SEARCH" --json -n 1000 --scope "$scope" "$db" $query >"$work/hits" 2>"$work/err"
  local rc=$?
  [ "$rc" -le 1 ] || { fail "--scope $scope $query: exit $rc"; cat "$work/err" >&2; return; }
  $PY "$work/oracle.py" "$SAMPLES" "$FIXTURES/relevance" "$query" "$scope" >"$work/want"
  $PY - "$work/hits" "$work/want" "$scope" "$query" <<'PY' || fail "--scope $scope $query"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
want = json.load(open(sys.argv[2], encoding="utf-8"))
scope, query = sys.argv[3], sys.argv[4]
got = [h["thread"] for h in hits]
bad = []
if len(got) != len(set(got)): bad.append("a thread twice")
if set(got) != set(want):
    bad.append("threads: extra %s, missing %s"
               % (sorted(set(got) - set(want)), sorted(set(want) - set(got))))
for h in hits:
    shown = [h["floor"]] + [a["floor"] for a in h.get("also", [])]
    if scope == "post" and "also" in h: bad.append("also in post scope")
    if scope == "thread" and h["thread"] in want:
        for w, floors in want[h["thread"]].items():
            if not set(shown) & set(floors):
                bad.append("%s: no shown post %s has %s (has: %s)"
                           % (h["thread"], shown, w, floors))
    if shown[1:] != sorted(shown[1:]): bad.append("also not in floor order")
if bad:
    print("%s %s: %s" % (scope, query, "; ".join(bad)), file=sys.stderr)
    sys.exit(1)
PY
  # Post scope that finds nothing names what thread scope would find
  # (the oracle's count), and says nothing when that is nothing too.
  [ "$scope" = post ] && [ "$rc" -eq 1 ] || return
  checks=$((checks + 1))
  local n
  n=$($PY "$work/oracle.py" "$SAMPLES" "$FIXTURES/relevance" "$query" thread |
      $PY -c 'import json, sys; print(len(json.load(sys.stdin)))')
  local s=s
  [ "$n" -eq 1 ] && s=
  if [ "$n" -gt 0 ]; then
    grep -qF "forum-search: note: no single post holds the whole query; the posts of $n thread$s hold it together (--scope thread)" "$work/err" ||
      fail "post scope $query: no note of the $n thread$s in thread scope"
  else
    ! grep -q "scope thread" "$work/err" || fail "post scope $query: a note, though thread scope finds nothing"
  fi
  [ "$n" -gt 0 ] && notes=$((notes + 1))
}
notes=0

for q in "王小明 婚礼" "婚礼 份子钱" "川普 马斯克" "显卡 关税" "author:婚礼策划师小美 王小明 婚礼" \
         "author:李华 王小明 婚礼" "floor:1.. 王小明 婚礼" "关税 台积电 川普"; do
  check thread "$q"
  check post "$q"
done
# At least one of those queries finds nothing in post scope, and
# something in thread scope (else the note went untested).
checks=$((checks + 1))
[ "$notes" -gt 0 ] || fail "no query exercised the thread-scope note"

# The sample thread whose title names 王小明 and whose reply says 婚礼:
# thread scope finds it, post scope does not.
checks=$((checks + 1))
"$SEARCH" --json --scope thread "$db" 王小明 婚礼 | grep -q '"thread":"life/0003_wang-xiaoming-wedding"' ||
  fail "thread scope misses life/0003"
checks=$((checks + 1))
! "$SEARCH" --json "$db" 王小明 婚礼 | grep -q '"thread":"life/0003_wang-xiaoming-wedding"' ||
  fail "post scope finds life/0003"
# Text and HTML show the other post.
checks=$((checks + 1))
"$SEARCH" --color never --scope thread "$db" 王小明 婚礼 >"$work/text"
grep -q '^   + #2 婚礼策划师小美' "$work/text" || fail "text: no '+ #2' line"
checks=$((checks + 1))
"$SEARCH" --format html --scope thread "$db" 王小明 婚礼 | grep -q '<p class="also">' ||
  fail "html: no also paragraph"
# Bad values and the help.
checks=$((checks + 1))
"$SEARCH" --scope threads "$db" 婚礼 >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q -- "--scope must be post or thread" "$work/err" || fail "--scope threads not refused"
checks=$((checks + 1))
"$SEARCH" --help | grep -q -- "--scope SCOPE" || fail "--help has no --scope"

echo "scope_test: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
