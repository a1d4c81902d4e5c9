/* Paging: every search has one total order (issue 11). For each query,
 * sort and mode (posts, collapsed threads, thread scope), the pages of sizes 1, 3, 10
 * and 37 at many offsets are exactly the slices of one unpaged run: the
 * same posts, in the same order, with the same scores, ranks and thread
 * match counts, and the same totals.
 *
 * The fixture has many ties on purpose: examples/threads copied COPIES
 * times under different board names, so every post has identical twins
 * that only the tie-break (thread id, then floor) can order.
 *
 * usage: test_paging SAMPLES-DIR SCRATCH-DIR
 * Public API only.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <forumsearch.h>

#include "testutil.h"

#define COPIES 10
#define UNPAGED ((size_t)1 << 30)

/* Bench-style queries (tests/test_relevance.c, tests/test_recall.c) and
 * the examples of the query language (README "Query syntax"). */
static const char *const queries[] = {
    "川普", "的", "马斯克", "和服", "显卡", "openai", "AI", "deepseek",
    "mac mini", "拜登 退选", "台积电 1000亿", "馬斯克說 臺灣", "四川普通话",
    "王小明 婚礼", "川普 openai", "\"马斯克 川普\"", "川普 OR 拜登",
    "-特朗普", "(川普 OR 拜登) -特朗普", "author:supernova13",
    "title:关税", "board:news3", "thread:news0/0001_musk-doge-exit",
    "floor:0", "floor:1.. 关税", "floor:2..10 川普", "floor:..3 马斯克",
    "date:2025-01-01..2025-01-31", "date:2025-01..", "date:..2024",
    "date:2024"};

static const forum_sort_t sorts[] = {FORUM_SORT_RELEVANCE, FORUM_SORT_DATE,
                                     FORUM_SORT_FLOOR};
static const size_t page_sizes[] = {1, 3, 10, 37};

typedef struct hit_copy {
    char id[160];
    double score;
    uint32_t rank;
    uint64_t thread_matches;
} hit_copy_t;

typedef struct listing {
    hit_copy_t *hits;
    size_t n;
    uint64_t posts, threads;
} listing_t;

static size_t runs;

/* ---- The fixture -------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    CHECK(in != NULL && out != NULL);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        CHECK(fwrite(buf, 1, n, out) == n);
    fclose(in);
    CHECK(fclose(out) == 0);
}

/* samples/BOARD/FILE -> tree/BOARD<copy>/FILE for every copy. */
static void build_tree(const char *samples, const char *tree)
{
    CHECK(mkdir(tree, 0755) == 0);
    DIR *boards = opendir(samples);
    CHECK(boards != NULL);
    struct dirent *b;
    while ((b = readdir(boards)) != NULL) {
        if (b->d_name[0] == '.')
            continue;
        char board[4096];
        snprintf(board, sizeof board, "%s/%s", samples, b->d_name);
        for (int copy = 0; copy < COPIES; copy++) {
            char dest[4400];
            snprintf(dest, sizeof dest, "%s/%s%d", tree, b->d_name, copy);
            CHECK(mkdir(dest, 0755) == 0);
            DIR *files = opendir(board);
            CHECK(files != NULL);
            struct dirent *f;
            while ((f = readdir(files)) != NULL) {
                if (f->d_name[0] == '.')
                    continue;
                char from[4400], to[4800];
                snprintf(from, sizeof from, "%s/%s", board, f->d_name);
                snprintf(to, sizeof to, "%s/%s", dest, f->d_name);
                copy_file(from, to);
            }
            closedir(files);
        }
    }
    closedir(boards);
}

/* ---- Running ------------------------------------------------------ */

/* mode: 0 posts, 1 collapsed threads, 2 thread scope. */
static listing_t run(forum_db_t *db, const char *text, int mode,
                     forum_sort_t sort, size_t offset, size_t limit)
{
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.collapse_threads = mode != 0;
    opts.scope = mode == 2 ? FORUM_SCOPE_THREAD : FORUM_SCOPE_POST;
    opts.sort = sort;
    opts.offset = offset;
    opts.limit = limit;
    forum_query_t *q;
    if (forum_query_create(&q, db, text, strlen(text), &opts) != FORUM_OK)
        TEST_FAIL("query %s: %s", text, forum_db_last_error(db));
    forum_results_t *res;
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    runs++;
    listing_t list = {NULL, 0, 0, 0};
    forum_results_counts(res, &list.posts, &list.threads);
    size_t cap = 0;
    const forum_hit_t *hit;
    forum_status_t st;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        if (list.n == cap) {
            cap = cap ? 2 * cap : 64;
            list.hits = realloc(list.hits, cap * sizeof *list.hits);
            CHECK(list.hits != NULL);
        }
        hit_copy_t *h = &list.hits[list.n++];
        int at = snprintf(h->id, sizeof h->id, "%s#%d", hit->thread_id,
                          hit->floor);
        /* Thread scope: the posts shown with it are part of the hit. */
        for (size_t i = 0; i < hit->n_also && at > 0 &&
                           (size_t)at < sizeof h->id; i++) {
            CHECK(hit->also[i].rank == hit->rank);
            CHECK(strcmp(hit->also[i].thread_id, hit->thread_id) == 0);
            CHECK(i == 0 || hit->also[i].floor > hit->also[i - 1].floor);
            at += snprintf(h->id + at, sizeof h->id - (size_t)at, "+%d",
                           hit->also[i].floor);
        }
        h->score = hit->score;
        h->rank = hit->rank;
        h->thread_matches = hit->thread_matches;
    }
    CHECK_EQ_INT(st, FORUM_ITER_DONE);
    forum_query_destroy(q);
    return list;
}

static void check_page(const listing_t *all, const listing_t *page,
                       size_t offset, size_t size, const char *what)
{
    size_t want = offset >= all->n ? 0
                  : all->n - offset < size ? all->n - offset : size;
    if (page->n != want)
        TEST_FAIL("%s: page at %zu of %zu has %zu hits, want %zu", what,
                  offset, size, page->n, want);
    if (page->posts != all->posts || page->threads != all->threads)
        TEST_FAIL("%s: page at %zu of %zu counts %llu/%llu, unpaged "
                  "%llu/%llu", what, offset, size,
                  (unsigned long long)page->posts,
                  (unsigned long long)page->threads,
                  (unsigned long long)all->posts,
                  (unsigned long long)all->threads);
    for (size_t i = 0; i < page->n; i++) {
        const hit_copy_t *got = &page->hits[i], *exp = &all->hits[offset + i];
        if (strcmp(got->id, exp->id) != 0 || got->score != exp->score ||
            got->rank != exp->rank ||
            got->thread_matches != exp->thread_matches)
            TEST_FAIL("%s: page at %zu of %zu, hit %zu: %s %.17g r%u m%llu; "
                      "unpaged: %s %.17g r%u m%llu", what, offset, size, i,
                      got->id, got->score, got->rank,
                      (unsigned long long)got->thread_matches, exp->id,
                      exp->score, exp->rank,
                      (unsigned long long)exp->thread_matches);
    }
}

/* Offsets to try for one page size: the first pages, a few at the end,
 * one past it, and some in between. */
static size_t offsets_for(size_t total, size_t size, size_t *out)
{
    size_t n = 0, first_pages = size == 1 ? 6 : size == 3 ? 5 : 4;
    for (size_t k = 0; k < first_pages && k * size <= total; k++)
        out[n++] = k * size;
    if (total > size) {
        out[n++] = total - size;
        out[n++] = total - 1;
        out[n++] = total / 2;
        out[n++] = total / 3 + 1;
    }
    out[n++] = total;
    out[n++] = total + 5;
    return n;
}

static void check_query(forum_db_t *db, const char *text)
{
    static const char *const modes[] = {"posts", "threads",
                                        "thread scope"};
    for (int collapse = 0; collapse <= 2; collapse++)
        for (size_t s = 0; s < sizeof sorts / sizeof sorts[0]; s++) {
            char what[256];
            snprintf(what, sizeof what, "%s (%s, sort %d)", text,
                     modes[collapse], (int)sorts[s]);
            listing_t all = run(db, text, collapse, sorts[s], 0, UNPAGED);
            /* Ranks follow the order; collapsed, one hit per thread. */
            for (size_t i = 0; i < all.n; i++) {
                CHECK_EQ_INT(all.hits[i].rank, i);
                if (sorts[s] != FORUM_SORT_RELEVANCE)
                    CHECK(all.hits[i].score == 0.0);
                else if (i > 0)
                    CHECK(all.hits[i].score <= all.hits[i - 1].score);
            }
            if (collapse)
                CHECK_EQ_INT(all.n, all.threads);
            else
                CHECK_EQ_INT(all.n, all.posts);
            for (size_t p = 0; p < sizeof page_sizes / sizeof page_sizes[0];
                 p++) {
                size_t offsets[32];
                size_t n = offsets_for(all.n, page_sizes[p], offsets);
                for (size_t k = 0; k < n; k++) {
                    listing_t page = run(db, text, collapse, sorts[s],
                                         offsets[k], page_sizes[p]);
                    check_page(&all, &page, offsets[k], page_sizes[p],
                               what);
                    free(page.hits);
                }
            }
            fprintf(stderr, "  %-36s %5zu hits ok\n", what, all.n);
            free(all.hits);
        }
}

/* Relevance ties among the twins: the copies of one post come in board
 * order, and a thread's twins keep the same score. */
static void check_ties(forum_db_t *db)
{
    listing_t all = run(db, "川普", 1, FORUM_SORT_RELEVANCE, 0, UNPAGED);
    CHECK(all.n >= COPIES);
    size_t tied = 0;
    for (size_t i = 1; i < all.n; i++)
        if (all.hits[i].score == all.hits[i - 1].score) {
            tied++;
            CHECK(strcmp(all.hits[i - 1].id, all.hits[i].id) < 0);
        }
    CHECK(tied >= all.n / 2);
    free(all.hits);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_paging SAMPLES SCRATCH\n");
        return 2;
    }
    char tree[4096], db_path[4096], command[8400];
    snprintf(tree, sizeof tree, "%s/paging-tree", argv[2]);
    snprintf(db_path, sizeof db_path, "%s/paging.db", argv[2]);
    snprintf(command, sizeof command, "rm -rf '%s' '%s'", tree, db_path);
    CHECK_EQ_INT(system(command), 0);

    PHASE("copy the samples and index them");
    build_tree(argv[1], tree);
    forum_db_t *db = NULL;
    char *err = NULL;
    if (forum_db_open(&db, db_path, FORUM_DB_WRITE, &err) != FORUM_OK)
        TEST_FAIL("open %s: %s", db_path, err ? err : "?");
    forum_index_stats_t stats;
    CHECK_EQ_INT(forum_db_index_path(db, tree, NULL, &stats), FORUM_OK);
    CHECK_EQ_INT(stats.files_indexed, 28 * COPIES);
    CHECK_EQ_INT(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
    CHECK_EQ_INT(forum_db_open(&db, db_path, FORUM_DB_READ, &err), FORUM_OK);

    PHASE("ties are broken by thread id, then floor");
    check_ties(db);
    PHASE("every page is a slice of the unpaged run");
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        check_query(db, queries[i]);

    forum_db_destroy(db);
    CHECK_EQ_INT(system(command), 0);
    fprintf(stderr, "test_paging: %zu queries x 9 orders, %zu runs: every "
            "page a slice of one order\n",
            sizeof queries / sizeof queries[0], runs);
    return 0;
}
