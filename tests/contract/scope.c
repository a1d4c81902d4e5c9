/* Contract: forum_search_options_t.scope (options version 2).
 * FORUM_SCOPE_THREAD finds a thread whose posts together hold the
 * query, one hit per thread, with the post of the other word in
 * hit->also (borrowed like the hit; snippets work on it); the default
 * stays post scope; an unknown scope is refused naming it; a version 1
 * options struct (which ends before scope) is still accepted, and
 * forum_search_options_init(opts, 1) writes no further than its end.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>

#include "contract.h"

/* forum_search_options_t as version 1 of the header declared it. */
typedef struct options_v1 {
    unsigned int version;
    forum_sort_t sort;
    bool collapse_threads;
    size_t offset;
    size_t limit;
    bool exact_counts;
} options_v1_t;

static size_t count_hits(forum_db_t *db, const char *text,
                         const forum_search_options_t *opts,
                         char *first, size_t cap)
{
    forum_query_t *q;
    forum_results_t *res;
    const forum_hit_t *hit;
    EXPECT_STATUS(forum_query_create(&q, db, text, strlen(text), opts),
                  FORUM_OK);
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    size_t n = 0;
    forum_status_t st;
    first[0] = '\0';
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        if (n++ == 0) {
            int at = snprintf(first, cap, "%s#%d", hit->thread_id,
                              hit->floor);
            for (size_t i = 0; i < hit->n_also; i++) {
                const forum_hit_t *also = &hit->also[i];
                EXPECT(also->also == NULL && also->n_also == 0);
                EXPECT(also->rank == hit->rank);
                forum_snippet_t *snip;
                EXPECT_STATUS(forum_results_snippet(res, also, NULL, &snip),
                              FORUM_OK);
                EXPECT(snip->n_marks >= 1);
                forum_snippet_destroy(snip);
                at += snprintf(first + at, cap - (size_t)at, "+%d",
                               also->floor);
            }
        }
    }
    EXPECT_STATUS(st, FORUM_ITER_DONE);
    forum_query_destroy(q);
    return n;
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "a/t.txt", contract_thread(
        "王小明要结婚了", "同事王小明下个月结婚。",
        "老张\n1 楼\n天气不错。\n小美\n2 楼\n婚礼在五月。\n"));
    char first[256];

    forum_search_options_t opts;
    EXPECT_STATUS(forum_search_options_init(&opts,
                                            FORUM_SEARCH_OPTIONS_VERSION),
                  FORUM_OK);
    EXPECT(opts.scope == FORUM_SCOPE_POST);
    EXPECT(count_hits(db, "王小明 婚礼", &opts, first, sizeof first) == 0);
    opts.scope = FORUM_SCOPE_THREAD;
    EXPECT(count_hits(db, "王小明 婚礼", &opts, first, sizeof first) == 1);
    EXPECT(strcmp(first, "a/t#0+2") == 0);
    /* Filters choose the posts that count: replies only lack 王小明. */
    EXPECT(count_hits(db, "floor:1.. 王小明 婚礼", &opts, first,
                      sizeof first) == 0);
    EXPECT(count_hits(db, "floor:1.. 天气 婚礼", &opts, first,
                      sizeof first) == 1);
    /* One hit per thread even when not collapsing. */
    opts.collapse_threads = false;
    EXPECT(count_hits(db, "王小明 OR 婚礼", &opts, first, sizeof first) == 1);

    /* An unknown scope is refused, naming it. */
    opts.scope = (forum_scope_t)7;
    forum_query_t *q = (forum_query_t *)&q;
    EXPECT_STATUS(forum_query_create(&q, db, "婚礼", strlen("婚礼"), &opts),
                  FORUM_EINVAL);
    EXPECT(q == NULL);
    EXPECT_HAS(forum_db_last_error(db), "scope 7");

    /* Version 1 callers: their struct ends before scope. */
    struct {
        options_v1_t v1;
        unsigned char guard[64];
    } old;
    memset(&old, 0xAB, sizeof old);
    EXPECT_STATUS(forum_search_options_init((forum_search_options_t *)&old.v1,
                                            1), FORUM_OK);
    EXPECT(old.v1.version == 1 && old.v1.limit == 10);
    for (size_t i = 0; i < sizeof old.guard; i++)
        EXPECT(old.guard[i] == 0xAB);
    EXPECT(count_hits(db, "婚礼", (const forum_search_options_t *)&old.v1,
                      first, sizeof first) == 1);
    EXPECT(strcmp(first, "a/t#2") == 0);

    forum_db_destroy(db);
    fprintf(stderr, "scope: ok\n");
    return 0;
}
