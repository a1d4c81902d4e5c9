/* forumsearch — helpers shared by forum-index and forum-search. Not part
 * of the library API. */
#ifndef FORUMSEARCH_CLIUTIL_H
#define FORUMSEARCH_CLIUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <forumsearch.h>

/* Exit codes, one table for both CLIs (README "Exit status", the man
 * pages and --help say the same; tests/cli/exit_codes.sh checks each). */
enum {
    EXIT_OK = 0,           /* Done; forum-search: something was found. */
    EXIT_NO_HITS = 1,      /* forum-search: nothing found (no hit, no
                              such thread). */
    EXIT_SKIPPED = 1,      /* forum-index: done, but input was skipped. */
    EXIT_USAGE = 2,        /* Bad option or arguments. */
    EXIT_RUNTIME = 3,      /* The database failed (missing, corrupt, I/O,
                              out of memory). */
    EXIT_NO_PATH = 4,      /* forum-index: a PATH does not exist. */
    EXIT_QUERY = 5,        /* forum-search: the query is malformed. */
    EXIT_UNAVAILABLE = 69, /* forum-search: a remote shard is down or
                              timed out (sysexits EX_UNAVAILABLE). */
    EXIT_TEMPFAIL = 75,    /* Another writer holds the lock (EX_TEMPFAIL). */
    EXIT_INTERRUPTED = 130 /* forum-index: stopped by SIGINT/SIGTERM. */
};

/* The exit code of a failed library call: the one place both CLIs map
 * statuses to exit codes. */
int cli_exit_for(forum_status_t status);

/* Parses a decimal option value in [min, max] for option `name` (as
 * written, e.g. "--limit"); on failure prints "PROGRAM: --limit needs a
 * number ..." or "... is too large (at most MAX)" and returns -1. */
int cli_number_option(const char *program, const char *name,
                      const char *arg, long long min, long long max,
                      long long *out);

/* Writes s for a POSIX shell: as it is when it needs no quoting, else in
 * single quotes ('\'' for a quote). */
void cli_shell_quote(FILE *out, const char *s);

/* The last component of a path (argv[0] as run). */
const char *cli_basename(const char *path);

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
