/* Helpers for the contract tests: checks that stop at the first failure
 * with file:line, and a small database built through the public API.
 * Standard C and <forumsearch.h> only, like the tests themselves. */
#ifndef FORUMSEARCH_CONTRACT_H
#define FORUMSEARCH_CONTRACT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

#define EXPECT(cond)                                                       \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                      \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* Compares two statuses, printing both by name. */
#define EXPECT_STATUS(got, want)                                           \
    do {                                                                   \
        forum_status_t got_ = (got), want_ = (want);                       \
        if (got_ != want_) {                                               \
            fprintf(stderr, "%s:%d: %s: %s (%d), want %s (%d)\n",          \
                    __FILE__, __LINE__, #got,                              \
                    forum_status_to_string(got_), (int)got_,               \
                    forum_status_to_string(want_), (int)want_);            \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* Checks that haystack contains needle. */
#define EXPECT_HAS(haystack, needle)                                       \
    do {                                                                   \
        const char *h_ = (haystack), *n_ = (needle);                       \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                        \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n",     \
                    __FILE__, __LINE__, h_ ? h_ : "(null)", n_);           \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

/* A thread in the scraped text format, with an article and replies
 * ("AUTHOR\nN 楼\nTEXT\n" each). Returns a static buffer. */
static inline const char *contract_thread(const char *title,
                                          const char *article,
                                          const char *replies)
{
    static char buf[16384];
    snprintf(buf, sizeof buf,
             "%s\n\n某论坛\nMouluntan\n最新回复:2025年1月23日 6点43分 PT\n"
             "  返回列表\n10 阅读\n3 评论\n来源\n\n%s\n\n%s", title, article,
             replies);
    return buf;
}

/* Opens path (dies on failure). */
static inline forum_db_t *contract_open(const char *path,
                                        forum_db_mode_t mode)
{
    forum_db_t *db = NULL;
    char *err = NULL;
    forum_status_t st = forum_db_open(&db, path, mode, &err);
    if (st != FORUM_OK) {
        fprintf(stderr, "open %s: %s\n", path, err ? err : "?");
        exit(1);
    }
    return db;
}

/* Indexes one thread held in memory (dies on failure). */
static inline void contract_add(forum_db_t *db, const char *name,
                                const char *text)
{
    forum_status_t st = forum_db_index_buffer(db, name, text, strlen(text),
                                              NULL, NULL);
    if (st != FORUM_OK) {
        fprintf(stderr, "index %s: %s\n", name, forum_db_last_error(db));
        exit(1);
    }
}

/* A query with the given sort and collapsing, limit 1000 (dies on
 * failure). */
static inline forum_query_t *contract_query(forum_db_t *db, const char *q,
                                            int collapse, forum_sort_t sort)
{
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.collapse_threads = collapse != 0;
    opts.sort = sort;
    opts.limit = 1000;
    forum_query_t *query = NULL;
    forum_status_t st = forum_query_create(&query, db, q, strlen(q), &opts);
    if (st != FORUM_OK) {
        fprintf(stderr, "query %s: %s\n", q, forum_db_last_error(db));
        exit(1);
    }
    return query;
}

/* The hits of res as "thread#floor thread#floor ...", in order, into
 * out (cap bytes); the iteration must end with FORUM_ITER_DONE. */
static inline void contract_hits(forum_results_t *res, char *out, size_t cap)
{
    const forum_hit_t *hit;
    forum_status_t st;
    out[0] = '\0';
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s#%d", n ? " " : "", hit->thread_id,
                 hit->floor);
    }
    EXPECT_STATUS(st, FORUM_ITER_DONE);
}

#endif
