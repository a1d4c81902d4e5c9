/* Contract: search options a search could only misread are refused by
 * forum_query_create() with FORUM_EINVAL and a message naming the option
 * (issue 17): an unknown sort, an unknown options version. The handle
 * keeps working afterwards.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static void expect_refused(forum_db_t *db, const forum_search_options_t *opts,
                           const char *named)
{
    forum_query_t *q = (forum_query_t *)&q; /* Must be reset to NULL. */
    EXPECT_STATUS(forum_query_create(&q, db, "川普", strlen("川普"), opts),
                  FORUM_EINVAL);
    EXPECT(q == NULL);
    EXPECT_HAS(forum_db_last_error(db), named);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "a/t.txt", contract_thread("川普", "川普。", ""));

    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.sort = (forum_sort_t)3;
    expect_refused(db, &opts, "sort 3");
    opts.sort = (forum_sort_t)-1;
    expect_refused(db, &opts, "sort -1");
    opts.sort = FORUM_SORT_RELEVANCE;
    opts.version = FORUM_SEARCH_OPTIONS_VERSION + 1;
    expect_refused(db, &opts, "version");

    /* Every known sort is accepted, and a good query still runs. */
    forum_sort_t sorts[] = {FORUM_SORT_RELEVANCE, FORUM_SORT_DATE,
                            FORUM_SORT_FLOOR};
    for (size_t i = 0; i < 3; i++) {
        forum_query_t *q = contract_query(db, "川普", 1, sorts[i]);
        EXPECT(strcmp(forum_db_last_error(db), "") == 0);
        forum_results_t *res;
        EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
        char hits[128];
        contract_hits(res, hits, sizeof hits);
        EXPECT(strcmp(hits, "a/t#0") == 0);
        forum_query_destroy(q);
    }
    /* Snippet options are checked the same way. */
    forum_query_t *q = contract_query(db, "川普", 0, FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    const forum_hit_t *hit;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    EXPECT_STATUS(forum_results_next(res, &hit), FORUM_OK);
    forum_snippet_options_t sopts = FORUM_SNIPPET_OPTIONS_INIT;
    sopts.max_chars = 0;
    forum_snippet_t *snip = (forum_snippet_t *)&snip;
    EXPECT_STATUS(forum_results_snippet(res, hit, &sopts, &snip),
                  FORUM_EINVAL);
    EXPECT(snip == NULL);
    EXPECT_HAS(forum_db_last_error(db), "max_chars");
    forum_query_destroy(q);
    forum_db_destroy(db);
    fprintf(stderr, "options: ok\n");
    return 0;
}
