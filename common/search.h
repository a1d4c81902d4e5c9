/* forumsearch — private: a compiled query, shared by search.c (which
 * compiles it and verifies candidates) and results.c (which runs it and
 * owns the result sets).
 *
 * Also gathers pattern.h and highlight.h for older includers
 * (tests/test_highlight.c); new code includes what it uses.
 */
#ifndef FORUMSEARCH_SEARCH_H
#define FORUMSEARCH_SEARCH_H

#include <stdint.h>

#include "db.h"
#include "highlight.h"
#include "normalize.h"
#include "pattern.h"
#include "query_parse.h"
#include "xapian_shim.h"

/* What one node of the tree compiles to. */
typedef struct fsi_compiled {
    const fsi_qnode_t *node;
    fsi_pattern_t pattern;  /* TEXT / TITLE; AUTHOR / BOARD value. */
    int exact;              /* Xapian's answer for this node is exact. */
    struct fsi_compiled *kids;
    size_t n_kids;
} fsi_compiled_t;

struct forum_query {
    forum_db_t *db;
    forum_search_options_t opts;   /* Fixed at creation. */
    fsi_qnode_t *tree;
    fsi_compiled_t root;
    fsi_xquery_t *xquery;
    char *description;
    /* What snippets mark: the positive text patterns (not under a NOT);
     * titles also mark the title: patterns. Copies whose text borrows
     * from root, which lives as long as the query and so longer than
     * its result sets. */
    fsi_pattern_t *text_marks;
    size_t n_text_marks;
    fsi_pattern_t *title_marks;
    size_t n_title_marks;
    forum_results_t *results;      /* Live result sets, owned. */
    /* The decider's scratch: the candidate's normalized fields. Used
     * under the handle's lock only. */
    fsi_normalized_t norm_text, norm_title, norm_name;
};

/* One run of a query: the payload of the search's callbacks. */
typedef struct fsi_run {
    forum_query_t *query;
    int failed;                  /* Memory ran out in a callback. */
    size_t offset, limit;        /* The page. */
    /* Collapsed by relevance, every thread is ranked: its counts. */
    int ranked_all;
    uint64_t ranked_posts, ranked_threads;
} fsi_run_t;

/* The MatchDecider: whether the post (its document data) matches the
 * whole query, verified against its stored text. payload: the run. */
int fsi_query_decide(void *run, const char *data, size_t len);

/* Frees the result sets of query (results.c). Call under the lock. */
void fsi_query_free_results(forum_query_t *query);

#endif
