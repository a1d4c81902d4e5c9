/* Relevance: for each query, the order a reader wants between threads
 * (or posts) that all match it, so that the ranking decides every case:
 * no case is passed by a query that finds a single thread.
 *
 * The expected orders were written down from what the threads are about
 * (and, for the fixtures, before they were first indexed): the thread
 * about a topic above a thread that mentions it in passing. The fixtures
 * (tests/fixtures/relevance/rel/) add the passing mentions the sample
 * threads lack, and pairs of threads alike in everything but one thing:
 *
 *   rel/0003 / rel/0004   川普 and 和服 as words (川普|今天, 穿|和服) or
 *                         straddling words (四川|普通话, 暖和|服务), in
 *                         replies of the same length in threads of the
 *                         same shape;
 *   rel/0005              a reply, and later replies quoting it inline
 *                         (NAME 发表评论于 DATE … -----);
 *   rel/0006 / rel/0001   露营 in a thread title, or once in passing;
 *   rel/0007 / rel/0001   钓鱼 in five replies, or once in a short one;
 *   rel/0002 / rel/0001   王小明 and 婚礼 in a thread about the wedding,
 *                         or together once in passing.
 *
 * A change that breaks one must argue why in its commit.
 *
 * usage: test_relevance FORUM-INDEX SAMPLES-DIR FIXTURES-DIR SCRATCH-DIR
 * (indexes the samples and the fixtures into one database, searches
 * through the library)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

#include "testutil.h"

#define MAX_ORDER 4

typedef struct relevance_case {
    const char *query;
    int posts;        /* Order posts ("thread#floor"), not threads. */
    int top;          /* order[0] must be the first hit of all. */
    const char *order[MAX_ORDER]; /* Each above the next; all must match. */
    const char *absent;           /* Must not match (NULL: no such). */
    /* A known ranking debt: the order is what a reader wants and what
     * the ranking does not give yet; reported, not failed. When it
     * starts to hold, the test fails until this mark is removed. */
    const char *known;
} relevance_case_t;

static const relevance_case_t cases[] = {
    /* The thread about it above a thread that mentions it. */
    {"四川普通话", 0, 1,
     {"life/0001_sichuan-mandarin", "news/0003_reciprocal-tariffs"}, NULL, NULL},
    {"和服", 0, 1, {"life/0002_kimono-kyoto", "news/0003_reciprocal-tariffs"},
     NULL, NULL},
    {"李华", 0, 1, {"life/0004_li-hua-letter", "tech/0008_interview-no-ai"},
     NULL, NULL},
    {"房租", 0, 1, {"life/0005_beijing-rent", "taiwan/0003_software-salary"},
     NULL, NULL},
    {"火锅", 0, 1, {"life/0006_hotpot", "life/0003_wang-xiaoming-wedding", NULL},
     NULL, NULL},
    {"提前退休", 0, 1, {"life/0007_retire-early", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"显卡", 0, 1, {"tech/0001_gpu-prices", "news/0003_reciprocal-tariffs"},
     NULL, NULL},
    {"deepseek", 0, 1, {"tech/0003_deepseek-r1", "tech/0002_chatgpt-coding"},
     NULL, NULL},
    {"linux", 0, 1, {"tech/0005_linux-desktop", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"mac mini", 0, 1, {"tech/0006_mac-mini-m4", "rel/0001_coffee-chat"},
     NULL, NULL},
    /* The sample thread about the withdrawal says 退选 once, in reply 8
     * (its title says 退出); the fixture says it once too, in a coffee
     * chat. A reader wants the thread about it; the ranking sees two
     * single mentions of equal weight (24.41 vs 24.58) and nothing of
     * the thread around them (its title has 拜登). */
    {"拜登 退选", 0, 1, {"news/0002_biden-withdraws", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"tiktok", 0, 1, {"news/0005_tiktok-ban-eve", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"台积电 1000亿", 0, 1, {"news/0007_tsmc-100b-us", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"资讯安全", 0, 1, {"taiwan/0004_data-leak", "rel/0001_coffee-chat"},
     NULL, NULL},
    {"黄仁勋 夜市", 0, 1,
     {"taiwan/0005_jensen-night-market", "rel/0001_coffee-chat"}, NULL, NULL},
    {"馬斯克說 臺灣", 0, 1,
     {"taiwan/0001_musk-says-taiwan", "news/0007_tsmc-100b-us"}, NULL, NULL},
    {"面试 AI", 0, 1,
     {"tech/0008_interview-no-ai", "tech/0002_chatgpt-coding"}, NULL, NULL},
    /* Words AND within one post (the article counts its title): the
     * sample thread whose title names 王小明 and whose replies say 婚礼
     * has no post with both, and must not match (README); the fixture
     * thread about the wedding ranks above a passing mention. */
    {"王小明 婚礼", 0, 1,
     {"rel/0002_xiaoming-wedding", "rel/0001_coffee-chat"},
     "life/0003_wang-xiaoming-wedding", NULL},

    /* Aligned words: the word itself above the same characters straddling
     * two words, in replies alike in everything else. */
    {"川普", 0, 0, {"rel/0003_heard-today", "rel/0004_overheard-today"},
     NULL, NULL},
    {"和服", 0, 0, {"rel/0003_heard-today", "rel/0004_overheard-today"},
     NULL, NULL},
    /* ... and in the samples: 穿和服来排队 above 暖和服务. */
    {"和服", 0, 0,
     {"taiwan/0005_jensen-night-market", "life/0006_hotpot"}, NULL, NULL},

    /* A post above the replies that only quote it. */
    {"量子纠缠", 1, 1, {"rel/0005_quantum-quote#1", "rel/0005_quantum-quote#2"},
     NULL, NULL},
    {"量子纠缠", 1, 1, {"rel/0005_quantum-quote#1", "rel/0005_quantum-quote#3"},
     NULL, NULL},
    /* ... and in the samples: 支持川普 said in #9, quoted by #10. */
    {"支持川普", 1, 0,
     {"news/0003_reciprocal-tariffs#9", "news/0003_reciprocal-tariffs#10"},
     NULL, NULL},

    /* A thread whose title has the words above a passing mention. */
    {"露营", 0, 1, {"rel/0006_camping-gear", "rel/0001_coffee-chat"}, NULL, NULL},
    {"关税", 0, 0,
     {"taiwan/0006_tariff-taiwan-32", "news/0002_biden-withdraws"}, NULL, NULL},
    {"关税", 0, 0,
     {"news/0003_reciprocal-tariffs", "news/0004_h20-export-ban"}, NULL, NULL},

    /* Many matching posts above one short mention. */
    {"钓鱼", 0, 1, {"rel/0007_weekend-outing", "rel/0001_coffee-chat"},
     NULL, NULL},
};

/* The hits of a query: thread ids (collapsed) or "thread#floor". */
static size_t run(forum_db_t *db, const relevance_case_t *c, char ***out)
{
    forum_search_options_t opts;
    CHECK_EQ_INT(forum_search_options_init(&opts,
                                           FORUM_SEARCH_OPTIONS_VERSION),
                 FORUM_OK);
    opts.collapse_threads = !c->posts;
    opts.limit = 1000;
    forum_query_t *q;
    forum_results_t *res;
    const forum_hit_t *hit;
    CHECK_EQ_INT(forum_query_create(&q, db, c->query, strlen(c->query),
                                    &opts), FORUM_OK);
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    char **hits = NULL;
    size_t n = 0;
    while (forum_results_next(res, &hit) == FORUM_OK) {
        char key[1024];
        if (c->posts)
            snprintf(key, sizeof key, "%s#%d", hit->thread_id, hit->floor);
        else
            snprintf(key, sizeof key, "%s", hit->thread_id);
        hits = realloc(hits, (n + 1) * sizeof *hits);
        CHECK(hits != NULL);
        hits[n] = strdup(key);
        CHECK(hits[n] != NULL);
        n++;
    }
    forum_query_destroy(q);
    *out = hits;
    return n;
}

/* 1-based rank of key among the hits, 0 when it is not there. */
static size_t rank_of(char **hits, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(hits[i], key) == 0)
            return i + 1;
    return 0;
}

/* Checks one case; prints it. Returns 1 when its order holds. */
static int check_case(forum_db_t *db, const relevance_case_t *c)
{
    char **hits;
    size_t n = run(db, c, &hits);
    int ok = 1;
    size_t n_order = 0, ranks[MAX_ORDER];
    while (n_order < MAX_ORDER && c->order[n_order])
        n_order++;
    CHECK(n_order >= 2);
    fprintf(stderr, "%-14s", c->query);
    for (size_t i = 0; i < n_order; i++) {
        ranks[i] = rank_of(hits, n, c->order[i]);
        fprintf(stderr, " %s%s #%zu", i ? "> " : "", c->order[i], ranks[i]);
        if (ranks[i] == 0)
            ok = 0; /* Every one must match: the order is the ranking's. */
        else if (i > 0 && ranks[i] < ranks[i - 1])
            ok = 0;
    }
    if (c->top && ranks[0] != 1)
        ok = 0;
    if (c->absent && rank_of(hits, n, c->absent) != 0) {
        fprintf(stderr, " (%s matched)", c->absent);
        ok = 0;
    }
    fprintf(stderr, "%s %s\n", c->top ? " (first)" : "",
            ok ? (c->known ? "ok, but marked known WRONG: remove the mark"
                           : "ok")
               : c->known ? "WRONG (known)" : "WRONG");
    if (!ok && c->known)
        fprintf(stderr, "  known: %s\n", c->known);
    if (!ok) {
        fprintf(stderr, "  hits:");
        for (size_t i = 0; i < n && i < 12; i++)
            fprintf(stderr, " %s", hits[i]);
        fprintf(stderr, "%s\n", n > 12 ? " …" : "");
    }
    for (size_t i = 0; i < n; i++)
        free(hits[i]);
    free(hits);
    return ok;
}

/* ---- Thread scope ----------------------------------------------- */

/* Threads (lead post and the posts shown with it) of a thread-scope
 * search, as "thread:floor,floor,...", best first. */
static size_t run_threads(forum_db_t *db, const char *query, char ***out)
{
    forum_search_options_t opts;
    CHECK_EQ_INT(forum_search_options_init(&opts,
                                           FORUM_SEARCH_OPTIONS_VERSION),
                 FORUM_OK);
    opts.scope = FORUM_SCOPE_THREAD;
    opts.limit = 1000;
    forum_query_t *q;
    forum_results_t *res;
    const forum_hit_t *hit;
    CHECK_EQ_INT(forum_query_create(&q, db, query, strlen(query), &opts),
                 FORUM_OK);
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    char **hits = NULL;
    size_t n = 0;
    while (forum_results_next(res, &hit) == FORUM_OK) {
        /* The floors shown, in order (the lead's among the others). */
        int floors[64];
        size_t k = 0;
        floors[k++] = hit->floor;
        for (size_t i = 0; i < hit->n_also && k < 64; i++)
            floors[k++] = hit->also[i].floor;
        for (size_t i = 1; i < k; i++)
            for (size_t j = i; j > 0 && floors[j] < floors[j - 1]; j--) {
                int t = floors[j];
                floors[j] = floors[j - 1];
                floors[j - 1] = t;
            }
        char key[1024];
        int at = snprintf(key, sizeof key, "%s:", hit->thread_id);
        for (size_t i = 0; i < k && at > 0 && (size_t)at < sizeof key; i++)
            at += snprintf(key + at, sizeof key - (size_t)at, "%s%d",
                           i ? "," : "", floors[i]);
        hits = realloc(hits, (n + 1) * sizeof *hits);
        CHECK(hits != NULL);
        hits[n] = strdup(key);
        CHECK(hits[n] != NULL);
        n++;
    }
    forum_query_destroy(q);
    *out = hits;
    return n;
}

/* 1-based rank of the hit of thread (its key starts "thread:"). */
static size_t thread_rank(char **hits, size_t n, const char *thread)
{
    size_t len = strlen(thread);
    for (size_t i = 0; i < n; i++)
        if (strncmp(hits[i], thread, len) == 0 && hits[i][len] == ':')
            return i + 1;
    return 0;
}

static const char *thread_hit(char **hits, size_t n, const char *thread)
{
    size_t r = thread_rank(hits, n, thread);
    return r ? hits[r - 1] : "";
}

static void free_hits(char **hits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(hits[i]);
    free(hits);
}

/* Written from the threads themselves: in life/0003 王小明 is in the
 * title, the article (floor 0) and reply 8, 婚礼 only in reply 2 (both
 * replies by 婚礼策划师小美), 请你 in replies 1, 3 and 6 (6 by 王小明),
 * 份子钱 in the article and replies 3 and 10; 李华 wrote replies 4 and
 * 13, which have neither word. rel/0002 is about the wedding (both
 * words in its title and posts); rel/0001 names both once, in one
 * reply. */
static void check_thread_scope(forum_db_t *db)
{
    char **hits;
    size_t n = run_threads(db, "王小明 婚礼", &hits);
    fprintf(stderr, "thread scope: 王小明 婚礼: %s #%zu, %s #%zu, %s #%zu\n",
            "rel/0002", thread_rank(hits, n, "rel/0002_xiaoming-wedding"),
            "life/0003", thread_rank(hits, n,
                                     "life/0003_wang-xiaoming-wedding"),
            "rel/0001", thread_rank(hits, n, "rel/0001_coffee-chat"));
    /* Post scope does not find life/0003 (no post has both); thread
     * scope does, showing the article and reply 2, below the thread
     * about the wedding and above the passing mention. */
    CHECK_EQ_INT(thread_rank(hits, n, "rel/0002_xiaoming-wedding"), 1);
    CHECK(thread_rank(hits, n, "life/0003_wang-xiaoming-wedding") > 1);
    CHECK(thread_rank(hits, n, "life/0003_wang-xiaoming-wedding") <
          thread_rank(hits, n, "rel/0001_coffee-chat"));
    CHECK_EQ_STR(thread_hit(hits, n, "life/0003_wang-xiaoming-wedding"),
                 "life/0003_wang-xiaoming-wedding:0,2");
    free_hits(hits, n);

    /* Filters keep their per-post meaning: only the posts that pass
     * them count. */
    n = run_threads(db, "floor:1.. 王小明 婚礼", &hits);
    CHECK_EQ_STR(thread_hit(hits, n, "life/0003_wang-xiaoming-wedding"),
                 "life/0003_wang-xiaoming-wedding:2,8");
    free_hits(hits, n);
    n = run_threads(db, "author:婚礼策划师小美 王小明 婚礼", &hits);
    CHECK_EQ_STR(thread_hit(hits, n, "life/0003_wang-xiaoming-wedding"),
                 "life/0003_wang-xiaoming-wedding:2,8");
    free_hits(hits, n);
    n = run_threads(db, "author:李华 王小明 婚礼", &hits);
    CHECK_EQ_INT(thread_rank(hits, n, "life/0003_wang-xiaoming-wedding"), 0);
    free_hits(hits, n);
    n = run_threads(db, "author:王小明 请你", &hits);
    CHECK_EQ_STR(thread_hit(hits, n, "life/0003_wang-xiaoming-wedding"),
                 "life/0003_wang-xiaoming-wedding:6");
    free_hits(hits, n);
    /* A word no post of the thread has keeps it out; a negated word any
     * of its posts has, too. */
    n = run_threads(db, "王小明 婚礼 -份子钱", &hits);
    CHECK_EQ_INT(thread_rank(hits, n, "life/0003_wang-xiaoming-wedding"), 0);
    CHECK(thread_rank(hits, n, "rel/0002_xiaoming-wedding") > 0);
    free_hits(hits, n);
    n = run_threads(db, "王小明 婚礼 (请帖 OR 红包)", &hits);
    CHECK_EQ_STR(thread_hit(hits, n, "life/0003_wang-xiaoming-wedding"),
                 "life/0003_wang-xiaoming-wedding:0,2");
    CHECK(thread_rank(hits, n, "rel/0001_coffee-chat") > 0);
    CHECK_EQ_INT(thread_rank(hits, n, "rel/0002_xiaoming-wedding"), 0);
    free_hits(hits, n);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_relevance INDEXER SAMPLES FIXTURES "
                "SCRATCH\n");
        return 2;
    }
    char db_path[2048], command[8192];
    snprintf(db_path, sizeof db_path, "%s/relevance.db", argv[4]);
    snprintf(command, sizeof command,
             "rm -rf '%s' && '%s' -q '%s' '%s' '%s'", db_path, argv[1],
             db_path, argv[2], argv[3]);
    PHASE("index the samples and the fixtures");
    CHECK_EQ_INT(system(command), 0);
    forum_db_t *db;
    char *err = NULL;
    CHECK_EQ_INT(forum_db_open(&db, db_path, FORUM_DB_READ, &err), FORUM_OK);

    PHASE("orders");
    size_t held = 0, known = 0, wrong = 0, n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        test_phase = cases[i].query;
        int ok = check_case(db, &cases[i]);
        held += ok;
        known += cases[i].known != NULL;
        wrong += cases[i].known ? ok : !ok;
    }
    PHASE("thread scope");
    check_thread_scope(db);
    forum_db_destroy(db);
    fprintf(stderr, "relevance: %zu orders, %zu hold; %zu marked as known "
            "ranking debts; %zu unexpected\n", n, held, known, wrong);
    snprintf(command, sizeof command, "rm -rf '%s'", db_path);
    CHECK_EQ_INT(system(command), 0);
    return wrong ? 1 : 0;
}
