#!/bin/sh
# The libraries export forum_* and nothing else: the shared library's
# dynamic symbols, and the global symbols the static archive defines (its
# fsi_* internals, the Xapian shim's C++ template instances and typeinfo
# are local), and both export the same forum_* set.
# usage: check_symbols.sh LIBFORUMSEARCH.so [LIBFORUMSEARCH.a]
set -eu
so=$1 a=${2:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/forumsearch-symbols-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

# nm prints "VALUE TYPE NAME" for defined symbols; --defined-only drops U.
nm -D --defined-only "$so" | awk 'NF == 3 {print $3}' | sed 's/@.*//' |
  grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | sort -u >"$work/so"
if grep -v '^forum_' "$work/so" >"$work/so-others"; then
  echo "check_symbols: $so: unexpected exports:" >&2
  cat "$work/so-others" >&2
  failed=1
fi
echo "check_symbols: $so: $(grep -c '^forum_' "$work/so") forum_* symbols," \
     "nothing else"
[ -n "$a" ] || exit "$failed"

# Global (upper-case type letter) and weak (V, W) definitions; lower case
# is local.
nm -g --defined-only "$a" | awk 'NF == 3 {print $3}' | sort -u >"$work/a"
if grep -v '^forum_' "$work/a" >"$work/a-others"; then
  echo "check_symbols: $a: unexpected global symbols:" >&2
  cat "$work/a-others" >&2
  failed=1
fi
if ! cmp -s "$work/so" "$work/a"; then
  echo "check_symbols: $so and $a export different symbols" \
       "(< shared only, > static only):" >&2
  diff "$work/so" "$work/a" | grep '^[<>]' >&2 || true
  failed=1
fi
members=$(ar t "$a" | wc -l)
echo "check_symbols: $a: $(grep -c '^forum_' "$work/a") forum_* symbols," \
     "nothing else, in $members object(s)"
exit "$failed"
