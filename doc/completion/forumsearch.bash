# bash completion for forum-search and forum-index (forumsearch).
# Installed as .../bash-completion/completions/forum-search and
# .../forum-index. Completes options and their values, database paths,
# query fields, and author:/board: values read from the database
# (forum-search --values: the term list only, cheap).

_forumsearch_db_arg() {
    # The first word that is not an option or an option's value.
    local i w skip=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((skip)); then skip=0; continue; fi
        case $w in
            --) ;;
            --*=*) ;;
            -n|-o|-c|-j|--limit|--offset|--sort|--scope|--format|--color|--colour|\
            --snippet-chars|--markers|--thread|--floor|--context|--values|\
            --timeout|--commit-every|--jobs|--shards)
                skip=1 ;;
            -*) ;;
            *) printf '%s\n' "$w"; return ;;
        esac
    done
}

_forum_search() {
    local cur prev words cword
    _init_completion -n := || return
    case $prev in
        --format) COMPREPLY=($(compgen -W "text json html plain" -- "$cur")); return ;;
        --sort) COMPREPLY=($(compgen -W "relevance date floor" -- "$cur")); return ;;
        --scope) COMPREPLY=($(compgen -W "post thread" -- "$cur")); return ;;
        --color|--colour) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --values) COMPREPLY=($(compgen -W "author board" -- "$cur")); return ;;
        -n|-o|--limit|--offset|--snippet-chars|--markers|--thread|--floor|--context|\
        --timeout)
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--posts --limit --offset --count --sort --scope
            --json --format --markers --snippet-chars --color --explain
            --thread --floor --context --values --partial --timeout --help
            --version" -- "$cur"))
        return
    fi
    local db
    db=$(_forumsearch_db_arg)
    if [[ -z $db ]]; then
        _filedir -d
        return
    fi
    case $cur in
        author:*|board:*)
            local field=${cur%%:*} start=${cur#*:} value
            start=${start#\"}
            local IFS=$'\n'
            COMPREPLY=()
            while IFS=$'\t' read -r value _; do
                [[ -n $value ]] || continue
                if [[ $value == *[[:space:]]* ]]; then
                    COMPREPLY+=("$field:\"$value\"")
                else
                    COMPREPLY+=("$field:$value")
                fi
            done < <("${COMP_WORDS[0]}" --values "$field" -- "$db" "$start" 2>/dev/null | head -n 200)
            __ltrim_colon_completions "$cur"
            ;;
        *)
            COMPREPLY=($(compgen -W "author: title: board: thread: floor:
                date: OR NOT" -- "$cur"))
            __ltrim_colon_completions "$cur"
            compopt -o nospace 2>/dev/null
            ;;
    esac
}

_forum_index() {
    local cur prev words cword
    _init_completion || return
    case $prev in
        -c|-j|--commit-every|--jobs|--shards) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--force --wait-lock --commit-every --jobs
            --shards --compact --no-compact --stats --json --quiet --verbose --help
            --version" -- "$cur"))
        return
    fi
    local db
    db=$(_forumsearch_db_arg)
    if [[ -z $db ]]; then
        _filedir -d
    else
        _filedir
    fi
}

complete -F _forum_search forum-search
complete -F _forum_index forum-index
