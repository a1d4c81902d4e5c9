#!/bin/sh
# Loopback load test of forum-serve (issue 14): many concurrent clients
# for a fixed time, with Debian's ab (apache2-utils), on the bench corpus.
#
#   bench/serve_load.sh BUILD-DIR CORPUS-DIR [SECONDS] [CLIENTS]
#
# Indexes CORPUS-DIR (made by bench/gen_corpus) into a scratch database
# unless BUILD-DIR/serve-load.db exists, starts forum-serve on a free
# 127.0.0.1 port with one thread per CPU, and runs ab with CLIENTS
# keep-alive clients (default 16) for SECONDS (default 20) on each URL
# below, one URL at a time. Prints one Markdown table row per URL:
# requests/s, p50 and p99 latency (ms), requests, failures (ab's failed
# requests plus non-2xx answers). Exit 1 when any request failed.
# Only loopback traffic; every run stops by itself.
set -eu
build=$1 corpus=$2 seconds=${3:-20} clients=${4:-16}
command -v ab >/dev/null || { echo "needs ab: apt-get install apache2-utils" >&2; exit 2; }
db=$build/serve-load.db
if [ ! -e "$db" ]; then
  "$build/indexer/forum-index" -q "$db" "$corpus"
fi
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/serve/forum-serve" --quiet --listen "127.0.0.1:$port" "$db" 2>"$build/serve-load.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
sleep 1
base=http://127.0.0.1:$port
# What a forum's visitors type: a common character, a two- and a
# four-character word, an English word, a Traditional one, a phrase; the
# page as well as the API.
failed=0
echo "| URL | requests/s | p50 ms | p99 ms | requests | failed |"
echo "| --- | --- | --- | --- | --- | --- |"
for path in \
    "/api/search?q=%E7%9A%84" \
    "/api/search?q=%E7%A8%8B%E5%BA%8F" \
    "/api/search?q=%E6%96%87%E4%BB%B6%E7%B3%BB%E7%BB%9F" \
    "/api/search?q=file" \
    "/api/search?q=%E6%AA%94%E6%A1%88" \
    "/api/search?q=%22%E9%85%8D%E7%BD%AE%E6%96%87%E4%BB%B6%22&sort=date" \
    "/?q=%E7%A8%8B%E5%BA%8F"; do
  out=$(ab -k -q -c "$clients" -t "$seconds" -n 1000000 "$base$path" 2>&1) || true
  rps=$(echo "$out" | sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p')
  done_n=$(echo "$out" | sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p')
  fail=$(echo "$out" | sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p')
  non2xx=$(echo "$out" | sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p')
  p50=$(echo "$out" | sed -n 's/^ *50% *\([0-9]*\).*/\1/p')
  p99=$(echo "$out" | sed -n 's/^ *99% *\([0-9]*\).*/\1/p')
  bad=$(( ${fail:-1} + ${non2xx:-0} ))
  [ "$bad" -eq 0 ] || failed=1
  q=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$path")
  echo "| \`$q\` | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${done_n:-0} | $bad |"
done
exit $failed
