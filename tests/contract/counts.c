/* Contract: forum_results_counts() (issue 17).
 *
 * With exact_counts (the default), posts is the number of matching posts
 * and threads the number of distinct threads among them, whether or not
 * the hits are collapsed by thread, for every sort and for every kind of
 * query (one exact term, verified substrings, boolean filters, NOT, OR).
 * Checked against the hits themselves (every hit listed, limit large).
 * Without exact_counts the numbers are estimates, threads at most posts.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static const char *const queries[] = {
    "显卡", "显卡涨价", "显卡 OR 内存", "board:tech", "-显卡", "floor:1..",
    "显卡 -涨价", "title:显卡", "author:张三", "\"涨价了\"", "没有的词"};

static const forum_sort_t sorts[] = {FORUM_SORT_RELEVANCE, FORUM_SORT_DATE,
                                     FORUM_SORT_FLOOR};

/* Counts the hits and their distinct threads by listing them all. */
static void count_by_hand(forum_db_t *db, const char *text, uint64_t *posts,
                          uint64_t *threads)
{
    forum_query_t *q = contract_query(db, text, 0, FORUM_SORT_FLOOR);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    const forum_hit_t *hit;
    char last[256] = "";
    *posts = *threads = 0;
    /* Sorted by thread: a new thread id starts a new thread. */
    while (forum_results_next(res, &hit) == FORUM_OK) {
        (*posts)++;
        if (strcmp(hit->thread_id, last) != 0)
            (*threads)++;
        snprintf(last, sizeof last, "%s", hit->thread_id);
    }
    forum_query_destroy(q);
}

static void check_query(forum_db_t *db, const char *text)
{
    uint64_t want_posts, want_threads;
    count_by_hand(db, text, &want_posts, &want_threads);
    for (int collapse = 0; collapse <= 1; collapse++)
        for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
            forum_query_t *q = contract_query(db, text, collapse, sorts[s]);
            forum_results_t *res;
            EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
            uint64_t posts, threads;
            forum_results_counts(res, &posts, &threads);
            if (posts != want_posts || threads != want_threads) {
                fprintf(stderr, "%s (collapse %d, sort %d): %llu posts, "
                        "%llu threads; want %llu, %llu\n", text, collapse,
                        (int)sorts[s], (unsigned long long)posts,
                        (unsigned long long)threads,
                        (unsigned long long)want_posts,
                        (unsigned long long)want_threads);
                exit(1);
            }
            forum_query_destroy(q);
        }
}

static void check_estimates(forum_db_t *db, const char *text)
{
    for (int collapse = 0; collapse <= 1; collapse++) {
        forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
        opts.exact_counts = false;
        opts.collapse_threads = collapse != 0;
        forum_query_t *q;
        EXPECT_STATUS(forum_query_create(&q, db, text, strlen(text), &opts),
                      FORUM_OK);
        forum_results_t *res;
        EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
        uint64_t posts, threads;
        forum_results_counts(res, &posts, &threads);
        EXPECT(threads <= posts);
        forum_query_destroy(q);
    }
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "tech/gpu.txt", contract_thread(
        "显卡涨价了", "显卡涨价了,没法买。",
        "张三\n1 楼\n显卡太贵。\n李四\n2 楼\n等显卡降价。\n"
        "王五\n3 楼\n显卡涨价了又。\n赵六\n4 楼\n不玩游戏。\n"));
    contract_add(db, "tech/ram.txt", contract_thread(
        "内存", "内存降价了。", "张三\n1 楼\n买显卡吧。\n"));
    contract_add(db, "life/food.txt", contract_thread(
        "火锅", "今天吃火锅。", "张三\n1 楼\n好吃。\n"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);

    /* The figures of the issue: 显卡 is in 5 posts of 2 threads. */
    uint64_t posts, threads;
    count_by_hand(db, "显卡", &posts, &threads);
    EXPECT(posts == 5 && threads == 2);

    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        check_query(db, queries[i]);
        check_estimates(db, queries[i]);
    }
    forum_db_destroy(db);
    fprintf(stderr, "counts: ok\n");
    return 0;
}
