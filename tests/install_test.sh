#!/bin/sh
# The embedding contract, checked on an installed tree:
#  1. `cmake --install` into a scratch prefix, the tree moved elsewhere:
#     the moved forum-index and forum-search run (RUNPATH $ORIGIN/../lib,
#     no LD_LIBRARY_PATH), index examples/threads and find a hit;
#  2. examples/embed_search.c built with pkg-config the way an embedder
#     would, shared, and static (`pkg-config --static --libs`, against a
#     copy of the tree without the shared library, so -lforumsearch can
#     only be libforumsearch.a); both run on the sample threads; so does
#     tests/install/embed_cxx.cc, a C++ embedder that uses Xapian too;
#  3. every tests/contract/*.c built the same two ways and run
#     (arguments: tests/install/run-contract.sh).
# usage: install_test.sh BUILD-DIR SOURCE-DIR [EXTRA-CFLAGS]
# EXTRA-CFLAGS: what an embedder of this build's library needs (the
# sanitizer a sanitized library was built with).
set -eu
build=$1 src=$2 extra=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/forumsearch-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

# 1. Install, move, run the tools.
cmake --install "$build" --prefix "$work/staged" >/dev/null
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
libdir=$(cd "$(dirname "$(find "$prefix" -name forumsearch.pc)")/.." && pwd)
test -f "$prefix/include/forumsearch.h" || fail "no include/forumsearch.h"
for tool in forum-index forum-search; do
  test -x "$prefix/bin/$tool" || fail "no bin/$tool"
  runpath=$(readelf -d "$prefix/bin/$tool" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]$/\1/p')
  case $runpath in
    '$ORIGIN/'*) ;;
    *) fail "bin/$tool: RUNPATH '$runpath', want \$ORIGIN/..." ;;
  esac
done
"$prefix/bin/forum-index" -q "$work/db" "$src/examples/threads" ||
  fail "installed forum-index: exit $?"
"$prefix/bin/forum-search" --format plain "$work/db" 马斯克向川普 >"$work/out" ||
  fail "installed forum-search: exit $?"
grep -q '\[马斯克向川普\]' "$work/out" || fail "installed forum-search: no hit"
"$prefix/bin/forum-search" --version >"$work/out" ||
  fail "installed forum-search --version: exit $?"
rm -rf "$work/db"
echo "install_test: moved prefix: forum-index and forum-search run" \
     "(RUNPATH $runpath)"

# 1b. The Python package (python/): Debian's python3 imports it from the
# moved prefix and it finds the library installed with it (no
# FORUMSEARCH_LIBRARY, no LD_LIBRARY_PATH). Not for a sanitized library,
# which an uninstrumented interpreter cannot load without preloading.
if [ -z "$extra" ] && [ -x /usr/bin/python3 ]; then
  pkg=$(find "$prefix" -type d -name forumsearch -path '*-packages/*' | head -n 1)
  [ -n "$pkg" ] || fail "no Python package installed under the prefix"
  (unset FORUMSEARCH_LIBRARY; cd "$work" &&
   PYTHONPATH=$(dirname "$pkg") /usr/bin/python3 - "$prefix" "$src/examples/threads" "$work/pydb" <<'PY'
import sys
import forumsearch
prefix, samples, db_path = sys.argv[1:]
assert forumsearch.__file__.startswith(prefix), forumsearch.__file__
assert forumsearch.library_path.startswith(prefix), forumsearch.library_path
with forumsearch.open(db_path, writable=True) as db:
    db.index_path(samples)
    hits = list(db.search("马斯克向川普"))
assert hits and "马斯克向川普" in hits[0].snippet, hits
PY
  ) || fail "installed Python package: exit $?"
  rm -rf "$work/pydb"
  echo "install_test: Python package imported from the moved prefix" \
       "(${pkg#"$prefix"/}) and searched"
fi

# A copy of the tree without the shared library, for static links.
cp -R "$prefix" "$work/static"
rm -f "$work/static/${libdir#"$prefix"/}"/libforumsearch.so*
test -f "$work/static/${libdir#"$prefix"/}/libforumsearch.a" ||
  fail "no libforumsearch.a"

# compile KIND SOURCE OUTPUT [MODULE...]: compiles SOURCE (C11, or C++17
# for *.cc) against the installed library, KIND shared or static, with the
# other pkg-config MODULEs it uses, and checks the program links the
# library that way.
compile() {
  kind=$1 source=$2 output=$3
  shift 3
  case $kind in
    shared) PKG_CONFIG_PATH=$libdir/pkgconfig static= ;;
    static) PKG_CONFIG_PATH=$work/static/${libdir#"$prefix"/}/pkgconfig
            static=--static ;;
  esac
  export PKG_CONFIG_PATH
  cflags=$(pkg-config --cflags forumsearch "$@")
  libs=$(pkg-config $static --libs forumsearch "$@")
  case $source in
    *.cc) compiler="${CXX:-c++} -std=c++17" ;;
    *) compiler="${CC:-cc} -std=c11" ;;
  esac
  # shellcheck disable=SC2086
  $compiler -Wall -Wextra -Wpedantic -Werror -pthread $extra $cflags \
    "$source" $libs -o "$output" ||
    fail "$kind build of $source: $compiler ... $cflags $libs"
  if readelf -d "$output" | grep -q 'NEEDED.*libforumsearch'; then
    [ "$kind" = shared ] || fail "$output: linked libforumsearch.so, want static"
  else
    [ "$kind" = static ] || fail "$output: libforumsearch.so is not NEEDED"
  fi
}

# run_libdir KIND COMMAND...: runs COMMAND, finding the installed shared
# library through LD_LIBRARY_PATH for KIND shared (an embedder's choice;
# the tools use RUNPATH), without it for static.
run_libdir() {
  if [ "$1" = shared ]; then
    shift; LD_LIBRARY_PATH=$libdir "$@"
  else
    shift; "$@"
  fi
}

# 2. The embedding example, shared and static.
for kind in shared static; do
  compile $kind "$src/examples/embed_search.c" "$work/embed-$kind"
  run_libdir $kind "$work/embed-$kind" "$work/db-$kind" \
    "$src/examples/threads" 马斯克向川普 >"$work/out" ||
    fail "embed_search ($kind): exit $?"
  grep -q "^indexed 524 posts$" "$work/out" ||
    fail "embed_search ($kind): did not index 524 posts"
  grep -q "马斯克向川普" "$work/out" || fail "embed_search ($kind): no hit"
  echo "install_test: embed_search ($kind, pkg-config): found" \
       "$(($(wc -l <"$work/out") - 1)) hits"
  # A C++ embedder using Xapian too: the library's private copies of
  # templates and typeinfo must not clash with the program's.
  compile $kind "$src/tests/install/embed_cxx.cc" "$work/cxx-$kind" xapian-core
  run_libdir $kind "$work/cxx-$kind" "$work/cxx-db-$kind" \
    "$src/examples/threads" 马斯克向川普 || fail "embed_cxx ($kind): exit $?"
done

# 3. The contract tests, shared and static.
contracts=$(find "$src/tests/contract" -maxdepth 1 -name '*.c' 2>/dev/null | sort)
if [ -z "$contracts" ]; then
  echo "install_test: tests/contract holds no *.c: no contract test run"
fi
failed=0 ran=0
for c in $contracts; do
  name=$(basename "$c" .c)
  for kind in shared static; do
    compile $kind "$c" "$work/contract-$name-$kind"
    if run_libdir $kind "$src/tests/install/run-contract.sh" "$c" \
        "$work/contract-$name-$kind" "$src/examples/threads" \
        >"$work/out" 2>&1; then
      ran=$((ran + 1))
    else
      echo "install_test: FAIL: contract $name ($kind):" >&2
      sed 's/^/  | /' "$work/out" >&2
      failed=$((failed + 1))
    fi
  done
done
[ "$failed" -eq 0 ] || fail "$failed contract test run(s) failed"
if [ -n "$contracts" ]; then
  echo "install_test: contract tests passed shared and static ($ran runs):" \
       $(for c in $contracts; do basename "$c" .c; done)
fi
