#!/usr/bin/env bash
# Shards searched through Xapian's remote backend (xapian-tcpsrv, Debian
# xapian-tools): a bench-like corpus indexed into one database and into
# two shards; each shard served on 127.0.0.1 (free ports); a stub listing
# both remotely and one listing a local and a remote shard must answer
# every query (the bench queries and the query language), sort and page
# byte for byte like the one database. Then the faults: a shard down
# (exit 69 naming it; --partial answers from the other, named on stderr
# and in JSON), a hung shard (SIGSTOP: --timeout bounds the wait), a
# connection lost during a search on an open handle (remote_probe), and
# forum-index refusing a stub with remote shards.
#
# usage: remote_test.sh FORUM-INDEX FORUM-SEARCH REMOTE-PROBE SOURCE-DIR
set -u
INDEX=$1 SEARCH=$2 PROBE=$3 SRC=$4
PY=/usr/bin/python3
command -v xapian-tcpsrv >/dev/null ||
  { echo "remote_test: xapian-tcpsrv missing (tests/install-deps.sh installs xapian-tools)" >&2; exit 1; }
work=$(mktemp -d /tmp/forumsearch-remote-XAPIAN-XXXXXX)
servers=()
stop_server() { # PID: the listener and the children serving connections
  local pid=$1
  kill -CONT "$pid" 2>/dev/null
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    kill -CONT "$child" 2>/dev/null; kill "$child" 2>/dev/null
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
cleanup() {
  for pid in "${servers[@]}"; do stop_server "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0 checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); "$@"; }

# serve SHARD-DIR: starts xapian-tcpsrv on a free port of 127.0.0.1; sets
# $port and $pid. A port taken between choosing and binding: try another.
serve() {
  for attempt in 1 2 3 4 5; do
    port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # In a session of its own: on SIGTERM, xapian-tcpsrv signals its
    # whole process group, which would otherwise include this script.
    setsid xapian-tcpsrv --port "$port" --interface 127.0.0.1 --quiet "$1" \
      >"$work/server.$port.log" 2>&1 &
    pid=$!
    for i in $(seq 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        servers+=("$pid"); return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  done
  echo "remote_test: cannot start xapian-tcpsrv for $1" >&2; exit 1
}

# The corpus, its queries, and the two layouts.
$PY "$SRC/bench/gen_corpus" "$work/corpus" --mb 2 --seed 1 >/dev/null 2>&1 ||
  { echo "remote_test: bench/gen_corpus failed" >&2; exit 1; }
$PY "$SRC/bench/queries" "$work/corpus.posts.jsonl" "$work/q" --normalizer python \
  >/dev/null 2>&1 || { echo "remote_test: bench/queries failed" >&2; exit 1; }
"$INDEX" -q -j 1 "$work/one" "$work/corpus" 2>/dev/null; rc=$?
[ $rc -eq 0 ] || { echo "remote_test: indexing into one shard: exit $rc" >&2; exit 1; }
"$INDEX" -q -j 2 "$work/two" "$work/corpus" 2>/dev/null; rc=$?
[ $rc -eq 0 ] || { echo "remote_test: indexing into two shards: exit $rc" >&2; exit 1; }
# The shards, as the stub lists them (g1/, or g2/ after a compaction).
s0=$work/two/$(sed -n '1s/^auto //p' "$work/two/XAPIANDB")
s1=$work/two/$(sed -n '2s/^auto //p' "$work/two/XAPIANDB")
check test -d "$s1" -a "$s0" != "$s1" || fail "-j 2 did not make two shards"

serve "$s0"; port0=$port pid0=$pid
serve "$s1"; port1=$port pid1=$pid
mkdir "$work/remote" "$work/mixed"
# Both spellings of a remote entry: Xapian's own and "remote tcp".
printf '# two shards on loopback\nremote 127.0.0.1:%s\nremote tcp 127.0.0.1 %s\n' \
  "$port0" "$port1" >"$work/remote/XAPIANDB"
printf 'auto %s\nremote 127.0.0.1:%s\n' "$s0" "$port1" \
  >"$work/mixed/XAPIANDB"

# The query language, with values taken from the corpus.
$PY - "$work/corpus.posts.jsonl" >"$work/ql.txt" <<'PYEOF'
import collections, json, sys
posts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
authors = collections.Counter(p["author"] for p in posts if p["author"] and " " not in p["author"])
author = authors.most_common(1)[0][0]
thread = posts[len(posts) // 2]["thread"]
board = thread.split("/")[0]
title = next(p["title"] for p in posts if p["floor"] == 0 and len(p["title"]) > 4)
word = next(w for w in title.split() if len(w) >= 2)
for q in ["的 是", '"的用户"', "文件 OR 进程", "文件|进程", "文件 -进程",
          "文件 NOT 进程", "(文件 OR 进程) 系统", "-(文件 OR 进程) 系统",
          "author:" + author, "author:" + author + " 的",
          "title:" + word, "board:" + board, "board:" + board + " 文件",
          "thread:" + thread, "floor:0", "floor:1.. 文件", "floor:2..10 的",
          "date:2024", "date:..2023 文件", "date:2024-03..2024-08 的",
          "-floor:0 系统", "NOT 的", "the", "The file", "文件 the",
          "。", "??"]:
    print(q)
PYEOF
cut -f3 "$work/q/queries.tsv" >"$work/bench.txt"

# Query by query, in one process (remote_probe --compare: eight search
# option sets each, every field, snippet and highlight), then a few
# through forum-search itself.
compare() { # DB-A DB-B QUERIES
  checks=$((checks + 1))
  "$PROBE" --compare "$work/$1" "$work/$2" "$3" >"$work/compare.out" 2>&1 ||
    { fail "$2 answers unlike $1"; grep -A14 "^DIFF" "$work/compare.out" | head -60 | cut -c1-200 >&2; }
  tail -1 "$work/compare.out"
}
# REMOTE_TEST_FAULTS_ONLY=1 skips the comparisons (to work on the rest).
if [ -z "${REMOTE_TEST_FAULTS_ONLY:-}" ]; then
  compare one remote "$work/bench.txt"
  compare one remote "$work/ql.txt"
  compare one mixed "$work/ql.txt"
fi
same() { # DB-A DB-B QUERY OPTIONS...
  local a=$1 b=$2 q=$3; shift 3
  checks=$((checks + 1))
  # Text hits end with the command that opens the thread: DB named.
  "$SEARCH" "$@" "$work/$a" "$q" 2>&1 | sed "s#$work/$a#DB#g" >"$work/a.out"
  local ea=${PIPESTATUS[0]}
  "$SEARCH" "$@" "$work/$b" "$q" 2>&1 | sed "s#$work/$b#DB#g" >"$work/b.out"
  local eb=${PIPESTATUS[0]}
  if [ $ea -ne $eb ] || ! cmp -s "$work/a.out" "$work/b.out"; then
    fail "$b answers \"$q\" $* unlike $a (exit $ea/$eb)"
    diff "$work/a.out" "$work/b.out" | head -4 | cut -c1-200 >&2
  fi
}
compared=$(wc -l <"$work/bench.txt")
for q in 文件 "的用户" "author:$(sed -n 's/^author://p' "$work/ql.txt" | head -1)" "floor:0" "文件 -进程"; do
  for opts in "--json -n 20" "--json --posts -n 30 -o 5" "--json --sort date -n 15" \
              "--json --sort floor --posts -n 20" "--json --count" "--format text -n 5" \
              "--format html -n 5"; do
    same one remote "$q" $opts
    same one mixed "$q" $opts
  done
done
# Reading a thread whole through the stub.
thread=$(sed -n 's/^thread://p' "$work/ql.txt" | head -1)
for opts in "--json" "--format text" "--json --floor 2 --context 1"; do
  same one remote 文件 --thread "$thread" $opts
done

# A shard down: a distinct exit code, and its name.
stop_server "$pid1"
checks=$((checks + 1))
"$SEARCH" "$work/remote" 文件 >"$work/out" 2>"$work/err"; rc=$?
[ $rc -eq 69 ] || fail "a shard down: exit $rc, want 69"
grep -q "shard 2 of 2 (remote 127.0.0.1:$port1) is unreachable" "$work/err" ||
  { fail "the shard that is down is not named"; cat "$work/err" >&2; }
# --partial: the other shard's answer, the missing one named.
mkdir "$work/s0"; echo "auto $s0" >"$work/s0/XAPIANDB"
for opts in "-n 20" "--posts -n 30" "--sort date -n 20" "--count"; do
  checks=$((checks + 1))
  "$SEARCH" --json --partial $opts "$work/remote" 文件 >"$work/b.out" 2>"$work/err"
  "$SEARCH" --json $opts "$work/s0" 文件 >"$work/a.out" 2>&1
  grep -q "\"missing_shards\":\[\"shard 2 of 2 (remote 127.0.0.1:$port1)\"\]}$" "$work/b.out" ||
    fail "--partial $opts: no missing_shards field naming shard 2"
  sed 's/,"missing_shards":\[[^]]*\]//' "$work/b.out" | cmp -s - "$work/a.out" ||
    fail "--partial $opts: not the answer of the shard that is up"
  grep -q "warning: shard 2 of 2 (remote 127.0.0.1:$port1) is missing" "$work/err" ||
    fail "--partial $opts: the missing shard is not named on stderr"
done
checks=$((checks + 1))
"$SEARCH" --json "$work/one" 文件 >"$work/a.out" 2>&1
grep -q missing_shards "$work/a.out" && fail "missing_shards shown when nothing is missing"

# A hung shard (stopped, so it accepts and never answers): --timeout
# bounds the wait; without --partial exit 69, with it the other shard.
serve "$s1"; port1=$port pid1=$pid
printf 'remote 127.0.0.1:%s\nremote 127.0.0.1:%s\n' "$port0" "$port1" >"$work/remote/XAPIANDB"
same one remote 文件 --json --count
kill -STOP "$pid1"
checks=$((checks + 1))
start=$(date +%s%N)
"$SEARCH" --timeout 1 "$work/remote" 文件 >"$work/out" 2>"$work/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 69 ] || fail "a hung shard: exit $rc, want 69"
[ $ms -lt 5000 ] || fail "a hung shard with --timeout 1 took $ms ms"
grep -q "shard 2 of 2 (remote 127.0.0.1:$port1) is unreachable: Timeout" "$work/err" ||
  { fail "the hung shard is not named"; cat "$work/err" >&2; }
checks=$((checks + 1))
"$SEARCH" --timeout 0.5 --partial --count "$work/remote" 文件 >"$work/b.out" 2>"$work/err"; rc=$?
"$SEARCH" --count "$work/s0" 文件 >"$work/a.out" 2>&1
[ $rc -eq 0 ] && cmp -s "$work/a.out" "$work/b.out" || fail "--partial with a hung shard: exit $rc"
expect_usage() {
  checks=$((checks + 1))
  "$SEARCH" "$@" "$work/one" 文件 >/dev/null 2>"$work/err"; local rc=$?
  [ $rc -eq 2 ] || fail "$* accepted (exit $rc)"
}
expect_usage --timeout 0
expect_usage --timeout abc
expect_usage --timeout -1
kill -CONT "$pid1"
same one remote 文件 --json --count

# A connection lost during a search, on an open handle: the next search
# names the shard (FORUM_EUNAVAILABLE), or with partial leaves it out.
probe() { # PARTIAL TIMEOUT-MS SIGNAL: the second run after SIGNAL to shard 2's connection
  local fifo=$work/probe.in log=$work/probe.out
  rm -f "$fifo" "$log"; mkfifo "$fifo"
  "$PROBE" "$work/remote" 文件 "$1" "$2" <"$fifo" >"$log" 2>&1 &
  local probe_pid=$!
  exec 7>"$fifo"
  for i in $(seq 400); do
    grep -qx ready "$log" 2>/dev/null && break
    kill -0 "$probe_pid" 2>/dev/null || break
    sleep 0.05
  done
  for child in $(ps -o pid= --ppid "$pid1"); do kill -"$3" "$child"; done
  sleep 0.2
  echo go >&7
  exec 7>&-
  wait "$probe_pid"
  cat "$log"
}
posts_all=$("$SEARCH" --count --posts "$work/one" 文件)
posts_s0=$("$SEARCH" --count --posts "$work/s0" 文件)
n_all=${posts_all%% *} n_s0=${posts_s0%% *}
checks=$((checks + 1))
# SIGKILL: on SIGTERM a xapian-tcpsrv process signals its whole process
# group, the listener included; a killed child is a lost connection.
out=$(probe 0 2000 KILL)
grep -q "^run1 success posts=$n_all " <<<"$out" || fail "probe: first run: $out"
grep -q "^run2 a remote shard is unavailable | shard 2 of 2 (remote 127.0.0.1:$port1) is unreachable" <<<"$out" ||
  fail "probe: a lost connection is not named: $out"
checks=$((checks + 1))
out=$(probe 1 1000 STOP)
grep -q "^run2 success posts=$n_s0 .*missing=1 \[shard 2 of 2 (remote 127.0.0.1:$port1)\]$" <<<"$out" ||
  fail "probe: partial after a hung connection: $out"
for child in $(ps -o pid= --ppid "$pid1"); do kill -CONT "$child" 2>/dev/null; kill -KILL "$child" 2>/dev/null; done

# Writers: a stub with remote shards is for searching.
checks=$((checks + 1))
"$INDEX" "$work/remote" "$work/corpus" >/dev/null 2>"$work/err"; rc=$?
[ $rc -ne 0 ] || fail "forum-index wrote through a stub with remote shards"
grep -q "remote shard is indexed on its own machine" "$work/err" ||
  { fail "forum-index's refusal is not explained"; cat "$work/err" >&2; }
checks=$((checks + 1))
"$INDEX" --compact "$work/mixed" >/dev/null 2>"$work/err"; rc=$?
[ $rc -ne 0 ] && grep -q "remote shard is indexed on its own machine" "$work/err" ||
  fail "forum-index --compact through a stub with remote shards (exit $rc)"
# Bad stubs are named.
mkdir "$work/bad"
for line in "remote 127.0.0.1" "remote tcp 127.0.0.1" "remote :xapian-progsrv x" \
            "remote 127.0.0.1:99999" "remote host:12x" "something else"; do
  checks=$((checks + 1))
  printf 'auto %s\n%s\n' "$s0" "$line" >"$work/bad/XAPIANDB"
  "$SEARCH" "$work/bad" 文件 >/dev/null 2>"$work/err"; rc=$?
  [ $rc -eq 3 ] && grep -q "XAPIANDB line 2" "$work/err" ||
    { fail "bad stub line \"$line\": exit $rc"; cat "$work/err" >&2; }
done

echo "remote_test: $checks checks, $failures failures ($compared bench queries)"
[ "$failures" -eq 0 ]
