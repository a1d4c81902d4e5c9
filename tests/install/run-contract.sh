#!/bin/sh
# Runs one contract test, tests/contract/NAME.c built as BINARY, with the
# arguments its header comment asks for, in a fresh scratch directory that
# is removed afterwards. ctest (contract_NAME) and tests/install_test.sh
# both run contract tests through here.
#
#   run-contract.sh SOURCE BINARY SAMPLES-DIR
#
# Arguments: a line "contract-args: WORD..." in SOURCE's leading comment,
# each WORD one of SCRATCH (the empty scratch directory), SAMPLES
# (examples/threads) or NONE; without such a line, the scratch directory
# alone, as argv[1] (a test that takes no arguments ignores it).
set -eu
src=$1 bin=$2 samples=$3
name=$(basename "$src" .c)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/forumsearch-contract-$name-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# The leading comment ends at the first "*/".
spec=$(sed -n -e '/contract-args:/{s/^.*contract-args:[[:space:]]*//p;q;}' \
       -e '/\*\//q' "$src")
set --
for word in ${spec:-SCRATCH}; do
  case $word in
    SCRATCH) set -- "$@" "$scratch" ;;
    SAMPLES) set -- "$@" "$samples" ;;
    NONE) ;;
    *) echo "run-contract: $src: unknown contract-args word '$word'" >&2
       exit 2 ;;
  esac
done
status=0
(cd "$scratch" && "$bin" "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "run-contract: $name $*: exit $status" >&2
fi
exit "$status"
