/* Contract: title:WORDS finds the articles whose thread title contains
 * WORDS (README, forum-search --help), not every post of those threads
 * (issue 17): exact terms and verified substrings, Traditional folded,
 * with other words, negated, collapsed; the article's hit has a score,
 * and forum_results_title() marks the words in the title.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static forum_db_t *db;

static void expect_hits(const char *query, int collapse, const char *want)
{
    forum_query_t *q = contract_query(db, query, collapse, FORUM_SORT_FLOOR);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    char hits[1024];
    contract_hits(res, hits, sizeof hits);
    if (strcmp(hits, want) != 0) {
        fprintf(stderr, "%s: \"%s\", want \"%s\"\n", query, hits, want);
        exit(1);
    }
    forum_query_destroy(q);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    db = contract_open(path, FORUM_DB_WRITE);
    contract_add(db, "news/tariff.txt", contract_thread(
        "川普宣布对等关税", "今天的新闻。",
        "张三\n1 楼\n关税太高了。\n李四\n2 楼\n不懂。\n"));
    contract_add(db, "news/other.txt", contract_thread(
        "别的事情", "关税也提到了。", "王五\n1 楼\n关税!\n"));
    contract_add(db, "tech/gpu.txt", contract_thread(
        "显卡关税", "显卡要涨价。", "赵六\n1 楼\n唉。\n"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);

    expect_hits("title:关税", 0, "news/tariff#0 tech/gpu#0");
    expect_hits("title:關稅", 0, "news/tariff#0 tech/gpu#0");
    expect_hits("title:对等关税", 0, "news/tariff#0");
    expect_hits("title:关税 显卡", 0, "tech/gpu#0");
    expect_hits("title:关税 不懂", 0, "");
    expect_hits("title:关税", 1, "news/tariff#0 tech/gpu#0");
    expect_hits("关税 -title:关税", 0, "news/other#0 news/other#1 "
                "news/tariff#1");
    expect_hits("title:\"宣布对等\" OR title:显卡", 0,
                "news/tariff#0 tech/gpu#0");

    /* Ranked by relevance: a score, one match per thread, counts of
     * articles, and the title marked. */
    forum_query_t *q = contract_query(db, "title:关税", 1,
                                      FORUM_SORT_RELEVANCE);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(q, &res), FORUM_OK);
    uint64_t posts, threads;
    forum_results_counts(res, &posts, &threads);
    EXPECT(posts == 2 && threads == 2);
    const forum_hit_t *hit;
    int n = 0;
    while (forum_results_next(res, &hit) == FORUM_OK) {
        EXPECT(hit->floor == 0);
        EXPECT(hit->score > 0);
        EXPECT(hit->thread_matches == 1);
        forum_snippet_t *title;
        EXPECT_STATUS(forum_results_title(res, hit, &title), FORUM_OK);
        EXPECT(title->n_marks == 1);
        EXPECT(strncmp(title->text + title->marks[0].start, "关税",
                       strlen("关税")) == 0);
        forum_snippet_destroy(title);
        n++;
    }
    EXPECT(n == 2);
    forum_query_destroy(q);
    forum_db_destroy(db);
    fprintf(stderr, "title_articles: ok\n");
    return 0;
}
