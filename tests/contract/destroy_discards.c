/* Contract: what reaches the disk (issue 17).
 *
 * - forum_db_destroy() discards changes that neither forum_db_commit()
 *   nor forum_db_close() committed (Xapian's own destructor would commit
 *   them);
 * - forum_db_close() commits them;
 * - forum_db_commit() makes them durable whatever follows;
 * each checked by opening the database again.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static uint64_t posts_in(const char *path)
{
    forum_db_t *db = contract_open(path, FORUM_DB_READ);
    uint64_t n = 0;
    EXPECT_STATUS(forum_db_post_count(db, &n), FORUM_OK);
    forum_db_destroy(db);
    return n;
}

static const char *thread_named(const char *title)
{
    return contract_thread(title, "正文。", "张三\n1 楼\n回复。\n");
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);

    /* Destroy without a commit: nothing of it stays. */
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "a/one.txt", thread_named("一"));
    uint64_t n = 0;
    EXPECT_STATUS(forum_db_post_count(db, &n), FORUM_OK);
    EXPECT(n == 2); /* The writer sees its own changes. */
    forum_db_destroy(db);
    EXPECT(posts_in(path) == 0);

    /* Close commits. */
    db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "a/one.txt", thread_named("一"));
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
    EXPECT(posts_in(path) == 2);

    /* Commit, then more, then destroy: the commit stays, the rest goes;
     * twice, so the transaction after a commit discards too. */
    db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "a/two.txt", thread_named("二"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);
    contract_add(db, "a/three.txt", thread_named("三"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);
    contract_add(db, "a/four.txt", thread_named("四"));
    EXPECT(posts_in(path) == 6); /* A reader sees commits only. */
    forum_db_destroy(db);
    EXPECT(posts_in(path) == 6);

    /* What a search on the discarded thread finds: nothing. */
    db = contract_open(path, FORUM_DB_READ);
    forum_query_t *q = contract_query(db, "四", 0, FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    char hits[256];
    contract_hits(res, hits, sizeof hits);
    EXPECT(strcmp(hits, "") == 0);
    forum_query_destroy(q);
    forum_db_destroy(db);
    fprintf(stderr, "destroy_discards: ok\n");
    return 0;
}
