/* Threads: one database handle shared by many threads, and one handle
 * per thread, give every query the results a single thread gets
 * (issue 17). Built with FORUMSEARCH_TSAN=ON, ThreadSanitizer checks the
 * same runs for data races.
 *
 * A shared handle serializes its calls; the threads here create their
 * own queries from it, share some queries outright (each run makes its
 * own result set), iterate, snippet, and fail on purpose: each thread
 * must read its own last error, never another thread's. All of it on a
 * database of one shard, then of three.
 *
 * usage: test_threads SAMPLES-DIR SCRATCH-DIR
 * Public API only.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

#include "testutil.h"

#define N_THREADS 4
#define ROUNDS 2

static const char *const queries[] = {
    "川普", "马斯克", "关税", "显卡", "openai", "台积电 1000亿", "四川普通话",
    "和服", "\"马斯克 川普\"", "川普 OR 拜登", "(川普 OR 拜登) -特朗普",
    "board:news", "author:supernova13", "floor:0 川普", "floor:2..10 关税",
    "date:2025-01..", "title:关税", "马斯克向川普", "的", "AI"};
#define N_QUERIES (sizeof queries / sizeof queries[0])

/* A malformed query per thread, so each thread's message is its own. */
static const char *const bad_queries[N_THREADS] = {
    "川普 \"open", "(川普", "foo:bar", "川普 -"};

typedef struct job {
    const char *query;
    int collapse;
    forum_sort_t sort;
    size_t offset, limit;
} job_t;

#define N_SHAPES 6
static job_t jobs[N_QUERIES * N_SHAPES];
static char *expected[N_QUERIES * N_SHAPES];
static char *expected_errors[N_THREADS];
static size_t n_jobs;

static char db_path[4096];

static void make_jobs(void)
{
    static const struct {
        int collapse;
        forum_sort_t sort;
        size_t offset, limit;
    } shapes[N_SHAPES] = {
        {1, FORUM_SORT_RELEVANCE, 0, 10}, {0, FORUM_SORT_RELEVANCE, 3, 20},
        {1, FORUM_SORT_DATE, 0, 15},      {0, FORUM_SORT_DATE, 5, 10},
        {1, FORUM_SORT_FLOOR, 2, 8},      {0, FORUM_SORT_FLOOR, 0, 30}};
    for (size_t q = 0; q < N_QUERIES; q++)
        for (size_t s = 0; s < N_SHAPES; s++)
            jobs[n_jobs++] = (job_t){queries[q], shapes[s].collapse,
                                     shapes[s].sort, shapes[s].offset,
                                     shapes[s].limit};
}

/* Appends to a growing string. */
static void append(char **out, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char **out, size_t *len, const char *fmt, ...)
{
    char piece[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    CHECK(n >= 0 && (size_t)n < sizeof piece);
    char *grown = realloc(*out, *len + (size_t)n + 1);
    CHECK(grown != NULL);
    memcpy(grown + *len, piece, (size_t)n + 1);
    *out = grown;
    *len += (size_t)n;
}

/* Everything a run shows, as text: counts, then per hit its id, floor,
 * score, rank, thread matches, and its snippet with the marks. */
static char *describe_results(forum_results_t *res)
{
    char *out = NULL;
    size_t len = 0;
    uint64_t posts, threads;
    forum_results_counts(res, &posts, &threads);
    append(&out, &len, "%llu/%llu:", (unsigned long long)posts,
           (unsigned long long)threads);
    const forum_hit_t *hit;
    forum_status_t st;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        append(&out, &len, " %s#%d %.17g r%u m%llu", hit->thread_id,
               hit->floor, hit->score, hit->rank,
               (unsigned long long)hit->thread_matches);
        forum_snippet_t *snip;
        CHECK_EQ_INT(forum_results_snippet(res, hit, NULL, &snip), FORUM_OK);
        append(&out, &len, " [%s]", snip->text);
        for (size_t i = 0; i < snip->n_marks; i++)
            append(&out, &len, "(%zu,%zu)", snip->marks[i].start,
                   snip->marks[i].end);
        forum_snippet_destroy(snip);
    }
    CHECK_EQ_INT(st, FORUM_ITER_DONE);
    return out;
}

static forum_query_t *make_query(forum_db_t *db, const job_t *job)
{
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.collapse_threads = job->collapse != 0;
    opts.sort = job->sort;
    opts.offset = job->offset;
    opts.limit = job->limit;
    forum_query_t *q = NULL;
    forum_status_t st = forum_query_create(&q, db, job->query,
                                           strlen(job->query), &opts);
    if (st != FORUM_OK)
        TEST_FAIL("query %s: %s", job->query, forum_db_last_error(db));
    /* A successful call leaves this thread no message. */
    CHECK_EQ_STR(forum_db_last_error(db), "");
    return q;
}

static char *run_job(forum_db_t *db, const job_t *job)
{
    forum_query_t *q = make_query(db, job);
    forum_results_t *res;
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    char *text = describe_results(res);
    forum_query_destroy(q);
    return text;
}

/* Fails on purpose; returns the message this thread reads. */
static char *fail_on_purpose(forum_db_t *db, size_t thread)
{
    forum_query_t *q = NULL;
    const char *bad = bad_queries[thread];
    CHECK_EQ_INT(forum_query_create(&q, db, bad, strlen(bad), NULL),
                 FORUM_EQUERY);
    CHECK(q == NULL);
    char *message = strdup(forum_db_last_error(db));
    CHECK(message != NULL && message[0] != '\0');
    return message;
}

typedef struct worker {
    size_t index;
    forum_db_t *shared;          /* NULL: open a handle of its own. */
    forum_query_t **shared_queries; /* One per job, made up front. */
    size_t mismatches;
} worker_t;

static void *work(void *arg)
{
    worker_t *w = arg;
    forum_db_t *db = w->shared;
    if (db == NULL) {
        char *err = NULL;
        CHECK_EQ_INT(forum_db_open(&db, db_path, FORUM_DB_READ, &err),
                     FORUM_OK);
    }
    for (int round = 0; round < ROUNDS; round++) {
        /* Each thread walks the jobs from its own starting point. */
        for (size_t k = 0; k < n_jobs; k++) {
            size_t j = (k + w->index * n_jobs / N_THREADS + round * 7) %
                       n_jobs;
            char *got;
            if (w->shared_queries && k % 3 == 0) {
                forum_results_t *res;
                CHECK_EQ_INT(forum_query_run(w->shared_queries[j], &res),
                             FORUM_OK);
                got = describe_results(res);
                forum_results_destroy(res);
            } else {
                got = run_job(db, &jobs[j]);
            }
            if (strcmp(got, expected[j]) != 0) {
                fprintf(stderr, "thread %zu: %s differs\n  got  %.300s\n"
                        "  want %.300s\n", w->index, jobs[j].query, got,
                        expected[j]);
                w->mismatches++;
            }
            free(got);
            if (k % 17 == w->index) {
                char *message = fail_on_purpose(db, w->index);
                if (strcmp(message, expected_errors[w->index]) != 0) {
                    fprintf(stderr, "thread %zu read \"%s\", want \"%s\"\n",
                            w->index, message, expected_errors[w->index]);
                    w->mismatches++;
                }
                free(message);
            }
        }
    }
    if (w->shared == NULL)
        forum_db_destroy(db);
    return NULL;
}

static size_t run_workers(forum_db_t *shared, forum_query_t **shared_queries)
{
    pthread_t threads[N_THREADS];
    worker_t workers[N_THREADS];
    for (size_t i = 0; i < N_THREADS; i++) {
        workers[i] = (worker_t){i, shared, shared_queries, 0};
        CHECK_EQ_INT(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
    }
    size_t mismatches = 0;
    for (size_t i = 0; i < N_THREADS; i++) {
        CHECK_EQ_INT(pthread_join(threads[i], NULL), 0);
        mismatches += workers[i].mismatches;
    }
    return mismatches;
}

static void build_database(const char *samples, unsigned shards)
{
    forum_db_t *db = NULL;
    char *err = NULL;
    if (forum_db_create(db_path, shards, &err) != FORUM_OK)
        TEST_FAIL("create %s: %s", db_path, err ? err : "?");
    if (forum_db_open(&db, db_path, FORUM_DB_WRITE, &err) != FORUM_OK)
        TEST_FAIL("open %s: %s", db_path, err ? err : "?");
    CHECK_EQ_INT(forum_db_index_path(db, samples, NULL, NULL), FORUM_OK);
    CHECK_EQ_INT(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
}

/* Every check, on a database of `shards` shards built from samples. */
static void check_database(const char *samples, const char *scratch,
                           unsigned shards)
{
    snprintf(db_path, sizeof db_path, "%s/threads.db", scratch);
    char command[8400];
    snprintf(command, sizeof command, "rm -rf '%s'", db_path);
    CHECK_EQ_INT(system(command), 0);
    fprintf(stderr, "--- %u shard%s\n", shards, shards == 1 ? "" : "s");
    PHASE("index the samples");
    build_database(samples, shards);

    PHASE("serial results");
    forum_db_t *db = NULL;
    char *err = NULL;
    CHECK_EQ_INT(forum_db_open(&db, db_path, FORUM_DB_READ, &err), FORUM_OK);
    for (size_t j = 0; j < n_jobs; j++)
        expected[j] = run_job(db, &jobs[j]);
    for (size_t t = 0; t < N_THREADS; t++)
        expected_errors[t] = fail_on_purpose(db, t);

    PHASE("one shared handle, queries made per thread and shared");
    forum_query_t *shared_queries[N_QUERIES * N_SHAPES];
    for (size_t j = 0; j < n_jobs; j++)
        shared_queries[j] = make_query(db, &jobs[j]);
    size_t bad = run_workers(db, shared_queries);
    for (size_t j = 0; j < n_jobs; j++)
        forum_query_destroy(shared_queries[j]);
    forum_db_destroy(db);
    CHECK_EQ_INT(bad, 0);

    PHASE("a handle per thread");
    CHECK_EQ_INT(run_workers(NULL, NULL), 0);

    for (size_t j = 0; j < n_jobs; j++)
        free(expected[j]);
    for (size_t t = 0; t < N_THREADS; t++)
        free(expected_errors[t]);
    CHECK_EQ_INT(system(command), 0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_threads SAMPLES SCRATCH\n");
        return 2;
    }
    make_jobs();
    static const unsigned shard_counts[] = {1, 3};
    for (size_t k = 0; k < 2; k++)
        check_database(argv[1], argv[2], shard_counts[k]);
    fprintf(stderr, "test_threads: %d threads x %zu runs, shared handle and "
            "a handle each, 1 and 3 shards: all as serial\n", N_THREADS,
            (size_t)ROUNDS * n_jobs);
    return 0;
}
