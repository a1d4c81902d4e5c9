# Sourced by the end-to-end shell tests (bash), after they set $work:
# the check counters and the assertions they share. Each assertion
# counts one check; a failed one says why on stderr and is counted.
failures=0 checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# expect_exit CODE DESCRIPTION -- COMMAND...: runs it, keeping its output
# in $work/out and $work/err.
expect_exit() {
  local want=$1 what=$2; shift 3
  checks=$((checks + 1))
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || { fail "$what: exit $got, want $want"; sed 's/^/  stderr: /' "$work/err" | head -20 >&2; }
}
expect_in() { # FILE TEXT DESCRIPTION
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || { fail "$3: no \"$2\" in $(basename "$1")"; sed 's/^/  | /' "$1" | head -20 >&2; }
}
expect_not_in() { # FILE TEXT DESCRIPTION
  checks=$((checks + 1))
  ! grep -qF -- "$2" "$1" || fail "$3: unexpected \"$2\" in $(basename "$1")"
}
