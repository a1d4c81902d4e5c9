/* forumsearch — private: the in-memory model of one parsed thread.
 *
 * Both readers (thread_parse.c for the scraped text format, jsonl_parse.c
 * for JSON Lines) produce this; index.c turns it into Xapian documents.
 * All strings are UTF-8, NUL-terminated, owned by the thread and freed by
 * fsi_thread_free().
 */
#ifndef FORUMSEARCH_THREAD_H
#define FORUMSEARCH_THREAD_H

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
    /* Inline quotes found in the text ("NAME 发表评论于 DATE"), first one
     * only: enough to rank the quoting post below the quoted one. */
    char *quoted_author;   /* NULL when the post quotes nobody. */
    int64_t quoted_date;   /* FSI_NO_DATE when unknown. */
} fsi_post_t;

typedef struct fsi_thread {
    char *id;              /* Stable thread id (see DESIGN.md). */
    char *board;           /* NULL when not given (the indexer then uses
                              the directory). */
    char *title;
    /* The following are NULL when not given. */
    char *site;            /* Site name line, e.g. "今日头条". */
    char *site_latin;      /* Its Latin form, e.g. "Toutiao". */
    char *source;          /* Source line, e.g. "RFI华语". */
    char *url;             /* JSON only. */
    int64_t date;          /* Thread date (JSON) or last reply time. */
    int64_t last_reply;    /* "最新回复:" header, or FSI_NO_DATE. */
    int64_t views;         /* -1 when unknown. */
    int64_t reply_count;   /* "N 评论" header, -1 when unknown. */
    fsi_post_t *posts;     /* posts[0] is the article when it exists. */
    size_t n_posts;
    size_t cap_posts;
} fsi_thread_t;

/* Receives one diagnostic about the input: `line` is 1-based, 0 when the
 * problem concerns the whole file. `is_error` distinguishes a problem that
 * lost data (a skipped post or file) from a warning. */
typedef void (*fsi_diag_fn)(void *payload, const char *path, size_t line,
                            int is_error, const char *message);

void fsi_thread_init(fsi_thread_t *thread);
void fsi_thread_free(fsi_thread_t *thread);
/* Appends a zeroed post with empty author/text; NULL on allocation failure. */
fsi_post_t *fsi_thread_add_post(fsi_thread_t *thread);

#endif
