/* forumsearch — private: the query language, parsed into a tree.
 *
 *   query   := or ( EOF )
 *   or      := and ( ("OR" | "|") and )*
 *   and     := unary ( ["AND"] unary )*
 *   unary   := ("-" | "NOT") unary | primary
 *   primary := "(" or ")" | FIELD ":" value | PHRASE | WORD
 *
 * Phrases use ASCII quotes "..." or Chinese quotes “...”; an empty one is
 * an error. FIELD is one of author, title, board, thread, floor, date.
 * Operators are upper case only: and, or, not are words like any other.
 * "|" and the full-width "｜" are OR wherever they stand (川普|拜登), like
 * parentheses; "board:news|tech" is an error (tech would be a word).
 * floor: and date: take N, A..B, A.. or ..B; "floor:1 .. 3", "floor:1
 * ..3" and "floor:.. 3" are read as the range, "floor:1.. 3" (the range
 * 1.. and the word 3?) is an error. A date bound is the whole period it
 * names (date.h: fsi_date_parse_period). Errors carry a 1-based column
 * counted in characters.
 */
#ifndef FORUMSEARCH_QUERY_PARSE_H
#define FORUMSEARCH_QUERY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "forumsearch.h"

#define FSI_MAX_QUERY_BYTES 4096
#define FSI_MAX_QUERY_DEPTH 32
#define FSI_MAX_QUERY_NODES 256

typedef enum fsi_qkind {
    FSI_Q_TEXT,     /* text: the post (or article title) contains it */
    FSI_Q_TITLE,    /* text: the thread title contains it */
    FSI_Q_AUTHOR,   /* text: exact author, normalized */
    FSI_Q_BOARD,    /* text: exact board, normalized */
    FSI_Q_THREAD,   /* text: exact thread id */
    FSI_Q_FLOOR,    /* lo..hi */
    FSI_Q_DATE,     /* lo..hi, Unix seconds, inclusive */
    FSI_Q_AND,
    FSI_Q_OR,
    FSI_Q_NOT
} fsi_qkind_t;

typedef struct fsi_qnode fsi_qnode_t;
struct fsi_qnode {
    fsi_qkind_t kind;
    char *text;          /* As typed (unnormalized), NUL-terminated. */
    size_t text_len;
    int phrase;          /* Came from quotes. */
    int64_t lo, hi;      /* Ranges; INT64_MIN / INT64_MAX when open. */
    fsi_qnode_t **kids;
    size_t n_kids;
    size_t column;       /* Where it starts in the query, 1-based. */
};

typedef struct fsi_qerror {
    size_t column;
    char message[256];
} fsi_qerror_t;

/* Parses query into *out (freed with fsi_qnode_free). FORUM_EQUERY with
 * err filled in; FORUM_ENOMEM. */
forum_status_t fsi_query_parse(fsi_qnode_t **out, const char *query,
                               size_t len, fsi_qerror_t *err);
void fsi_qnode_free(fsi_qnode_t *node);
/* The tree as text, e.g. AND("川普", author:"令胡冲", NOT("test")).
 * malloc'd; NULL when out of memory. */
char *fsi_qnode_describe(const fsi_qnode_t *node);

#endif
