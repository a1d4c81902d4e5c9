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

/* Thread scope tells the parts of a query apart by the bits of a
 * 64-bit mask. */
#define FSI_MAX_THREAD_LEAVES 64

/* A decider's scratch: the candidate's normalized fields. */
typedef struct fsi_scratch {
    fsi_normalized_t text, title, name;
} fsi_scratch_t;

/* What one node of the tree compiles to. */
typedef struct fsi_compiled {
    const fsi_qnode_t *node;
    fsi_pattern_t pattern;  /* TEXT / TITLE; AUTHOR / BOARD value. */
    int exact;              /* Xapian's answer for this node is exact. */
    /* TEXT: the same words among the title terms (S), for the title
     * signal; handed to the query's title_xqueries by gather_marks. */
    fsi_xquery_t *title_query;
    int leaf;               /* Thread scope: its bit in q->leaves, or -1. */
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
    /* The title signal (results.c): for text_marks[i], the articles
     * whose title has its terms (NULL when it has none), exactly those
     * whose title holds it when title_exact[i]. At most 64. */
    fsi_xquery_t **title_xqueries;
    unsigned char *title_exact;
    size_t n_title_xqueries;
    /* Thread scope: the nodes a thread has when any of its posts has
     * them (leaf i: bit i), and the post filters (the root AND's
     * author:, board:, thread:, floor:, date: parts), which decide
     * which posts count. NULL lists in post scope. */
    const struct fsi_compiled **leaves;
    size_t n_leaves;
    const struct fsi_compiled **post_filters;
    size_t n_post_filters;
    /* Thread scope: each leaf's candidates among the posts that pass
     * the post filters (exact when leaf_exact[i]). */
    fsi_xquery_t **leaf_xqueries;
    unsigned char *leaf_exact;
    forum_results_t *results;      /* Live result sets, owned. */
    /* The decider's scratch (used under the handle's lock; a search of
     * shards side by side gives each shard its own: fsi_decide_t). */
    fsi_scratch_t scratch;
};

/* fsi_query_decide()'s payload: the run, the scratch it may use, and
 * whether memory ran out (read once the search is over). One per shard
 * when shards are searched side by side. */
typedef struct fsi_decide {
    struct fsi_run *run;
    fsi_scratch_t *scratch;
    int failed;
} fsi_decide_t;

/* What a run learns about threads and posts as Xapian shows it
 * candidates, keyed by bytes (a thread id, or a post's ORDER value):
 * an open-addressing table, owned by the run (results.c). */
typedef struct fsi_fact {
    char *key;              /* NULL: free slot. */
    size_t key_len;
    uint64_t mask;          /* Title marks, or thread-scope leaves. */
    int64_t date;           /* Thread scope: the post's date. */
} fsi_fact_t;

typedef struct fsi_facts {
    fsi_fact_t *slots;
    size_t cap, used;
} fsi_facts_t;

/* ORs mask into key's fact (made if new) and sets its date. -1 when
 * out of memory. */
int fsi_facts_put(fsi_facts_t *facts, const char *key, size_t len,
                  uint64_t mask, int64_t date);
const fsi_fact_t *fsi_facts_get(const fsi_facts_t *facts, const char *key,
                                size_t len);
void fsi_facts_free(fsi_facts_t *facts);

/* Each matching thread's best post so far, when threads are ranked by
 * relevance (results.c fold_match): the best is the highest weight, the
 * first in floor order among equals; collapse_count counts the others. */
typedef struct fsi_thread_best {
    fsi_xhit_t *hits;            /* One per thread, keys owned. */
    uint64_t *hashes;            /* Of each hit's thread (results.c). */
    size_t n, cap;
    uint64_t *slots;             /* Open addressing (results.c slot_of). */
    size_t n_slots;
    /* Threads met by their number in the shard being searched (schema.h
     * FSI_SLOT_NUMBERED_FLOOR), until they join the others by key. */
    struct fsi_numbered *numbered; /* Open addressing; empty: key NULL. */
    size_t n_numbered, cap_numbered;
} fsi_thread_best_t;

/* Where a side search puts its matches: facts, each match ORing mask
 * into its key's (its thread id's when thread_only) and setting date. */
typedef struct fsi_side_sink {
    fsi_facts_t *facts;
    fsi_facts_t own;             /* A shard's facts, side by side. */
    uint64_t mask;
    int64_t date;
    int thread_only;
} fsi_side_sink_t;

/* One run of a query: the payload of the search's callbacks. */
typedef struct fsi_run {
    forum_query_t *query;
    int failed;                  /* Memory ran out in a callback. */
    size_t offset, limit;        /* The page. */
    /* Collapsed by relevance, every thread is ranked: its counts. */
    int ranked_all;
    uint64_t ranked_posts, ranked_threads;
    fsi_facts_t titles;          /* Thread id -> title marks. */
    fsi_facts_t posts;           /* Thread scope: ORDER -> leaves, date. */
    int posts_by_decider;        /* posts is the main search's to fill. */
    size_t pass;                 /* The mark or leaf a side search is for. */
    /* Where a side search's matches go (results.c side_search), and
     * each shard's while they are searched side by side. */
    fsi_side_sink_t side;
    fsi_side_sink_t *side_parts;
    size_t n_side_parts;
    /* Thread scope: the page's leads are hits [0, n_page); the posts
     * shown with lead k are hits [also_at[k], also_at[k + 1]). */
    size_t n_page;
    size_t *also_at;
    fsi_thread_best_t best;      /* Threads by relevance: see above. */
    fsi_decide_t decide;         /* The decider's payload. */
    /* Shards searched side by side: what each one's thread has of its
     * own (results.c shard_part). */
    struct fsi_shard_part *parts;
    size_t n_parts;
} fsi_run_t;

/* One shard's, when the shards are searched side by side: its threads
 * until joined into the run's best, and its decider's payload with the
 * scratch it points to. */
typedef struct fsi_shard_part {
    fsi_thread_best_t best;
    fsi_decide_t decide;
    fsi_scratch_t scratch;
} fsi_shard_part_t;

/* The MatchDecider: whether the post (its document data) matches the
 * whole query, verified against its stored text. payload: an
 * fsi_decide_t. Safe on several threads with a payload each. */
int fsi_query_decide(void *decide, const char *data, size_t len);
void fsi_scratch_free(fsi_scratch_t *s);

/* A title side search's decider: whether the article's title holds
 * text mark run->pass. payload: the run. */
int fsi_query_decide_title(void *run, const char *data, size_t len);

/* A leaf side search's decider (thread scope): whether the post has
 * leaf run->pass. */
int fsi_query_decide_leaf(void *run, const char *data, size_t len);

/* Thread scope's decider: records which leaves the post has
 * (run->posts) and keeps the posts that have one and pass the post
 * filters. */
int fsi_query_decide_thread(void *run, const char *data, size_t len);

/* Whether a thread with these leaves (bit i: q->leaves[i]) matches. */
int fsi_query_thread_matches(const forum_query_t *q, uint64_t leaves);

/* Frees the result sets of query (results.c). Call under the lock. */
void fsi_query_free_results(forum_query_t *query);

#endif
