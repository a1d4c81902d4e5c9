#!/bin/sh
# Installs into a scratch prefix, then builds examples/embed_search.c the
# way an embedder would (pkg-config), runs it on the sample threads, and
# checks it found and printed hits.
# usage: install_test.sh BUILD-DIR SOURCE-DIR [EXTRA-CFLAGS]
set -eu
build=$1 src=$2 extra=${3:-}
work=$(mktemp -d /tmp/forumsearch-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*/ | head -n 1)
test -f "$work/prefix/include/forumsearch.h"
test -x "$work/prefix/bin/forum-search"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror $extra "$src/examples/embed_search.c" \
   $(pkg-config --cflags --libs forumsearch) -o "$work/embed"
LD_LIBRARY_PATH="$libdir" "$work/embed" "$work/db" "$src/examples/threads" \
  马斯克向川普 >"$work/out"
grep -q "^indexed 524 posts$" "$work/out"
grep -q "马斯克向川普" "$work/out"
echo "install_test: installed, built with pkg-config, embed_search found" \
     "$(($(wc -l <"$work/out") - 1)) hits"
