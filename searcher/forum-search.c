/* forum-search: searches a forumsearch database from the shell. A thin
 * layer over forum_query_create() / forum_query_run(): argument parsing
 * and output formatting only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

#include "cliutil.h"
#include "hit_json.h"

#define PROGRAM "forum-search"

enum { OPT_COLOR = 256, OPT_SORT, OPT_FORMAT, OPT_SNIPPET, OPT_MARKERS };

static const struct option long_options[] = {
    {"json", no_argument, NULL, 'j'},              /* = --format=json */
    {"format", required_argument, NULL, OPT_FORMAT},
    {"posts", no_argument, NULL, 'p'},             /* Do not collapse. */
    {"limit", required_argument, NULL, 'n'},
    {"offset", required_argument, NULL, 'o'},
    {"count", no_argument, NULL, 'c'},
    {"sort", required_argument, NULL, OPT_SORT},
    {"color", required_argument, NULL, OPT_COLOR},
    {"snippet-chars", required_argument, NULL, OPT_SNIPPET},
    {"markers", required_argument, NULL, OPT_MARKERS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *out)
{
    fprintf(out,
"Usage: " PROGRAM " [OPTION]... DB QUERY...\n"
"Search the forumsearch database DB. The words of QUERY are joined.\n"
"\n"
"Query syntax:\n"
"  川普 openai         posts containing both (AND is implied)\n"
"  \"马斯克 川普\"        the exact text, spaces included (also “…”)\n"
"  a OR b, a|b         either (operators are upper case)\n"
"  -a, NOT a           without\n"
"  ( ... )             grouping\n"
"  author:NAME         posts by NAME (quote names with spaces)\n"
"  title:WORDS         articles whose thread title contains WORDS\n"
"  board:NAME  thread:ID\n"
"  floor:0  floor:1..  floor:2..10\n"
"  date:2024  date:2025-1  date:2025-5-30  date:2025-01-01..2025-01-31\n"
"  date:..2024         (a date is the whole year, month or day it names)\n"
"Chinese text matches as an exact substring; Traditional and Simplified,\n"
"full-width and half-width, upper and lower case are all the same.\n"
"Latin words match whole words.\n"
"\n"
"Options:\n"
"  -p, --posts              list every matching post (default: one line\n"
"                           per thread, its best post)\n"
"  -n, --limit N            show at most N hits (default 10)\n"
"  -o, --offset N           skip the first N hits\n"
"  -c, --count              print only the numbers of posts and threads\n"
"      --sort KEY           relevance (default), date (newest first),\n"
"                           floor (thread order)\n"
"  -j, --json               JSON Lines, one hit per line\n"
"      --format FMT         text (default), json, html, plain\n"
"      --markers OPEN,CLOSE highlight markers for --format plain\n"
"                           (default \"[,]\")\n"
"      --snippet-chars N    snippet length in characters (default 120)\n"
"      --color WHEN         auto (default), always, never; NO_COLOR is\n"
"                           honoured\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show versions and exit\n"
"\n"
"Exit status: 0 hits found; 1 no hits; 2 usage, query or database error.\n");
}

typedef enum format { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_PLAIN } format_t;

typedef struct cli {
    format_t format;
    bool color;
    bool count_only;
    forum_search_options_t search;
    forum_snippet_options_t snippet;
    char *mark_open, *mark_close;
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

/* Writes text for a terminal: control characters (C0, DEL, C1 — the
 * stuff of escape sequences) in posts, titles or file names become
 * U+FFFD, so nothing a post says can drive the terminal or break the
 * layout. */
static void terminal_safe(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        int c1 = p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 &&
                 p[i + 1] <= 0x9F;
        if (p[i] < 0x20 || p[i] == 0x7F || c1) {
            fwrite(s + start, 1, i - start, out);
            fputs("\xEF\xBF\xBD", out);
            i += c1;
            start = i + 1;
        }
    }
    fwrite(s + start, 1, len - start, out);
}

static void terminal_str(FILE *out, const char *s)
{
    terminal_safe(out, s, strlen(s));
}

/* Writes the snippet with its marks shown as `open`/`close` strings
 * (escape codes, markers or tags). */
static void marked(FILE *out, const forum_snippet_t *snip, const char *open,
                   const char *close, bool html)
{
    size_t pos = 0;
    for (size_t i = 0; i <= snip->n_marks; i++) {
        size_t end = i < snip->n_marks ? snip->marks[i].start : snip->len;
        if (html)
            html_escaped(out, snip->text + pos, end - pos);
        else
            terminal_safe(out, snip->text + pos, end - pos);
        if (i == snip->n_marks)
            break;
        fputs(open, out);
        size_t mark_len = snip->marks[i].end - snip->marks[i].start;
        if (html)
            html_escaped(out, snip->text + end, mark_len);
        else
            terminal_safe(out, snip->text + end, mark_len);
        fputs(close, out);
        pos = snip->marks[i].end;
    }
}

static void floor_label(char out[32], int floor)
{
    if (floor == 0)
        snprintf(out, 32, "楼主");
    else
        snprintf(out, 32, "#%d", floor);
}

/* Marks shown the way the chosen format shows them. */
static void marked_for(const cli_t *cli, const forum_snippet_t *snip,
                       const char *after)
{
    if (cli->format == FMT_PLAIN)
        marked(stdout, snip, cli->mark_open, cli->mark_close, false);
    else
        marked(stdout, snip, cli->color ? SGR_MARK : "",
               cli->color ? after : "", false);
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
        marked_for(cli, title, SGR_RESET SGR_TITLE); /* Stay bold. */
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
    printf(" %s", dim);
    terminal_str(stdout, hit->thread_id);
    printf("%s\n   ", reset);
    marked_for(cli, snip, SGR_RESET);
    fputs("\n\n", stdout);
}

static void print_json(const cli_t *cli, const forum_hit_t *hit,
                       const forum_snippet_t *title,
                       const forum_snippet_t *snip)
{
    cli_hit_json(stdout, hit, title, snip, cli->search.collapse_threads);
    putchar('\n');
}

static void print_html(const forum_hit_t *hit, const forum_snippet_t *title,
                       const forum_snippet_t *snip)
{
    char floor[32];
    floor_label(floor, hit->floor);
    fputs("<div class=\"hit\"><h3>", stdout);
    marked(stdout, title, "<mark>", "</mark>", true);
    fputs("</h3><p class=\"meta\">", stdout);
    html_escaped(stdout, hit->board, strlen(hit->board));
    printf(" %s ", floor);
    html_escaped(stdout, hit->author, strlen(hit->author));
    fputs("</p><p class=\"snippet\">", stdout);
    marked(stdout, snip, "<mark>", "</mark>", true);
    fputs("</p></div>\n", stdout);
}

static int parse_args(cli_t *cli, int argc, char **argv, int *exit_code)
{
    cli_color_t color = CLI_COLOR_AUTO;
    int c;
    while ((c = getopt_long(argc, argv, "+jpn:o:chV", long_options, NULL)) !=
           -1) {
        long long n;
        switch (c) {
        case 'j': cli->format = FMT_JSON; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") == 0) cli->format = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0) cli->format = FMT_JSON;
            else if (strcmp(optarg, "html") == 0) cli->format = FMT_HTML;
            else if (strcmp(optarg, "plain") == 0) cli->format = FMT_PLAIN;
            else {
                fprintf(stderr, PROGRAM ": --format must be text, json, "
                        "html or plain, not \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 'p': cli->search.collapse_threads = false; break;
        case 'n':
        case 'o':
        case OPT_SNIPPET:
            n = cli_parse_count(optarg);
            if (n < 0 || n > 1000000 || (c == OPT_SNIPPET && n == 0)) {
                fprintf(stderr, PROGRAM ": %s needs a number, not \"%s\"\n",
                        c == 'n' ? "--limit" : c == 'o' ? "--offset"
                                                        : "--snippet-chars",
                        optarg);
                return -1;
            }
            if (c == 'n') cli->search.limit = (size_t)n;
            else if (c == 'o') cli->search.offset = (size_t)n;
            else cli->snippet.max_chars = (size_t)n;
            break;
        case 'c': cli->count_only = true; break;
        case OPT_SORT:
            if (strcmp(optarg, "relevance") == 0)
                cli->search.sort = FORUM_SORT_RELEVANCE;
            else if (strcmp(optarg, "date") == 0)
                cli->search.sort = FORUM_SORT_DATE;
            else if (strcmp(optarg, "floor") == 0)
                cli->search.sort = FORUM_SORT_FLOOR;
            else {
                fprintf(stderr, PROGRAM ": --sort must be relevance, date "
                        "or floor, not \"%s\"\n", optarg);
                return -1;
            }
            break;
        case OPT_COLOR:
            if (cli_parse_color(optarg, &color) != 0) {
                fprintf(stderr, PROGRAM ": --color must be auto, always or "
                        "never, not \"%s\"\n", optarg);
                return -1;
            }
            break;
        case OPT_MARKERS: {
            const char *comma = strchr(optarg, ',');
            if (comma == NULL) {
                fprintf(stderr, PROGRAM ": --markers needs OPEN,CLOSE\n");
                return -1;
            }
            cli->mark_open = strndup(optarg, (size_t)(comma - optarg));
            cli->mark_close = strdup(comma + 1);
            break;
        }
        case 'h': usage(stdout); *exit_code = EXIT_OK; return 1;
        case 'V':
            printf(PROGRAM " %s (libforumsearch %s, %s)\n",
                   forum_version_string(), forum_version_string(),
                   forum_dependency_versions());
            *exit_code = EXIT_OK;
            return 1;
        default:
            return -1;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, PROGRAM ": need a database and a query\n");
        return -1;
    }
    cli->color = cli->format == FMT_TEXT && cli_use_color(color, stdout);
    return 0;
}

/* Joins argv words with single spaces: the query as typed. */
static char *join_words(int argc, char **argv, int first)
{
    size_t len = 0;
    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *query = malloc(len + 1);
    if (query == NULL)
        return NULL;
    query[0] = '\0';
    for (int i = first; i < argc; i++) {
        if (i > first)
            strcat(query, " ");
        strcat(query, argv[i]);
    }
    return query;
}

int main(int argc, char **argv)
{
    cli_t cli = {FMT_TEXT, false, false, FORUM_SEARCH_OPTIONS_INIT,
                 FORUM_SNIPPET_OPTIONS_INIT, NULL, NULL};
    int exit_code = EXIT_USAGE;
    forum_db_t *db = NULL;
    forum_query_t *query = NULL;
    char *text = NULL, *errmsg = NULL;

    int parsed = parse_args(&cli, argc, argv, &exit_code);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "Try '" PROGRAM " --help' for more "
                    "information.\n");
        goto out;
    }
    if (cli.mark_open == NULL) {
        cli.mark_open = strdup("[");
        cli.mark_close = strdup("]");
    }
    text = join_words(argc, argv, optind + 1);
    if (text == NULL || cli.mark_open == NULL || cli.mark_close == NULL) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        goto out;
    }
    forum_status_t status = forum_db_open(&db, argv[optind], FORUM_DB_READ,
                                          &errmsg);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n",
                errmsg ? errmsg : forum_status_to_string(status));
        goto out;
    }
    if (forum_db_warning(db)[0])
        fprintf(stderr, PROGRAM ": warning: %s\n", forum_db_warning(db));
    status = forum_query_create(&query, db, text, strlen(text), &cli.search);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s: %s\n",
                status == FORUM_EQUERY ? "bad query" : "error",
                forum_db_last_error(db));
        if (status == FORUM_EQUERY && cli_is_tty(stderr)) {
            /* For a person, point at the column under the query. */
            fprintf(stderr, "  %s\n  %*s^\n", text,
                    (int)forum_db_last_error_column(db) - 1, "");
        }
        goto out;
    }
    forum_results_t *results;
    status = forum_query_run(query, &results);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        goto out;
    }
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    if (cli.count_only) {
        if (cli.format == FMT_JSON) {
            cli_counts_json(stdout, posts, threads);
            putchar('\n');
        } else if (cli.search.collapse_threads)
            printf("%llu post%s in %llu thread%s\n",
                   (unsigned long long)posts, posts == 1 ? "" : "s",
                   (unsigned long long)threads, threads == 1 ? "" : "s");
        else
            printf("%llu post%s\n", (unsigned long long)posts,
                   posts == 1 ? "" : "s");
        exit_code = posts ? EXIT_OK : EXIT_NO_HITS;
        goto out;
    }
    const forum_hit_t *hit;
    size_t shown = 0;
    while ((status = forum_results_next(results, &hit)) == FORUM_OK) {
        forum_snippet_t *snip = NULL, *title = NULL;
        status = forum_results_snippet(results, hit, &cli.snippet, &snip);
        if (status == FORUM_OK)
            status = forum_results_title(results, hit, &title);
        if (status != FORUM_OK) {
            forum_snippet_destroy(snip);
            break;
        }
        if (cli.format == FMT_JSON)
            print_json(&cli, hit, title, snip);
        else if (cli.format == FMT_HTML)
            print_html(hit, title, snip);
        else
            print_text(&cli, hit, title, snip);
        forum_snippet_destroy(title);
        forum_snippet_destroy(snip);
        shown++;
    }
    if (status != FORUM_ITER_DONE) {
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
        goto out;
    }
    if (cli.format == FMT_TEXT || cli.format == FMT_PLAIN) {
        if (cli.search.collapse_threads)
            printf("%llu post%s in %llu thread%s matched",
                   (unsigned long long)posts, posts == 1 ? "" : "s",
                   (unsigned long long)threads, threads == 1 ? "" : "s");
        else
            printf("%llu post%s matched", (unsigned long long)posts,
                   posts == 1 ? "" : "s");
        if (shown)
            printf("; showing %zu-%zu\n", cli.search.offset + 1,
                   cli.search.offset + shown);
        else
            putchar('\n');
    }
    exit_code = posts ? EXIT_OK : EXIT_NO_HITS;
out:
    if (fflush(stdout) != 0 && exit_code != EXIT_USAGE)
        exit_code = EXIT_USAGE;
    forum_query_destroy(query);
    forum_db_destroy(db);
    forum_free(errmsg);
    free(text);
    free(cli.mark_open);
    free(cli.mark_close);
    return exit_code;
}
