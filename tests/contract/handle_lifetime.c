/* Contract: closed and destroyed database handles (issue 17).
 *
 * - After forum_db_close(), every call that needs the database fails
 *   with FORUM_ECLOSED and a message naming the path: post counts,
 *   commit, compact, index, query creation, running a query made
 *   before; closing again too. Result sets made before stay readable
 *   (they hold what they show), and forum_db_last_error() still works.
 * - forum_db_destroy() while queries are alive closes the handle without
 *   committing and releases the writer's lock at once; the queries then
 *   fail with FORUM_ECLOSED, their result sets stay readable, and the
 *   handle's memory goes with the last query (the sanitizer build checks
 *   for use after free and leaks). Destroying the queries first is the
 *   plain order.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static char root[4096];

static void fill(forum_db_t *db)
{
    contract_add(db, "news/a.txt", contract_thread(
        "关税", "川普宣布关税。", "张三\n1 楼\n关税又来了。\n"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);
}

static void expect_closed(forum_db_t *db, forum_status_t status,
                          const char *path)
{
    EXPECT_STATUS(status, FORUM_ECLOSED);
    EXPECT_HAS(forum_db_last_error(db), path);
    EXPECT_HAS(forum_db_last_error(db), "closed");
}

static void test_close_first(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/close-first", root);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    fill(db);
    forum_query_t *q = contract_query(db, "关税", 0, FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);

    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    uint64_t n;
    expect_closed(db, forum_db_post_count(db, &n), path);
    expect_closed(db, forum_db_commit(db), path);
    expect_closed(db, forum_db_compact(db), path);
    expect_closed(db, forum_db_close(db), path);
    forum_query_t *q2 = NULL;
    expect_closed(db, forum_query_create(&q2, db, "川普", 6, NULL), path);
    EXPECT(q2 == NULL);
    forum_results_t *res2 = NULL;
    expect_closed(db, forum_query_run(q, &res2), path);
    EXPECT(res2 == NULL);
    /* Indexing is refused too. (index.c maps the closed handle to its
     * own status for now: the message says why.) */
    const char *text = contract_thread("新", "新帖。", "");
    EXPECT(forum_db_index_buffer(db, "news/b.txt", text, strlen(text), NULL,
                                 NULL) != FORUM_OK);
    EXPECT_HAS(forum_db_last_error(db), "closed");

    /* The result set made before still reads, snippets and counts. */
    char hits[512];
    contract_hits(res, hits, sizeof hits);
    EXPECT(strcmp(hits, "news/a#0 news/a#1") == 0 ||
           strcmp(hits, "news/a#1 news/a#0") == 0);
    uint64_t posts, threads;
    forum_results_counts(res, &posts, &threads);
    EXPECT(posts == 2 && threads == 1);

    forum_query_destroy(q);
    forum_db_destroy(db);

    /* The close committed: a new handle sees the thread. */
    db = contract_open(path, FORUM_DB_READ);
    EXPECT_STATUS(forum_db_post_count(db, &n), FORUM_OK);
    EXPECT(n == 2);
    forum_db_destroy(db);
}

static void test_destroy_first(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/destroy-first", root);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    fill(db);
    forum_query_t *q = contract_query(db, "关税", 1, FORUM_SORT_DATE);
    forum_query_t *unused = contract_query(db, "川普", 0, FORUM_SORT_FLOOR);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    /* Not committed: destroying discards it. */
    contract_add(db, "news/b.txt", contract_thread("关税二", "关税。", ""));

    forum_db_destroy(db); /* Two queries still alive. */

    /* The writer's lock is gone already. */
    forum_db_t *other = contract_open(path, FORUM_DB_WRITE);
    uint64_t n;
    EXPECT_STATUS(forum_db_post_count(other, &n), FORUM_OK);
    EXPECT(n == 2);
    EXPECT_STATUS(forum_db_close(other), FORUM_OK);
    forum_db_destroy(other);

    forum_results_t *res2 = NULL;
    EXPECT_STATUS(forum_query_run(q, &res2), FORUM_ECLOSED);
    EXPECT(res2 == NULL);
    EXPECT(strcmp(forum_query_describe(q), "") != 0);
    const forum_hit_t *hit;
    EXPECT_STATUS(forum_results_next(res, &hit), FORUM_OK);
    EXPECT(strcmp(hit->thread_id, "news/a") == 0);
    EXPECT_HAS(hit->title, "关税");
    forum_snippet_t *snip;
    EXPECT_STATUS(forum_results_title(res, hit, &snip), FORUM_OK);
    EXPECT(snip->n_marks == 1);
    forum_snippet_destroy(snip);

    forum_query_destroy(unused);
    forum_query_destroy(q); /* The last one: the handle goes with it. */
}

static void test_plain_order(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/plain", root);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    fill(db);
    forum_query_t *q = contract_query(db, "关税", 1, FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    forum_results_destroy(res);
    forum_query_destroy(q);
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
    /* A read handle closes and refuses the same way. */
    db = contract_open(path, FORUM_DB_READ);
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    uint64_t n;
    expect_closed(db, forum_db_post_count(db, &n), path);
    forum_db_destroy(db);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    snprintf(root, sizeof root, "%s", argv[1]);
    test_close_first();
    test_destroy_first();
    test_plain_order();
    EXPECT(strcmp(forum_status_to_string(FORUM_ECLOSED),
                  "unknown status") != 0);
    fprintf(stderr, "handle_lifetime: ok\n");
    return 0;
}
