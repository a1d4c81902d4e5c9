/* Contract: result sets are independent of one another (issue 17).
 *
 * - Running a query again does not disturb the result sets it made
 *   before: each iterates, counts and snippets on its own, in any
 *   interleaving (this was a use-after-free: every run freed the last
 *   result set);
 * - forum_results_destroy() frees one early; forum_query_destroy() frees
 *   the ones still alive (the sanitizer build checks nothing leaks or is
 *   used after free).
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

#define RUNS 8

static void check_snippet(forum_results_t *res, const forum_hit_t *hit)
{
    forum_snippet_t *snip = NULL;
    EXPECT_STATUS(forum_results_snippet(res, hit, NULL, &snip), FORUM_OK);
    EXPECT_HAS(snip->text, "川普");
    EXPECT(snip->n_marks >= 1);
    forum_snippet_destroy(snip);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "news/a.txt", contract_thread(
        "川普的新闻", "川普今天发推了。", "张三\n1 楼\n川普又来了。\n"
        "李四\n2 楼\n不关心。\n"));
    contract_add(db, "news/b.txt", contract_thread(
        "别的", "没有他。", "王五\n1 楼\n川普是谁?\n"));

    forum_query_t *q = contract_query(db, "川普", 0, FORUM_SORT_RELEVANCE);
    forum_results_t *res[RUNS];
    for (int i = 0; i < RUNS; i++)
        EXPECT_STATUS(forum_query_run(q, &res[i]), FORUM_OK);

    /* Interleaved: one hit from each in turn, with a snippet each. */
    const forum_hit_t *hit;
    char first_ids[RUNS][64];
    for (int i = 0; i < RUNS; i++) {
        EXPECT_STATUS(forum_results_next(res[i], &hit), FORUM_OK);
        snprintf(first_ids[i], sizeof first_ids[i], "%s#%d", hit->thread_id,
                 hit->floor);
        check_snippet(res[i], hit);
    }
    for (int i = 1; i < RUNS; i++)
        EXPECT(strcmp(first_ids[i], first_ids[0]) == 0);

    /* The rest of each, the same list every time. */
    char rest[RUNS][1024];
    for (int i = 0; i < RUNS; i++) {
        contract_hits(res[i], rest[i], sizeof rest[i]);
        EXPECT(strcmp(rest[i], rest[0]) == 0);
        uint64_t posts = 0, threads = 0;
        forum_results_counts(res[i], &posts, &threads);
        EXPECT(posts == 3 && threads == 2);
    }
    EXPECT(strlen(rest[0]) > 0);

    /* Freed early, in an odd order; then a new run among the old. */
    forum_results_destroy(res[3]);
    forum_results_destroy(res[0]);
    forum_results_destroy(res[RUNS - 1]);
    forum_results_t *late;
    EXPECT_STATUS(forum_query_run(q, &late), FORUM_OK);
    EXPECT_STATUS(forum_results_next(late, &hit), FORUM_OK);
    check_snippet(late, hit);
    EXPECT_STATUS(forum_results_next(res[1], &hit), FORUM_ITER_DONE);

    /* The query frees the result sets still alive. */
    forum_query_destroy(q);
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
    fprintf(stderr, "results_independent: ok\n");
    return 0;
}
