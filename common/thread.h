/* forumsearch — private: the in-memory model of one parsed thread, and
 * what both readers share: diagnostics and inline quotes.
 *
 * Both readers (thread_parse.c for the scraped text format, jsonl_parse.c
 * for JSON Lines) produce this; index.c turns it into Xapian documents.
 * All strings are UTF-8, NUL-terminated, owned by the thread and freed by
 * fsi_thread_free().
 */
#ifndef FORUMSEARCH_THREAD_H
#define FORUMSEARCH_THREAD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Sentinel for "no date known". */
#define FSI_NO_DATE INT64_MIN

typedef struct fsi_post {
    int floor;             /* 0 = the article, 1..N = replies. */
    char *author;          /* Empty string when unknown. */
    int64_t date;          /* Unix seconds, or FSI_NO_DATE. */
    char *text;            /* Paragraphs joined with '\n'. */
    size_t text_len;
    size_t line;           /* 1-based source line where the post starts. */
} fsi_post_t;

typedef struct fsi_thread {
    char *id;              /* Stable thread id (see DESIGN.md). */
    char *board;           /* NULL when not given (the indexer then uses
                              the directory). */
    char *title;
    /* The following are NULL when not given. */
    char *site;            /* Site name line, e.g. "今日头条". */
    char *source;          /* Source line, e.g. "RFI华语". */
    int64_t date;          /* Thread date (JSON) or last reply time
                              ("最新回复:"), or FSI_NO_DATE. */
    fsi_post_t *posts;     /* posts[0] is the article when it exists. */
    size_t n_posts;
    size_t cap_posts;
} fsi_thread_t;

/* Receives one diagnostic about the input: `line` is 1-based, 0 when the
 * problem concerns the whole file. `is_error` distinguishes a problem that
 * lost data (a skipped post or file) from a warning. */
typedef void (*fsi_diag_fn)(void *payload, const char *path, size_t line,
                            int is_error, const char *message);

/* Where the diagnostics about one input go. */
typedef struct fsi_reporter {
    const char *path;      /* Passed on to diag as it is. */
    fsi_diag_fn diag;      /* NULL drops the diagnostics. */
    void *payload;
} fsi_reporter_t;

/* Formats one diagnostic, printf-style (cut at 1 KiB), and hands it to
 * rep->diag. */
void fsi_report(const fsi_reporter_t *rep, size_t line, int is_error,
                const char *format, ...)
    __attribute__((format(printf, 4, 5)));
void fsi_vreport(const fsi_reporter_t *rep, size_t line, int is_error,
                 const char *format, va_list args)
    __attribute__((format(printf, 4, 0)));

void fsi_thread_init(fsi_thread_t *thread);
void fsi_thread_free(fsi_thread_t *thread);
/* Appends a zeroed post with empty author/text; NULL on allocation failure. */
fsi_post_t *fsi_thread_add_post(fsi_thread_t *thread);

/* An inline quote of another post, as forums write it into a reply:
 * "NAME 发表评论于 2025-01-22 13:40:20 the quoted text -----". Offsets
 * are bytes into the text searched. */
typedef struct fsi_quote {
    size_t start;   /* NAME: after the white space before the marker. */
    size_t marker;  /* " 发表评论于 ", which ends NAME. */
    size_t body;    /* Just after the marker: the date, then the text. */
    size_t end;     /* The separator after it (five or more '-' or '=')
                       or the end of the text. */
} fsi_quote_t;

/* Finds the first quote whose marker starts at or after byte `from` of
 * text[0, len). NAME reaches back from the marker to ASCII white space
 * or the start of the text, whatever `from` is, and may be empty.
 * Returns 1 with *out filled, 0 when there is no further quote. To visit
 * every quote, search again from out->marker + 1. */
int fsi_quote_find(fsi_quote_t *out, const char *text, size_t len,
                   size_t from);

#endif
