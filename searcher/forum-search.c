/* forum-search: searches a forumsearch database from the shell, and
 * reads a thread. A thin layer over forum_query_create() /
 * forum_query_run() and forum_db_thread_open(): argument parsing and
 * output formatting only. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

#include "args.h"
#include "cliutil.h"
#include "hit_json.h"

#define PROGRAM "forum-search"

enum {
    OPT_COLOR = 256, OPT_SORT, OPT_FORMAT, OPT_SNIPPET, OPT_MARKERS,
    OPT_THREAD, OPT_FLOOR, OPT_CONTEXT, OPT_EXPLAIN, OPT_VALUES, OPT_SCOPE,
    OPT_PARTIAL, OPT_TIMEOUT
};

static const struct option long_options[] = {
    {"json", no_argument, NULL, 'j'},              /* = --format=json */
    {"format", required_argument, NULL, OPT_FORMAT},
    {"posts", no_argument, NULL, 'p'},             /* Do not collapse. */
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, 'o'},
    {"count", no_argument, NULL, 'c'},
    {"sort", required_argument, NULL, OPT_SORT},
    {"scope", required_argument, NULL, OPT_SCOPE},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"snippet-chars", required_argument, NULL, OPT_SNIPPET},
    {"markers", required_argument, NULL, OPT_MARKERS},
    {"thread", required_argument, NULL, OPT_THREAD},
    {"floor", required_argument, NULL, OPT_FLOOR},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"values", required_argument, NULL, OPT_VALUES},
    {"partial", no_argument, NULL, OPT_PARTIAL},   /* Remote shards. */
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};
#define SHORT_OPTIONS "jpn:o:chV"

static void usage(FILE *out)
{
    fprintf(out,
"Usage: " PROGRAM " [OPTION]... DB QUERY...\n"
"       " PROGRAM " --thread ID [--floor N] [OPTION]... DB [QUERY...]\n"
"       " PROGRAM " --explain [OPTION]... DB QUERY...\n"
"       " PROGRAM " --values author|board DB [PREFIX]\n"
"Search the forumsearch database DB. The words of QUERY are joined.\n"
"Options may come before or after DB and QUERY; after \"--\" everything\n"
"is QUERY (so a query may start with -).\n"
"\n"
"Query syntax:\n"
"  川普 openai         posts containing both (AND is implied)\n"
"  \"马斯克 川普\"        the exact text, spaces included (also “…”)\n"
"  a OR b, a | b, a|b  either (OR, AND, NOT are upper case; lower-case\n"
"                      and/or/not are words)\n"
"  -a, NOT a           without\n"
"  ( ... )             grouping\n"
"  author:NAME         posts by NAME (quote names with spaces)\n"
"  title:WORDS         articles whose thread title contains WORDS\n"
"  board:NAME  thread:ID  thread:\"ID WITH SPACES\"\n"
"  floor:0  floor:1..  floor:2..10  (no spaces around ..)\n"
"  date:2024  date:2025-1  date:2025-5-30  date:2025-01-01..2025-01-31\n"
"  date:..2024         (a date is the whole year, month or day it names)\n"
"Chinese text matches as an exact substring; Traditional and Simplified,\n"
"full-width and half-width, upper and lower case are all the same.\n"
"Latin words match whole words. A malformed query (\"\", an unclosed\n"
"quote or parenthesis, a field without a value) is an error that names\n"
"its column. See forumsearch-query(7).\n"
"\n"
"Options:\n"
"  -p, --posts              list every matching post (default: one line\n"
"                           per thread, its best post)\n"
"  -n, --limit N            show at most N hits (default 10)\n"
"  -o, --offset N           skip the first N hits\n"
"  -c, --count              print only the numbers of posts and threads\n"
"      --sort KEY           relevance (default), date (newest first),\n"
"                           floor (thread order)\n"
"      --scope SCOPE        post (default): a post holds the whole query;\n"
"                           thread: a thread's posts together do (its\n"
"                           best post per word shown); author:, board:,\n"
"                           thread:, floor:, date: at the top still\n"
"                           choose which posts count\n"
"  -j, --json               JSON Lines, one hit per line (= --format json)\n"
"      --format FMT         text (default), json, html, plain\n"
"      --markers OPEN,CLOSE highlight markers for --format plain\n"
"                           (default \"[,]\")\n"
"      --snippet-chars N    snippet length in characters (default 120)\n"
"      --color WHEN         auto (default), always, never; NO_COLOR is\n"
"                           honoured\n"
"      --explain            instead of hits, show how QUERY is understood:\n"
"                           parsed tree, normalized words, index terms and\n"
"                           their frequencies, candidates from Xapian and\n"
"                           posts kept by the text check, stage times (one\n"
"                           JSON object with --json)\n"
"\n"
"Reading a thread (each text hit ends with the command that opens it):\n"
"      --thread ID          print thread ID whole, in floor order: title,\n"
"                           board, source, every post with its floor,\n"
"                           author and date; QUERY's words are marked\n"
"      --floor N            only post N and --context posts around it\n"
"      --context K          posts before and after --floor (default 2)\n"
"\n"
"      --values FIELD       instead of searching, list the authors or\n"
"                           boards (FIELD author or board) that start with\n"
"                           QUERY, as indexed, with their numbers of posts\n"
"                           (for completion: each works as FIELD:VALUE)\n"
"\n");
    /* In two parts: C compilers need only take 4095-byte strings. */
    fprintf(out,
"Remote shards (a DB whose XAPIANDB lists \"remote HOST:PORT\" lines):\n"
"      --partial            answer even when remote shards are down, from\n"
"                           the others (stderr and JSON name the missing)\n"
"      --timeout SECONDS    wait at most this long for a remote shard to\n"
"                           connect or reply (default 10)\n"
"\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show versions and exit\n"
"\n"
"Exit status: 0 found; 1 nothing found (no hit, no such thread); 2 usage\n"
"error; 3 database error; 5 bad query; 69 a remote shard is down.\n");
}

typedef enum format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_PLAIN } format_t;

typedef struct cli {
    const char *argv0;       /* As run: the command lines we print. */
    format_t format;
    bool color;
    bool count_only;
    bool explain;
    forum_search_options_t search;
    forum_snippet_options_t snippet;
    char *mark_open, *mark_close;
    const char *thread_id;   /* --thread */
    const char *values;      /* --values */
    long long floor;         /* --floor, or -1 */
    long long context;       /* --context */
    const char *db_path;
    char *query;             /* The words joined, or NULL. */
    forum_results_t *results; /* Thread scope: snippets of hit->also;
                                 remote shards: the missing ones. */
    forum_open_options_t open; /* --partial, --timeout */
} cli_t;

#define SGR_MARK "\033[1;31m"
#define SGR_TITLE "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_RESET "\033[0m"

static void html_escaped(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(s[i], out);
        }
    }
}

static void html_str(FILE *out, const char *s)
{
    html_escaped(out, s, strlen(s));
}

/* Writes text for a terminal: control characters (C0, DEL, C1 — the
 * stuff of escape sequences) in posts, titles or file names become
 * U+FFFD, so nothing a post says can drive the terminal or break the
 * layout. Line breaks are kept when keep_newlines (a whole post). */
static void terminal_text(FILE *out, const char *s, size_t len,
                          bool keep_newlines)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        int c1 = p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 &&
                 p[i + 1] <= 0x9F;
        if (keep_newlines && p[i] == '\n')
            continue;
        if (p[i] < 0x20 || p[i] == 0x7F || c1) {
            fwrite(s + start, 1, i - start, out);
            fputs("\xEF\xBF\xBD", out);
            i += c1;
            start = i + 1;
        }
    }
    fwrite(s + start, 1, len - start, out);
}

static void terminal_safe(FILE *out, const char *s, size_t len)
{
    terminal_text(out, s, len, false);
}

static void terminal_str(FILE *out, const char *s)
{
    terminal_safe(out, s, strlen(s));
}

/* Writes text with its marks shown as `open`/`close` strings (escape
 * codes, markers or tags). A whole post keeps its line breaks, each
 * followed by `indent`. */
static void marked_text(FILE *out, const char *text, size_t len,
                        const forum_span_t *marks, size_t n_marks,
                        const char *open, const char *close, bool html,
                        const char *indent)
{
    size_t pos = 0;
    for (size_t i = 0; i <= n_marks; i++) {
        size_t end = i < n_marks ? marks[i].start : len;
        for (int part = 0; part < 2; part++) {
            /* Part 0: the text before the mark; part 1: the mark. */
            if (part == 1 && i == n_marks)
                break;
            size_t from = part == 0 ? pos : end;
            size_t to = part == 0 ? end : marks[i].end;
            if (part == 1)
                fputs(open, out);
            while (from < to) {
                const char *nl = indent ? memchr(text + from, '\n',
                                                 to - from) : NULL;
                size_t stop = nl ? (size_t)(nl - text) : to;
                if (html)
                    html_escaped(out, text + from, stop - from);
                else
                    terminal_safe(out, text + from, stop - from);
                if (nl == NULL)
                    break;
                if (part == 1)
                    fputs(close, out); /* No colour across the indent. */
                fputc('\n', out);
                fputs(indent, out);
                if (part == 1)
                    fputs(open, out);
                from = stop + 1;
            }
            if (part == 1)
                fputs(close, out);
        }
        if (i < n_marks)
            pos = marks[i].end;
    }
}

static void marked(FILE *out, const forum_snippet_t *snip, const char *open,
                   const char *close, bool html)
{
    marked_text(out, snip->text, snip->len, snip->marks, snip->n_marks,
                open, close, html, NULL);
}

static void floor_label(char out[32], int floor)
{
    if (floor == 0)
        snprintf(out, 32, "楼主");
    else
        snprintf(out, 32, "#%d", floor);
}

/* The marks the chosen format shows: colour, markers or nothing. */
static const char *mark_open(const cli_t *cli)
{
    return cli->format == FMT_PLAIN ? cli->mark_open
           : cli->color             ? SGR_MARK
                                    : "";
}

static const char *mark_close(const cli_t *cli, const char *after)
{
    return cli->format == FMT_PLAIN ? cli->mark_close
           : cli->color             ? after
                                    : "";
}

/* Writes thread:"ID" as the query language reads it back. */
static void thread_term(FILE *out, const char *id)
{
    if (strchr(id, '"') == NULL)
        fprintf(out, "thread:\"%s\"", id);
    else
        fprintf(out, "thread:“%s”", id);
}

/* The command line that opens a thread at a floor, for pasting. */
static void open_command(FILE *out, const cli_t *cli, const char *thread_id,
                         int floor)
{
    cli_shell_quote(out, cli->argv0);
    fputs(" --thread ", out);
    cli_shell_quote(out, thread_id);
    if (floor > 0)
        fprintf(out, " --floor %d", floor);
    fputc(' ', out);
    cli_shell_quote(out, cli->db_path);
    if (cli->query && cli->query[0]) {
        fputs(cli->query[0] == '-' ? " -- " : " ", out);
        cli_shell_quote(out, cli->query);
    }
}

/* Writes what fn writes, made safe for a terminal. */
static void terminal_via(FILE *out, const cli_t *cli, const char *thread_id,
                         int floor, bool command)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL)
        return;
    if (command)
        open_command(mem, cli, thread_id, floor);
    else
        thread_term(mem, thread_id);
    if (fclose(mem) == 0)
        terminal_safe(out, buf, len);
    free(buf);
}

/* Thread scope: the posts shown with a hit (for each word its own post
 * lacks, the best post that has it), after its snippet. */
static void print_also(const cli_t *cli, const forum_hit_t *hit)
{
    for (size_t i = 0; i < hit->n_also; i++) {
        const forum_hit_t *post = &hit->also[i];
        forum_snippet_t *snip = NULL;
        if (forum_results_snippet(cli->results, post, &cli->snippet,
                                  &snip) != FORUM_OK)
            continue; /* Out of memory: one line fewer. */
        char floor[32], date[32];
        floor_label(floor, post->floor);
        cli_format_date(date, post->date);
        if (cli->format == FMT_HTML) {
            printf("<p class=\"also\"><span class=\"floor\">%s</span> "
                   "<span class=\"author\">", floor);
            html_escaped(stdout, post->author, strlen(post->author));
            fputs("</span> ", stdout);
            marked(stdout, snip, "<mark>", "</mark>", true);
            fputs("</p>", stdout);
        } else {
            printf("\n   + %s", floor);
            if (post->author[0]) {
                putchar(' ');
                terminal_str(stdout, post->author);
            }
            if (date[0])
                printf(" · %.10s", date);
            fputs("\n     ", stdout);
            marked(stdout, snip, mark_open(cli), mark_close(cli, SGR_RESET),
                   false);
        }
        forum_snippet_destroy(snip);
    }
}

static void print_text(const cli_t *cli, const forum_hit_t *hit,
                       const forum_snippet_t *title,
                       const forum_snippet_t *snip)
{
    char date[32], floor[32];
    cli_format_date(date, hit->date);
    floor_label(floor, hit->floor);
    const char *bold = cli->color ? SGR_TITLE : "";
    const char *dim = cli->color ? SGR_DIM : "";
    const char *reset = cli->color ? SGR_RESET : "";
    printf("%u. %s", hit->rank + 1, bold);
    if (hit->title[0])
        marked(stdout, title, mark_open(cli),
               mark_close(cli, SGR_RESET SGR_TITLE), false); /* Stay bold. */
    else
        terminal_str(stdout, hit->thread_id);
    fputs(reset, stdout);
    if (hit->board[0]) {
        printf(" %s[", dim);
        terminal_str(stdout, hit->board);
        printf("]%s", reset);
    }
    printf("\n   %s", floor);
    if (hit->author[0]) {
        putchar(' ');
        terminal_str(stdout, hit->author);
    }
    if (date[0])
        printf(" · %.10s", date);
    if (cli->search.sort == FORUM_SORT_RELEVANCE)
        printf(" · score %.2f", hit->score);
    if (cli->search.collapse_threads && hit->thread_matches > 1)
        printf(" · %llu posts matched",
               (unsigned long long)hit->thread_matches);
    printf(" · %s", dim);
    terminal_via(stdout, cli, hit->thread_id, hit->floor, false);
    printf("%s\n   ", reset);
    marked(stdout, snip, mark_open(cli), mark_close(cli, SGR_RESET), false);
    print_also(cli, hit);
    printf("\n   %s", dim);
    terminal_via(stdout, cli, hit->thread_id, hit->floor, true);
    printf("%s\n\n", reset);
}

/* ,"missing_shards":[...] when remote shards were left out
 * (--partial); nothing when every shard answered. */
static void json_missing(const cli_t *cli)
{
    size_t n = forum_results_missing_shards(cli->results);
    fputs(",\"missing_shards\":[", stdout);
    for (size_t i = 0; i < n; i++) {
        const char *name = forum_results_missing_shard(cli->results, i);
        if (i)
            putchar(',');
        cli_json_string(stdout, name, strlen(name));
    }
    putchar(']');
}

/* Writes an object made in memory, with the missing shards as its last
 * member when there are any; frees it. */
static void json_with_missing(const cli_t *cli, char *object, size_t len)
{
    if (len && forum_results_missing_shards(cli->results)) {
        fwrite(object, 1, len - 1, stdout); /* Without its "}". */
        json_missing(cli);
        fputs("}\n", stdout);
    } else {
        fwrite(object, 1, len, stdout);
        putchar('\n');
    }
    free(object);
}

static void print_json(const cli_t *cli, const forum_hit_t *hit,
                       const forum_snippet_t *title,
                       const forum_snippet_t *snip)
{
    cli_hit_json_open(stdout, hit, title, snip, cli->search.collapse_threads);
    cli_also_json(stdout, cli->results, hit, &cli->snippet);
    if (forum_results_missing_shards(cli->results))
        json_missing(cli);
    fputs("}\n", stdout);
}

static void print_html(const cli_t *cli, const forum_hit_t *hit,
                       const forum_snippet_t *title,
                       const forum_snippet_t *snip)
{
    char floor[32], date[32];
    floor_label(floor, hit->floor);
    cli_format_date(date, hit->date);
    printf("<div class=\"hit\" data-rank=\"%u\"><h3>", hit->rank + 1);
    if (hit->title[0])
        marked(stdout, title, "<mark>", "</mark>", true);
    else
        html_str(stdout, hit->thread_id);
    fputs("</h3><p class=\"meta\"><span class=\"board\">", stdout);
    html_str(stdout, hit->board);
    printf("</span> <span class=\"floor\">%s</span> <span class=\"author\">",
           floor);
    html_str(stdout, hit->author);
    fputs("</span>", stdout);
    if (date[0])
        printf(" <time datetime=\"%s\">%.10s</time>", date, date);
    if (cli->search.sort == FORUM_SORT_RELEVANCE)
        printf(" <span class=\"score\">score %.2f</span>", hit->score);
    if (cli->search.collapse_threads && hit->thread_matches > 1)
        printf(" <span class=\"matches\">%llu posts matched</span>",
               (unsigned long long)hit->thread_matches);
    fputs(" <code class=\"thread\">", stdout);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem) {
        thread_term(mem, hit->thread_id);
        if (fclose(mem) == 0)
            html_escaped(stdout, buf, len);
        free(buf);
    }
    fputs("</code> <span class=\"path\">", stdout);
    html_str(stdout, hit->path);
    fputs("</span></p><p class=\"snippet\">", stdout);
    marked(stdout, snip, "<mark>", "</mark>", true);
    fputs("</p>", stdout);
    print_also(cli, hit);
    fputs("</div>\n", stdout);
}

/* "N posts in M threads" (or "N posts"), then " matched" after hits. */
static void counts_line(FILE *out, const cli_t *cli, uint64_t posts,
                        uint64_t threads, const char *tail)
{
    if (cli->search.collapse_threads)
        fprintf(out, "%llu post%s in %llu thread%s%s",
                (unsigned long long)posts, posts == 1 ? "" : "s",
                (unsigned long long)threads, threads == 1 ? "" : "s", tail);
    else
        fprintf(out, "%llu post%s%s", (unsigned long long)posts,
                posts == 1 ? "" : "s", tail);
}

/* ---- Arguments ----------------------------------------------------- */

static int parse_format(const char *arg, format_t *out)
{
    static const char *const names[] = {"text", "json", "html", "plain"};
    for (int i = 0; i < 4; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = (format_t)i;
            return 0;
        }
    fprintf(stderr, PROGRAM ": --format must be text, json, html or plain, "
            "not \"%s\"\n", arg);
    return -1;
}

static int parse_sort(const char *arg, forum_sort_t *out)
{
    if (strcmp(arg, "relevance") == 0)
        *out = FORUM_SORT_RELEVANCE;
    else if (strcmp(arg, "date") == 0)
        *out = FORUM_SORT_DATE;
    else if (strcmp(arg, "floor") == 0)
        *out = FORUM_SORT_FLOOR;
    else {
        fprintf(stderr, PROGRAM ": --sort must be relevance, date or floor, "
                "not \"%s\"\n", arg);
        return -1;
    }
    return 0;
}

/* One option; -1 when it is wrong (a message printed), 1 when it is
 * --help or --version (done). */
static int take_option(cli_t *cli, int c, const cli_args_t *args,
                       cli_color_t *color)
{
    const char *arg = args->arg;
    long long n;
    switch (c) {
    case 'j': cli->format = FMT_JSON; return 0;
    case OPT_FORMAT: return parse_format(arg, &cli->format);
    case 'p': cli->search.collapse_threads = false; return 0;
    case 'n':
    case 'o':
        if (cli_number_option(PROGRAM, args->name, arg, 0, 1000000, &n))
            return -1;
        if (c == 'n')
            cli->search.limit = (size_t)n;
        else
            cli->search.offset = (size_t)n;
        return 0;
    case OPT_SNIPPET:
        if (cli_number_option(PROGRAM, args->name, arg, 1, 1000000, &n))
            return -1;
        cli->snippet.max_chars = (size_t)n;
        return 0;
    case 'c': cli->count_only = true; return 0;
    case OPT_EXPLAIN: cli->explain = true; return 0;
    case OPT_VALUES:
        if (strcmp(arg, "author") != 0 && strcmp(arg, "board") != 0) {
            fprintf(stderr, PROGRAM ": --values lists author or board, "
                    "not \"%s\"\n", arg);
            return -1;
        }
        cli->values = arg;
        return 0;
    case OPT_SORT: return parse_sort(arg, &cli->search.sort);
    case OPT_SCOPE:
        if (strcmp(arg, "post") == 0 || strcmp(arg, "thread") == 0) {
            cli->search.scope = arg[0] == 't' ? FORUM_SCOPE_THREAD
                                              : FORUM_SCOPE_POST;
            return 0;
        }
        fprintf(stderr, PROGRAM ": --scope must be post or thread, not "
                "\"%s\"\n", arg);
        return -1;
    case OPT_COLOR:
        if (cli_parse_color(arg, color) != 0) {
            fprintf(stderr, PROGRAM ": --color must be auto, always or "
                    "never, not \"%s\"\n", arg);
            return -1;
        }
        return 0;
    case OPT_MARKERS: {
        const char *comma = strchr(arg, ',');
        if (comma == NULL) {
            fprintf(stderr, PROGRAM ": --markers needs OPEN,CLOSE\n");
            return -1;
        }
        free(cli->mark_open);
        free(cli->mark_close);
        cli->mark_open = strndup(arg, (size_t)(comma - arg));
        cli->mark_close = strdup(comma + 1);
        return 0;
    }
    case OPT_THREAD:
        if (arg[0] == '\0') {
            fprintf(stderr, PROGRAM ": --thread needs a thread id\n");
            return -1;
        }
        cli->thread_id = arg;
        return 0;
    case OPT_FLOOR:
        if (cli_number_option(PROGRAM, args->name, arg, 0, INT_MAX,
                              &cli->floor))
            return -1;
        return 0;
    case OPT_CONTEXT:
        return cli_number_option(PROGRAM, args->name, arg, 0, INT_MAX,
                                 &cli->context);
    case OPT_PARTIAL: cli->open.partial = true; return 0;
    case OPT_TIMEOUT: {
        char *end = NULL;
        double seconds = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(seconds >= 0.001) ||
            seconds > 86400) {
            fprintf(stderr, PROGRAM ": --timeout needs seconds (0.001 to "
                    "86400), not \"%s\"\n", arg);
            return -1;
        }
        cli->open.remote_timeout_ms = (unsigned)(seconds * 1000 + 0.5);
        return 0;
    }
    case 'h': usage(stdout); return 1;
    case 'V':
        printf(PROGRAM " %s (libforumsearch %s, %s)\n",
               forum_version_string(), forum_version_string(),
               forum_dependency_versions());
        return 1;
    default:
        return -1;
    }
}

/* Joins words with single spaces: the query as typed. */
static char *join_words(char **words, int n)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    char *query = malloc(len);
    if (query == NULL)
        return NULL;
    query[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            strcat(query, " ");
        strcat(query, words[i]);
    }
    return query;
}

/* 0: go on; 1: done (help, version); -1: usage error (reported). */
static int parse_args(cli_t *cli, int argc, char **argv)
{
    cli_color_t color = CLI_COLOR_AUTO;
    cli_args_t args;
    if (cli_args_init(&args, PROGRAM, argc, argv, SHORT_OPTIONS,
                      long_options) != 0) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return -1;
    }
    int c, rc = 0;
    while (rc == 0 && (c = cli_args_next(&args)) != -1)
        rc = take_option(cli, c, &args, &color);
    if (cli->search.scope == FORUM_SCOPE_THREAD)
        cli->search.collapse_threads = true; /* Hits are threads. */
    if (rc == 0 && cli->floor >= 0 && cli->thread_id == NULL) {
        fprintf(stderr, PROGRAM ": --floor goes with --thread ID\n");
        rc = -1;
    }
    if (rc == 0 && (cli->thread_id || cli->values) && args.n_operands < 1) {
        fprintf(stderr, PROGRAM ": %s needs a database\n",
                cli->thread_id ? "--thread" : "--values");
        rc = -1;
    }
    if (rc == 0 && cli->thread_id == NULL && cli->values == NULL &&
        args.n_operands < 2) {
        fprintf(stderr, PROGRAM ": need a database and a query\n");
        rc = -1;
    }
    if (rc == 0) {
        cli->db_path = args.operands[0];
        cli->query = join_words(args.operands + 1, args.n_operands - 1);
        if (cli->query == NULL) {
            fprintf(stderr, PROGRAM ": out of memory\n");
            rc = -1;
        }
    }
    cli_args_free(&args);
    cli->color = (cli->format == FMT_TEXT) && cli_use_color(color, stdout);
    return rc;
}

/* ---- Searching ----------------------------------------------------- */

/* Lower-case and, or, not are words (operators are upper case): when a
 * query with one finds nothing, say so. */
static void hint_operators(const char *query)
{
    bool quoted = false;
    const char *word = query;
    for (const char *p = query;; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (*p != ' ' && *p != '\0')
            continue;
        size_t len = (size_t)(p - word);
        if (!quoted && ((len == 3 && (strncmp(word, "and", 3) == 0 ||
                                      strncmp(word, "not", 3) == 0)) ||
                        (len == 2 && strncmp(word, "or", 2) == 0))) {
            char upper[4] = {0};
            for (size_t i = 0; i < len; i++)
                upper[i] = (char)(word[i] - 'a' + 'A');
            fprintf(stderr, PROGRAM ": note: \"%.*s\" was searched as a "
                    "word; the operator is %s\n", (int)len, word, upper);
        }
        if (*p == '\0')
            break;
        word = p + 1;
    }
}

/* A post-scope query that found nothing may still have every word in
 * one thread, spread over its posts (a title word and a reply word):
 * say how many threads thread scope finds. Only on the empty answer,
 * so what it costs is never paid by a search that found something. */
static void hint_thread_scope(const cli_t *cli, forum_db_t *db)
{
    if (cli->search.scope != FORUM_SCOPE_POST)
        return;
    forum_search_options_t opts = cli->search;
    opts.scope = FORUM_SCOPE_THREAD;
    opts.offset = 0;
    opts.limit = 1;
    opts.exact_counts = true;
    forum_query_t *query = NULL;
    forum_results_t *results = NULL;
    uint64_t posts = 0, threads = 0;
    if (forum_query_create(&query, db, cli->query, strlen(cli->query),
                           &opts) == FORUM_OK &&
        forum_query_run(query, &results) == FORUM_OK)
        forum_results_counts(results, &posts, &threads);
    forum_query_destroy(query);
    if (threads > 0)
        fprintf(stderr, PROGRAM ": note: no single post holds the whole "
                "query; the posts of %" PRIu64 " thread%s hold it together "
                "(--scope thread)\n", threads, threads == 1 ? "" : "s");
}

/* Reports a failed forum_query_create(); its exit code. */
static int query_failed(const cli_t *cli, forum_db_t *db,
                        forum_status_t status)
{
    fprintf(stderr, PROGRAM ": %s: %s\n",
            status == FORUM_EQUERY ? "bad query" : "error",
            forum_db_last_error(db));
    if (status == FORUM_EQUERY && cli_is_tty(stderr)) {
        /* For a person, point at the column under the query. */
        fprintf(stderr, "  %s\n  %*s^\n", cli->query,
                (int)forum_db_last_error_column(db) - 1, "");
    }
    return cli_exit_for(status);
}

static int search(cli_t *cli, forum_db_t *db)
{
    forum_query_t *query = NULL;
    forum_status_t status = forum_query_create(
        &query, db, cli->query, strlen(cli->query), &cli->search);
    if (status != FORUM_OK)
        return query_failed(cli, db, status);
    int exit_code = EXIT_RUNTIME;
    forum_results_t *results;
    status = forum_query_run(query, &results);
    cli->results = results;
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        exit_code = cli_exit_for(status);
        goto out;
    }
    for (size_t i = 0; i < forum_results_missing_shards(results); i++)
        fprintf(stderr, PROGRAM ": warning: %s is missing: results come "
                "from the other shards\n",
                forum_results_missing_shard(results, i));
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    if (cli->count_only) {
        if (cli->format == FMT_JSON) {
            char *object = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&object, &len);
            if (f) {
                cli_counts_json(f, posts, threads);
                fclose(f);
                json_with_missing(cli, object, len);
            }
        } else if (cli->format == FMT_HTML) {
            fputs("<p class=\"counts\">", stdout);
            counts_line(stdout, cli, posts, threads, "");
            fputs("</p>\n", stdout);
        } else {
            counts_line(stdout, cli, posts, threads, "");
            putchar('\n');
        }
        exit_code = posts ? EXIT_OK : EXIT_NO_HITS;
        goto out;
    }
    const forum_hit_t *hit;
    size_t shown = 0;
    while ((status = forum_results_next(results, &hit)) == FORUM_OK) {
        forum_snippet_t *snip = NULL, *title = NULL;
        status = forum_results_snippet(results, hit, &cli->snippet, &snip);
        if (status == FORUM_OK)
            status = forum_results_title(results, hit, &title);
        if (status != FORUM_OK) {
            forum_snippet_destroy(snip);
            break;
        }
        if (cli->format == FMT_JSON)
            print_json(cli, hit, title, snip);
        else if (cli->format == FMT_HTML)
            print_html(cli, hit, title, snip);
        else
            print_text(cli, hit, title, snip);
        forum_snippet_destroy(title);
        forum_snippet_destroy(snip);
        shown++;
    }
    if (status != FORUM_ITER_DONE) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        exit_code = cli_exit_for(status);
        goto out;
    }
    if (cli->format != FMT_JSON) {
        if (cli->format == FMT_HTML)
            fputs("<p class=\"counts\">", stdout);
        counts_line(stdout, cli, posts, threads, " matched");
        if (shown)
            printf("; showing %zu-%zu", cli->search.offset + 1,
                   cli->search.offset + shown);
        fputs(cli->format == FMT_HTML ? "</p>\n" : "\n", stdout);
    }
    exit_code = posts ? EXIT_OK : EXIT_NO_HITS;
out:
    if (exit_code == EXIT_NO_HITS) {
        hint_operators(cli->query);
        /* Nothing at all, not a page past the end. */
        uint64_t posts = 0, threads = 0;
        if (cli->results)
            forum_results_counts(cli->results, &posts, &threads);
        if (posts == 0)
            hint_thread_scope(cli, db);
    }
    forum_query_destroy(query);
    return exit_code;
}

static int print_value(void *payload, const char *value, size_t len,
                       uint64_t posts)
{
    const cli_t *cli = payload;
    if (cli->format == FMT_JSON) {
        fputs("{\"value\":", stdout);
        cli_json_string(stdout, value, len);
        printf(",\"posts\":%llu}\n", (unsigned long long)posts);
    } else {
        terminal_safe(stdout, value, len);
        printf("\t%llu\n", (unsigned long long)posts);
    }
    return 0;
}

static int list_values(const cli_t *cli, forum_db_t *db)
{
    forum_status_t status = forum_db_field_values(db, cli->values,
                                                  cli->query, print_value,
                                                  (void *)cli);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        return cli_exit_for(status);
    }
    return EXIT_OK;
}

static int explain(const cli_t *cli, forum_db_t *db)
{
    char *report = NULL;
    forum_status_t status = forum_db_explain(
        &report, db, cli->query, strlen(cli->query), &cli->search,
        cli->format == FMT_JSON ? FORUM_REPORT_JSON : FORUM_REPORT_TEXT);
    if (status == FORUM_EQUERY || (status != FORUM_OK &&
                                   forum_db_last_error_column(db)))
        return query_failed(cli, db, status);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        return cli_exit_for(status);
    }
    if (cli->format == FMT_HTML) {
        fputs("<pre class=\"explain\">", stdout);
        html_str(stdout, report);
        fputs("</pre>\n", stdout);
    } else {
        fputs(report, stdout);
        if (cli->format == FMT_JSON)
            putchar('\n');
    }
    forum_free(report);
    return EXIT_OK;
}

/* ---- Reading a thread ---------------------------------------------- */

static void thread_text(const cli_t *cli, forum_thread_t *th, int first,
                        int last)
{
    const forum_thread_info_t *info = forum_thread_info(th);
    const char *bold = cli->color ? SGR_TITLE : "";
    const char *dim = cli->color ? SGR_DIM : "";
    const char *reset = cli->color ? SGR_RESET : "";
    char date[32];
    fputs(bold, stdout);
    marked_text(stdout, info->title, strlen(info->title), info->title_marks,
                info->n_title_marks, mark_open(cli),
                mark_close(cli, SGR_RESET SGR_TITLE), false, NULL);
    printf("%s", reset);
    if (info->board[0]) {
        printf(" %s[", dim);
        terminal_str(stdout, info->board);
        printf("]%s", reset);
    }
    printf("\n%s", dim);
    terminal_via(stdout, cli, info->thread_id, 0, false);
    fputs(" · ", stdout);
    terminal_str(stdout, info->path);
    if (info->source[0]) {
        fputs(" · ", stdout);
        terminal_str(stdout, info->source);
    }
    cli_format_date(date, info->date);
    if (date[0])
        printf(" · %.10s", date);
    printf(" · %zu post%s%s\n", info->n_posts, info->n_posts == 1 ? "" : "s",
           reset);
    const forum_post_t *post;
    while (forum_thread_next_post(th, &post) == FORUM_OK) {
        if (post->floor < first || post->floor > last)
            continue;
        char floor[32];
        floor_label(floor, post->floor);
        printf("\n%s%s%s", bold, floor, reset);
        if (post->author[0]) {
            putchar(' ');
            terminal_str(stdout, post->author);
        }
        cli_format_date(date, post->date);
        if (date[0])
            printf(" %s· %.16s%s", dim, date, reset);
        fputs("\n   ", stdout);
        marked_text(stdout, post->text, post->text_len, post->marks,
                    post->n_marks, mark_open(cli), mark_close(cli, SGR_RESET),
                    false, "   ");
        putchar('\n');
    }
}

static void thread_html(forum_thread_t *th, int first, int last)
{
    const forum_thread_info_t *info = forum_thread_info(th);
    char date[32];
    fputs("<article class=\"thread\"><h2>", stdout);
    marked_text(stdout, info->title, strlen(info->title), info->title_marks,
                info->n_title_marks, "<mark>", "</mark>", true, NULL);
    fputs("</h2><p class=\"meta\"><span class=\"board\">", stdout);
    html_str(stdout, info->board);
    fputs("</span> <code class=\"thread\">", stdout);
    html_str(stdout, info->thread_id);
    fputs("</code> <span class=\"path\">", stdout);
    html_str(stdout, info->path);
    fputs("</span> <span class=\"source\">", stdout);
    html_str(stdout, info->source);
    fputs("</span>", stdout);
    cli_format_date(date, info->date);
    if (date[0])
        printf(" <time datetime=\"%s\">%.10s</time>", date, date);
    printf(" <span class=\"posts\">%zu posts</span></p>\n", info->n_posts);
    const forum_post_t *post;
    while (forum_thread_next_post(th, &post) == FORUM_OK) {
        if (post->floor < first || post->floor > last)
            continue;
        char floor[32];
        floor_label(floor, post->floor);
        printf("<section class=\"post\" id=\"floor-%d\"><p class=\"meta\">"
               "<span class=\"floor\">%s</span> <span class=\"author\">",
               post->floor, floor);
        html_str(stdout, post->author);
        fputs("</span>", stdout);
        cli_format_date(date, post->date);
        if (date[0])
            printf(" <time datetime=\"%s\">%.16s</time>", date, date);
        fputs("</p><p class=\"text\">", stdout);
        marked_text(stdout, post->text, post->text_len, post->marks,
                    post->n_marks, "<mark>", "</mark>", true, NULL);
        fputs("</p></section>\n", stdout);
    }
    fputs("</article>\n", stdout);
}

static int read_thread(cli_t *cli, forum_db_t *db)
{
    forum_query_t *query = NULL;
    forum_thread_t *th = NULL;
    forum_status_t status;
    int exit_code;
    if (cli->query[0]) {
        status = forum_query_create(&query, db, cli->query,
                                    strlen(cli->query), &cli->search);
        if (status != FORUM_OK)
            return query_failed(cli, db, status);
    }
    status = forum_db_thread_open(&th, db, cli->thread_id, query);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        exit_code = status == FORUM_ENOTFOUND ? EXIT_NO_HITS
                                              : cli_exit_for(status);
        goto out;
    }
    int first = INT_MIN, last = INT_MAX;
    if (cli->floor >= 0) {
        /* Is there such a floor? Then its neighbours by position. */
        const forum_post_t *post;
        size_t at = SIZE_MAX, n = forum_thread_info(th)->n_posts;
        int floors_lo = INT_MAX, floors_hi = INT_MIN;
        while (forum_thread_next_post(th, &post) == FORUM_OK) {
            if (post->floor == cli->floor)
                at = post->index;
            floors_lo = post->floor < floors_lo ? post->floor : floors_lo;
            floors_hi = post->floor > floors_hi ? post->floor : floors_hi;
        }
        if (at == SIZE_MAX) {
            fprintf(stderr, PROGRAM ": thread \"%s\" has no floor %lld "
                    "(its floors are %d to %d)\n", cli->thread_id,
                    cli->floor, floors_lo, floors_hi);
            exit_code = EXIT_NO_HITS;
            goto out;
        }
        size_t k = (size_t)cli->context;
        size_t lo = at > k ? at - k : 0;
        size_t hi = n - 1 - at > k ? at + k : n - 1;
        forum_thread_rewind(th);
        while (forum_thread_next_post(th, &post) == FORUM_OK) {
            if (post->index == lo)
                first = post->floor;
            if (post->index == hi)
                last = post->floor;
        }
        forum_thread_rewind(th);
    }
    if (cli->format == FMT_JSON) {
        cli_thread_json(stdout, th, first, last);
        putchar('\n');
    } else if (cli->format == FMT_HTML) {
        thread_html(th, first, last);
    } else {
        thread_text(cli, th, first, last);
    }
    exit_code = EXIT_OK;
out:
    forum_thread_destroy(th);
    forum_query_destroy(query);
    return exit_code;
}

int main(int argc, char **argv)
{
    cli_t cli;
    memset(&cli, 0, sizeof cli);
    cli.argv0 = argc > 0 ? argv[0] : PROGRAM;
    cli.format = FMT_TEXT;
    cli.search = (forum_search_options_t)FORUM_SEARCH_OPTIONS_INIT;
    cli.snippet = (forum_snippet_options_t)FORUM_SNIPPET_OPTIONS_INIT;
    cli.floor = -1;
    cli.context = 2;
    cli.open = (forum_open_options_t)FORUM_OPEN_OPTIONS_INIT;
    int exit_code = EXIT_USAGE;
    forum_db_t *db = NULL;
    char *errmsg = NULL;

    int parsed = parse_args(&cli, argc, argv);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "Try '" PROGRAM " --help' for more "
                    "information.\n");
        else
            exit_code = EXIT_OK;
        goto out;
    }
    if (cli.mark_open == NULL) {
        cli.mark_open = strdup("[");
        cli.mark_close = strdup("]");
    }
    if (cli.mark_open == NULL || cli.mark_close == NULL) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        exit_code = EXIT_RUNTIME;
        goto out;
    }
    forum_status_t status = forum_db_open_with(&db, cli.db_path,
                                               FORUM_DB_READ, &cli.open,
                                               &errmsg);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n",
                errmsg ? errmsg : forum_status_to_string(status));
        exit_code = cli_exit_for(status);
        goto out;
    }
    if (forum_db_warning(db)[0])
        fprintf(stderr, PROGRAM ": warning: %s\n", forum_db_warning(db));
    exit_code = cli.thread_id ? read_thread(&cli, db)
                : cli.values  ? list_values(&cli, db)
                : cli.explain ? explain(&cli, db)
                              : search(&cli, db);
out:
    if (fflush(stdout) != 0 && exit_code != EXIT_USAGE) {
        fprintf(stderr, PROGRAM ": cannot write the results\n");
        exit_code = EXIT_RUNTIME;
    }
    forum_db_destroy(db);
    forum_free(errmsg);
    free(cli.query);
    free(cli.mark_open);
    free(cli.mark_close);
    return exit_code;
}
