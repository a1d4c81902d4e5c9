/* relevance_fs: forumsearch's side of the relevance benchmark.
 *
 *   relevance_fs DB QUERIES.tsv OUT_PREFIX [REPEAT [post|thread]]
 *
 * QUERIES.tsv: qid TAB category TAB query [TAB ...]. Each query is run
 * as forum-search runs it by default (threads collapsed, by relevance,
 * top 10); with "thread", in thread scope (--scope thread) when the
 * library has it. One untimed pass, then REPEAT (default 3) timed
 * passes of create + run + read the 10 hits + destroy. Writes
 * OUT_PREFIX.ranked (qid TAB thread ids, best first) and
 * OUT_PREFIX.latency (qid TAB seconds per timed run). Public API only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forumsearch.h"

typedef struct query {
    char *qid, *text;
} query_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *must(void *p)
{
    if (p == NULL) {
        fprintf(stderr, "relevance_fs: out of memory\n");
        exit(1);
    }
    return p;
}

static query_t *read_queries(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "relevance_fs: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    query_t *qs = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t2 == NULL)
            continue;
        char *t3 = strchr(t2 + 1, '\t');
        if (t3)
            *t3 = '\0';
        *t1 = '\0';
        qs = must(realloc(qs, (n + 1) * sizeof *qs));
        qs[n].qid = must(strdup(line));
        qs[n].text = must(strdup(t2 + 1));
        n++;
    }
    free(line);
    fclose(f);
    *count = n;
    return qs;
}

/* Runs one query; writes its thread ids to out when out is set. */
static void run_one(forum_db_t *db, const query_t *q, int thread_scope,
                    FILE *out)
{
    forum_search_options_t opts;
    forum_search_options_init(&opts, FORUM_SEARCH_OPTIONS_VERSION);
    opts.limit = 10;
#if FORUM_SEARCH_OPTIONS_VERSION >= 2
    opts.scope = thread_scope ? FORUM_SCOPE_THREAD : FORUM_SCOPE_POST;
#else
    (void)thread_scope;
#endif
    forum_query_t *query = NULL;
    forum_results_t *res = NULL;
    const forum_hit_t *hit;
    forum_status_t st = forum_query_create(&query, db, q->text,
                                           strlen(q->text), &opts);
    if (st == FORUM_OK)
        st = forum_query_run(query, &res);
    int first = 1;
    while (st == FORUM_OK && (st = forum_results_next(res, &hit)) ==
                                 FORUM_OK)
        if (out) {
            fprintf(out, "%s%s", first ? "" : " ", hit->thread_id);
            first = 0;
        }
    if (st != FORUM_ITER_DONE)
        fprintf(stderr, "relevance_fs: %s: %s: %s\n", q->qid,
                forum_status_to_string(st), forum_db_last_error(db));
    forum_query_destroy(query);
}

static FILE *open_out(const char *prefix, const char *ext)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", prefix, ext);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "relevance_fs: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: relevance_fs DB QUERIES.tsv OUT_PREFIX "
                        "[REPEAT [post|thread]]\n");
        return 2;
    }
    int repeat = argc >= 5 ? atoi(argv[4]) : 3;
    int thread_scope = argc == 6 && strcmp(argv[5], "thread") == 0;
#if FORUM_SEARCH_OPTIONS_VERSION < 2
    if (thread_scope) {
        fprintf(stderr, "relevance_fs: this library has no thread scope\n");
        return 3;
    }
#endif
    size_t nq;
    query_t *qs = read_queries(argv[2], &nq);
    forum_db_t *db = NULL;
    char *err = NULL;
    if (forum_db_open(&db, argv[1], FORUM_DB_READ, &err) != FORUM_OK) {
        fprintf(stderr, "relevance_fs: %s: %s\n", argv[1], err ? err : "");
        return 1;
    }
    for (size_t i = 0; i < nq; i++)
        run_one(db, &qs[i], thread_scope, NULL);
    FILE *lat = open_out(argv[3], ".latency");
    for (int r = 0; r < repeat; r++)
        for (size_t i = 0; i < nq; i++) {
            double t0 = now();
            run_one(db, &qs[i], thread_scope, NULL);
            fprintf(lat, "%s\t%.9f\n", qs[i].qid, now() - t0);
        }
    fclose(lat);
    FILE *ranked = open_out(argv[3], ".ranked");
    for (size_t i = 0; i < nq; i++) {
        fprintf(ranked, "%s\t", qs[i].qid);
        run_one(db, &qs[i], thread_scope, ranked);
        fputc('\n', ranked);
    }
    fclose(ranked);
    forum_db_close(db);
    forum_db_destroy(db);
    for (size_t i = 0; i < nq; i++) {
        free(qs[i].qid);
        free(qs[i].text);
    }
    free(qs);
    return 0;
}
