/* Contract: a result set holds what it shows (issue 17).
 *
 * A writer (another handle) commits many times between forum_query_run()
 * and the iteration, rewriting the very threads found and their titles:
 * the iteration still returns every hit, with the thread records as they
 * were when the query ran, and never FORUM_EMODIFIED (it used to read
 * thread records lazily from a database that had moved on).
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

#define THREADS 40
#define COMMITS 6

static void write_threads(forum_db_t *db, int generation)
{
    for (int i = 0; i < THREADS; i++) {
        char name[64], title[128], reply[256];
        snprintf(name, sizeof name, "board/t%02d.txt", i);
        snprintf(title, sizeof title, "第%d版 标题%02d", generation, i);
        snprintf(reply, sizeof reply,
                 "张三\n1 楼\n川普第%d次回复,编号%02d。\n"
                 "李四\n2 楼\n川普又一次,第%d版。\n", generation, i,
                 generation);
        contract_add(db, name, contract_thread(title, "川普说了话。", reply));
    }
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *writer = contract_open(path, FORUM_DB_WRITE);
    write_threads(writer, 0);
    EXPECT_STATUS(forum_db_commit(writer), FORUM_OK);

    forum_db_t *reader = contract_open(path, FORUM_DB_READ);
    forum_query_t *q = contract_query(reader, "川普", 0, FORUM_SORT_FLOOR);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);

    /* Rewrite everything, committing each time: the reader's revision
     * is long gone from the database files afterwards. */
    for (int g = 1; g <= COMMITS; g++) {
        write_threads(writer, g);
        EXPECT_STATUS(forum_db_commit(writer), FORUM_OK);
    }

    const forum_hit_t *hit;
    forum_status_t st;
    int n = 0;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        EXPECT_HAS(hit->title, "第0版");
        EXPECT(hit->floor > 0 || strstr(hit->text, "川普说了话") != NULL);
        if (hit->floor > 0)
            EXPECT_HAS(hit->text, "第0");
        forum_snippet_t *snip;
        EXPECT_STATUS(forum_results_snippet(res, hit, NULL, &snip), FORUM_OK);
        EXPECT(snip->n_marks >= 1);
        forum_snippet_destroy(snip);
        n++;
    }
    EXPECT_STATUS(st, FORUM_ITER_DONE);
    EXPECT(n == 3 * THREADS);

    /* A new run sees the latest commit. */
    forum_results_t *now;
    EXPECT_STATUS(forum_query_run(q, &now), FORUM_OK);
    EXPECT_STATUS(forum_results_next(now, &hit), FORUM_OK);
    char want[32];
    snprintf(want, sizeof want, "第%d版", COMMITS);
    EXPECT_HAS(hit->title, want);

    forum_query_destroy(q);
    forum_db_destroy(reader);
    EXPECT_STATUS(forum_db_close(writer), FORUM_OK);
    forum_db_destroy(writer);
    fprintf(stderr, "pinned_results: ok\n");
    return 0;
}
