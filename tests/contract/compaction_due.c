/* Contract: forum_db_compaction_due() says when forum_db_compact() pays:
 * not for an empty database, yes after a first build, no right after a
 * compaction nor after a small change, yes once the files have doubled
 * (three times the threads); the answer is the same through a read-only handle, and a
 * closed handle or a NULL argument is refused.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static bool due_now(forum_db_t *db)
{
    bool due = true;
    EXPECT_STATUS(forum_db_compaction_due(db, &due), FORUM_OK);
    return due;
}

/* Adds threads first..last-1, each a few hundred characters. */
static void add_threads(forum_db_t *db, int first, int last)
{
    for (int i = first; i < last; i++) {
        char name[64], article[1024];
        snprintf(name, sizeof name, "board/t%04d.txt", i);
        snprintf(article, sizeof article,
                 "第%d号帖子讨论川普和拜登的选举，还有四川普通话和暖和服务。"
                 "The quick brown fox %d jumps over the lazy dog %d times. "
                 "论坛归档里的每一个帖子都应当能被找到，无论简体還是繁體。",
                 i, i * 7, i * 13);
        contract_add(db, name, contract_thread("选举讨论", article, ""));
    }
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);

    EXPECT(!due_now(db)); /* Nothing to compact yet. */
    add_threads(db, 0, 200);
    EXPECT(due_now(db)); /* A first build was never compacted. */

    forum_db_t *reader = contract_open(path, FORUM_DB_READ);
    EXPECT(due_now(reader));
    forum_db_destroy(reader);

    EXPECT_STATUS(forum_db_compact(db), FORUM_OK);
    EXPECT(!due_now(db));
    add_threads(db, 200, 205); /* A small change: not yet. */
    EXPECT(!due_now(db));
    add_threads(db, 205, 600); /* Three times the threads: due. */
    EXPECT(due_now(db));
    EXPECT_STATUS(forum_db_compact(db), FORUM_OK);
    EXPECT(!due_now(db));

    /* Compaction loses nothing: every thread is still found. */
    forum_query_t *q = contract_query(db, "川普", 1, FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    uint64_t posts = 0, threads = 0;
    forum_results_counts(res, &posts, &threads);
    EXPECT(posts == 600 && threads == 600);
    forum_results_destroy(res);
    forum_query_destroy(q);

    bool due = true;
    EXPECT_STATUS(forum_db_compaction_due(db, NULL), FORUM_EINVAL);
    EXPECT_STATUS(forum_db_compaction_due(NULL, &due), FORUM_EINVAL);
    EXPECT(!due);
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    due = true;
    EXPECT_STATUS(forum_db_compaction_due(db, &due), FORUM_ECLOSED);
    EXPECT(!due);
    forum_db_destroy(db);
    return 0;
}
