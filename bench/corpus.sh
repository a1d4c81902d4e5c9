# Sourced by run.sh, relevance.sh and rss_series.sh (bash).
#
# ensure_corpus OUT SIZE_MB SEED: generates the corpus of SIZE_MB MiB of
# post text into OUT/corpus-<SIZE>mb-s<SEED> (and its .posts.jsonl next
# to it) unless it is there from an earlier run of the same generator
# over the same text packages; sets $corpus and $posts.
ensure_corpus() {
    local dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    corpus=$1/corpus-${2}mb-s$3
    posts=$corpus.posts.jsonl
    local stamp
    stamp="$(sha256sum "$dir/gen_corpus" | cut -c1-16) $(dpkg-query -W -f='${Version}' manpages-zh manpages 2>/dev/null | tr '\n' ' ')"
    if [ ! -f "$corpus.done" ] || [ "$(cat "$corpus.done")" != "$stamp" ]; then
        echo "== generating the corpus ($2 MiB of post text, seed $3)" >&2
        rm -rf "$corpus" "$posts" "$corpus.done"
        /usr/bin/python3 "$dir/gen_corpus" "$corpus" --mb "$2" --seed "$3" --posts "$posts"
        printf '%s' "$stamp" >"$corpus.done"
    fi
}
