/* Unit test of common/index_thread.c (forum_db_index_thread()): what the
 * contract test (tests/contract/index_thread.c) does not cover: limits
 * (a title over 1 KiB and a post over 1 MiB are cut, with a warning
 * through diag, as in a file), the stats, a database of three shards
 * (the thread lands in one shard and replaces itself there), a closed
 * handle, and the boundaries of the accepted dates and floors. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include <forumsearch.h>

#define CHECK_MSG(cond, ...)                                              \
    do {                                                                  \
        if (!(cond))                                                      \
            TEST_FAIL(__VA_ARGS__);                                       \
    } while (0)

typedef struct diags {
    int warnings;
    char last[1024];
    char path[256];
} diags_t;

static void on_diag(void *payload, const char *path, size_t line,
                    forum_severity_t severity, const char *message)
{
    diags_t *d = payload;
    (void)line;
    if (severity == FORUM_WARNING)
        d->warnings++;
    snprintf(d->last, sizeof d->last, "%s", message);
    snprintf(d->path, sizeof d->path, "%s", path);
}

static uint64_t count(forum_db_t *db, const char *q)
{
    forum_query_t *query = NULL;
    forum_results_t *res = NULL;
    uint64_t n = 0;
    CHECK(forum_query_create(&query, db, q, strlen(q), NULL) == FORUM_OK);
    CHECK(forum_query_run(query, &res) == FORUM_OK);
    forum_results_counts(res, &n, NULL);
    forum_query_destroy(query);
    return n;
}

/* The text of the only hit of q. */
static size_t hit_text_len(forum_db_t *db, const char *q, char *title,
                           size_t cap)
{
    forum_query_t *query = NULL;
    forum_results_t *res = NULL;
    const forum_hit_t *hit = NULL;
    CHECK(forum_query_create(&query, db, q, strlen(q), NULL) == FORUM_OK);
    CHECK(forum_query_run(query, &res) == FORUM_OK);
    CHECK(forum_results_next(res, &hit) == FORUM_OK);
    size_t len = hit->text_len;
    snprintf(title, cap, "%s", hit->title);
    forum_query_destroy(query);
    return len;
}

int main(void)
{
    char dir[] = "/tmp/test_index_thread-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/db", dir);
    char *err = NULL;
    CHECK(forum_db_create(path, 3, &err) == FORUM_OK);
    forum_db_t *db = NULL;
    CHECK(forum_db_open(&db, path, FORUM_DB_WRITE, &err) == FORUM_OK);

    /* A title of 1,500 bytes (500 CJK characters) and a post of 1 MiB +
     * 2 bytes: cut on character boundaries, each with a warning. */
    size_t title_len = 1500, big_len = (1u << 20) + 2;
    char *title = malloc(title_len + 1), *big = malloc(big_len);
    CHECK(title && big);
    for (size_t i = 0; i < title_len; i += 3)
        memcpy(title + i, "题", 3);
    title[title_len] = '\0';
    for (size_t i = 0; i + 3 <= big_len; i += 3)
        memcpy(big + i, "长", 3);
    forum_post_input_t posts[] = {
        {0, "作者", INT64_MIN, big, big_len},
        {1000000, "", INT64_C(253402300799), "最后一楼 unique1", 0},
        {7, NULL, INT64_C(-62135596800), "最早的日子 unique2", 0},
    };
    posts[1].text_len = strlen(posts[1].text);
    posts[2].text_len = strlen(posts[2].text);
    forum_thread_input_t in = {FORUM_THREAD_INPUT_VERSION, "b/long", title,
                               NULL, NULL, INT64_MIN, posts, 3};
    forum_index_options_t opts;
    CHECK(forum_index_options_init(&opts, FORUM_INDEX_OPTIONS_VERSION) ==
          FORUM_OK);
    diags_t d = {0, "", ""};
    opts.diag = on_diag;
    opts.diag_payload = &d;
    forum_index_stats_t stats;
    forum_status_t st = forum_db_index_thread(db, &in, &opts, &stats);
    CHECK_MSG(st == FORUM_OK, "%s", forum_db_last_error(db));
    CHECK_MSG(d.warnings == 2, "%d warnings, last %s", d.warnings, d.last);
    CHECK(stats.warnings == 2 && stats.threads == 1 && stats.posts == 3);
    CHECK_MSG(strcmp(d.path, "b/long.txt") == 0, "diag path %s", d.path);
    CHECK(stats.text_bytes ==
          (1u << 20) - 1 + posts[1].text_len + posts[2].text_len);
    char got_title[2048];
    size_t text_len = hit_text_len(db, "floor:0", got_title, sizeof got_title);
    CHECK_MSG(text_len == (1u << 20) - 1, "post cut to %zu", text_len);
    CHECK_MSG(strlen(got_title) == 1023, "title cut to %zu", strlen(got_title));
    CHECK(count(db, "board:b") == 3);
    CHECK(count(db, "unique1 date:9999") == 1);
    CHECK(count(db, "unique2 date:0001") == 1);
    CHECK(count(db, "floor:1000000") == 1);

    /* With three shards, replacing still finds every old post. */
    for (int round = 0; round < 3; round++) {
        forum_post_input_t one[] = {{round, "x", INT64_MIN, "轮次", 6}};
        forum_thread_input_t again = {FORUM_THREAD_INPUT_VERSION, "b/long",
                                      "t", NULL, NULL, INT64_MIN, one, 1};
        CHECK(forum_db_index_thread(db, &again, NULL, NULL) == FORUM_OK);
        CHECK(count(db, "thread:b/long") == 1);
    }
    uint64_t total = 0;
    CHECK(forum_db_post_count(db, &total) == FORUM_OK && total == 1);
    /* Many threads spread over the shards, each replaced once. */
    for (int i = 0; i < 40; i++) {
        char id[32];
        snprintf(id, sizeof id, "many/%d", i);
        forum_post_input_t p[] = {{0, "a", INT64_MIN, "许多 线程", 13},
                                  {1, "b", INT64_MIN, "回复", 6}};
        forum_thread_input_t t = {FORUM_THREAD_INPUT_VERSION, id, "多",
                                  NULL, NULL, INT64_MIN, p, 2};
        CHECK(forum_db_index_thread(db, &t, NULL, NULL) == FORUM_OK);
        t.n_posts = 1;
        CHECK(forum_db_index_thread(db, &t, NULL, NULL) == FORUM_OK);
    }
    CHECK(count(db, "许多 线程") == 40 && count(db, "board:many") == 40);
    CHECK(forum_db_commit(db) == FORUM_OK);

    /* A closed handle. */
    CHECK(forum_db_close(db) == FORUM_OK);
    st = forum_db_index_thread(db, &in, NULL, &stats);
    CHECK(st == FORUM_ECLOSED);
    CHECK(forum_db_last_error(db)[0] != '\0');
    CHECK(forum_db_index_thread(NULL, &in, NULL, NULL) == FORUM_EINVAL);
    forum_db_destroy(db);
    free(title);
    free(big);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    puts("test_index_thread: ok");
    return 0;
}
