/* forumsearch — helpers shared by forum-index and forum-search. Not part
 * of the library API. */
#ifndef FORUMSEARCH_CLIUTIL_H
#define FORUMSEARCH_CLIUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <forumsearch.h>

/* Exit codes, in one place (documented in README "Exit codes"). */
enum {
    EXIT_OK = 0,
    EXIT_NO_HITS = 1,      /* forum-search: nothing matched. */
    EXIT_SKIPPED = 1,      /* forum-index: done, but input was skipped. */
    EXIT_USAGE = 2,        /* Bad option or query; forum-search: also a
                              database error. */
    EXIT_RUNTIME = 3,      /* forum-index: the database failed. */
    EXIT_NO_PATH = 4,      /* forum-index: a PATH does not exist. */
    EXIT_TEMPFAIL = 75,    /* forum-index: locked by another writer. */
    EXIT_INTERRUPTED = 130 /* forum-index: stopped by SIGINT/SIGTERM. */
};

typedef enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color_t;

/* Parses "auto|always|never"; -1 if none of them. */
int cli_parse_color(const char *arg, cli_color_t *out);

/* Whether to colour `stream`: --color first, then NO_COLOR (set and
 * non-empty disables), then whether it is a terminal. The environment
 * variable FORUMSEARCH_FAKE_TTY=1 makes it count as a terminal (tests). */
bool cli_use_color(cli_color_t choice, FILE *stream);

/* Whether stream is a terminal (honouring FORUMSEARCH_FAKE_TTY). */
bool cli_is_tty(FILE *stream);

/* Writes s[0..len) as a JSON string: quotes, escapes, control
 * characters as \u00XX, invalid UTF-8 as U+FFFD. */
void cli_json_string(FILE *out, const char *s, size_t len);

/* Formats Unix seconds as 2025-01-23T14:43:00Z; "" for INT64_MIN. */
void cli_format_date(char out[32], int64_t t);

/* Parses a non-negative decimal; -1 on anything else. */
long long cli_parse_count(const char *arg);

/* Monotonic seconds. */
double cli_now(void);

#endif
