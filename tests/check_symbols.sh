#!/bin/sh
# The shared library exports forum_* and nothing else of ours.
set -eu
lib=$1
others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^forum_' |
         grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' || true)
if [ -n "$others" ]; then
  echo "check_symbols: unexpected exports:" >&2
  echo "$others" >&2
  exit 1
fi
echo "check_symbols: $(nm -D --defined-only "$lib" | grep -c ' forum_') forum_* symbols, nothing else"
