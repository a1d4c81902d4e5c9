#!/usr/bin/env bash
# The manual pages and bash completion, as installed: cmake --install
# puts forum-index(1), forum-search(1), forumsearch-query(7) and the
# completions where man and bash-completion look; man -l renders each
# without a warning (in a UTF-8 locale: the pages show Chinese); each
# page names every option its tool's --help names; the completion offers
# options, option values, field names and author:/board: values from the
# database.
# forum-serve(1) too, when FORUM-SERVE is given (a build with it).
# usage: docs_check.sh BUILD-DIR FORUM-INDEX FORUM-SEARCH SAMPLES-DIR [FORUM-SERVE]
set -u
build=$1 INDEX=$2 SEARCH=$3 SAMPLES=$4 SERVE=${5:-}
work=$(mktemp -d /tmp/forumsearch-docs-XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0 checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "cmake --install"; }
for f in share/man/man1/forum-index.1 share/man/man1/forum-search.1 \
         share/man/man7/forumsearch-query.7 \
         share/bash-completion/completions/forum-search \
         share/bash-completion/completions/forum-index \
         ${SERVE:+share/man/man1/forum-serve.1}; do
  checks=$((checks + 1))
  [ -s "$prefix/$f" ] || fail "not installed: $f"
done

for page in "$prefix"/share/man/man*/*; do
  checks=$((checks + 1))
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$work/page" 2>"$work/warn"
  if [ -s "$work/warn" ] || [ ! -s "$work/page" ]; then
    fail "man -l $(basename "$page") warns:"; head -5 "$work/warn" >&2
  fi
done
# Every long option of --help is in the page.
for tool in forum-search forum-index ${SERVE:+forum-serve}; do
  bin=$SEARCH; [ "$tool" = forum-index ] && bin=$INDEX
  [ "$tool" = forum-serve ] && bin=$SERVE
  LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$prefix/share/man/man1/$tool.1" 2>/dev/null >"$work/page"
  for opt in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    checks=$((checks + 1))
    grep -qF -- "$opt" "$work/page" || fail "$tool.1 lacks $opt (in --help)"
  done
done

# Completion, driven as bash-completion drives it.
db=$work/db
"$INDEX" -q "$db" "$SAMPLES" || fail "index"
complete_words() { # TOOL WORD...: the completions of the last word
  local fn=$1; shift
  bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$1"; shift
    fn=$1; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    $fn
    printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$prefix/share/bash-completion/completions/forum-search" "$fn" "$@"
}
expect_completion() { # DESCRIPTION WANT-LINE FN WORD...
  local what=$1 want=$2; shift 2
  checks=$((checks + 1))
  complete_words "$@" >"$work/comp" 2>&1
  grep -qxF -- "$want" "$work/comp" || { fail "completion $what: no \"$want\""; head -5 "$work/comp" >&2; }
}
expect_completion "option" "--explain" _forum_search "$SEARCH" --ex
expect_completion "format value" "html" _forum_search "$SEARCH" --format ""
expect_completion "sort value" "date" _forum_search "$SEARCH" --sort d
expect_completion "database directory" "$work/db" _forum_search "$SEARCH" "$work/d"
expect_completion "field name" "author:" _forum_search "$SEARCH" "$db" au
expect_completion "board value" "tech" _forum_search "$SEARCH" "$db" board:te
expect_completion "author value" "supernova13" _forum_search "$SEARCH" -n 3 "$db" 川普 author:super
expect_completion "forum-index option" "--stats" _forum_index "$INDEX" --st

echo "docs_check: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
