/* fs_latency: query latency and result sets of forumsearch, in process.
 *
 *   fs_latency DB QUERIES.tsv OUT_PREFIX [REPEAT]
 *
 * Follows the protocol of the other runners (bench/benchlib.py):
 * one untimed warm-up pass over the whole query set, then REPEAT (default
 * 3) timed passes; a timed run is forum_query_create + forum_query_run +
 * reading the top 10 hits (posts, not collapsed by thread) +
 * forum_query_destroy. Then one untimed pass fetches every match for
 * recall and precision. Writes OUT_PREFIX.latency (qid TAB seconds),
 * OUT_PREFIX.hits (qid TAB "thread_id#floor" ids separated by spaces) and
 * OUT_PREFIX.errors (queries the library rejected), and prints one JSON
 * line with a summary on stdout.
 *
 * Only the public API of <forumsearch.h> is used.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forumsearch.h"

typedef struct query {
    char *qid;
    char *text;
    size_t len;
    char *error; /* NULL unless the library rejected it */
} query_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "fs_latency: out of memory\n");
        exit(1);
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static query_t *read_queries(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "fs_latency: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 256, n = 0;
    query_t *qs = malloc(cap * sizeof *qs);
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t got;
    size_t lineno = 0;
    while (qs && (got = getline(&line, &line_cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0)
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            fprintf(stderr, "fs_latency: %s:%zu: expected qid TAB category "
                            "TAB query\n", path, lineno);
            exit(1);
        }
        if (n == cap) {
            cap *= 2;
            query_t *nq = realloc(qs, cap * sizeof *qs);
            if (!nq)
                break;
            qs = nq;
        }
        qs[n].qid = xstrndup(line, (size_t)(t1 - line));
        qs[n].len = strlen(t2 + 1);
        qs[n].text = xstrndup(t2 + 1, qs[n].len);
        qs[n].error = NULL;
        n++;
    }
    free(line);
    fclose(f);
    if (!qs) {
        fprintf(stderr, "fs_latency: out of memory\n");
        exit(1);
    }
    *count = n;
    return qs;
}

/* Keeps the first error a query met, for the .errors file. */
static void record_error(query_t *q, forum_db_t *db, forum_status_t st)
{
    if (q->error)
        return;
    const char *msg = forum_db_last_error(db);
    size_t need = strlen(msg) + 64;
    q->error = malloc(need);
    if (q->error)
        snprintf(q->error, need, "%s: %s", forum_status_to_string(st), msg);
}

/* Runs one query. With `out` set, writes every hit id to it.
 * Returns 0, or -1 when the query was rejected (q->error set). */
static int run_one(forum_db_t *db, query_t *q, size_t limit, FILE *out)
{
    forum_search_options_t opts;
    forum_search_options_init(&opts, FORUM_SEARCH_OPTIONS_VERSION);
    opts.collapse_threads = false;
    opts.sort = FORUM_SORT_RELEVANCE;
    opts.offset = 0;
    opts.limit = limit;
    /* The peers' top-10 runs do not count every match either. */
    opts.exact_counts = false;
    /* FS_LATENCY_MODE=cli: what forum-search does by default (threads
     * ranked by relevance, exact counts), e.g. to compare shard layouts
     * and remote shards (bench/RESULTS.md). */
    const char *mode = getenv("FS_LATENCY_MODE");
    if (mode && strcmp(mode, "cli") == 0 && out == NULL) {
        opts.collapse_threads = true;
        opts.exact_counts = true;
    }
    forum_query_t *query = NULL;
    forum_status_t st = forum_query_create(&query, db, q->text, q->len,
                                           &opts);
    if (st != FORUM_OK) {
        record_error(q, db, st);
        forum_query_destroy(query);
        return -1;
    }
    forum_results_t *res = NULL;
    st = forum_query_run(query, &res);
    const forum_hit_t *hit;
    int first = 1;
    volatile size_t sink = 0;
    while (st == FORUM_OK && (st = forum_results_next(res, &hit)) ==
                                 FORUM_OK) {
        if (out) {
            fprintf(out, "%s%s#%d", first ? "" : " ", hit->thread_id,
                    hit->floor);
            first = 0;
        } else {
            sink += strlen(hit->thread_id) + (size_t)hit->floor;
        }
    }
    (void)sink;
    if (st != FORUM_ITER_DONE) {
        record_error(q, db, st);
        forum_query_destroy(query);
        return -1;
    }
    forum_query_destroy(query);
    return 0;
}

static FILE *open_out(const char *prefix, const char *ext)
{
    size_t n = strlen(prefix) + strlen(ext) + 1;
    char *p = malloc(n);
    if (!p) {
        fprintf(stderr, "fs_latency: out of memory\n");
        exit(1);
    }
    snprintf(p, n, "%s%s", prefix, ext);
    FILE *f = fopen(p, "w");
    if (!f) {
        fprintf(stderr, "fs_latency: %s: %s\n", p, strerror(errno));
        exit(1);
    }
    free(p);
    return f;
}

/* Writes a JSON string (the version strings are plain ASCII, but be
 * safe). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: fs_latency DB QUERIES.tsv OUT_PREFIX "
                        "[REPEAT]\n");
        return 2;
    }
    int repeat = argc == 5 ? atoi(argv[4]) : 3;
    if (repeat < 1)
        repeat = 1;
    size_t nq;
    query_t *qs = read_queries(argv[2], &nq);

    forum_db_t *db = NULL;
    char *err = NULL;
    forum_status_t st = forum_db_open(&db, argv[1], FORUM_DB_READ, &err);
    if (st != FORUM_OK) {
        fprintf(stderr, "fs_latency: %s: %s\n", argv[1],
                err ? err : forum_status_to_string(st));
        forum_free(err);
        return 1;
    }
    uint64_t posts = 0;
    if (forum_db_post_count(db, &posts) != FORUM_OK || posts == 0)
        posts = 1;

    /* Warm-up. */
    for (size_t i = 0; i < nq; i++)
        run_one(db, &qs[i], 10, NULL);

    FILE *lat = open_out(argv[3], ".latency");
    for (int r = 0; r < repeat; r++)
        for (size_t i = 0; i < nq; i++) {
            if (qs[i].error) {
                fprintf(lat, "%s\t%.9f\n", qs[i].qid, 0.0);
                continue;
            }
            double t0 = now();
            run_one(db, &qs[i], 10, NULL);
            double t1 = now();
            fprintf(lat, "%s\t%.9f\n", qs[i].qid, t1 - t0);
        }
    fclose(lat);

    /* The result sets are the post runs' (the cli mode times only). */
    const char *mode = getenv("FS_LATENCY_MODE");
    if (mode == NULL || strcmp(mode, "cli") != 0) {
        FILE *hits = open_out(argv[3], ".hits");
        for (size_t i = 0; i < nq; i++) {
            fprintf(hits, "%s\t", qs[i].qid);
            if (!qs[i].error)
                run_one(db, &qs[i], (size_t)posts, hits);
            fputc('\n', hits);
        }
        fclose(hits);
    }

    FILE *errs = open_out(argv[3], ".errors");
    size_t rejected = 0;
    for (size_t i = 0; i < nq; i++)
        if (qs[i].error) {
            for (char *p = qs[i].error; *p; p++)
                if (*p == '\n' || *p == '\t')
                    *p = ' ';
            fprintf(errs, "%s\t%s\n", qs[i].qid, qs[i].error);
            rejected++;
        }
    fclose(errs);

    forum_db_close(db);
    forum_db_destroy(db);

    printf("{\"engine\": \"forumsearch\", \"queries\": %zu, \"rejected\": "
           "%zu, \"version\": ", nq, rejected);
    json_str(forum_version_string());
    printf(", \"dependencies\": ");
    json_str(forum_dependency_versions());
    printf("}\n");
    for (size_t i = 0; i < nq; i++) {
        free(qs[i].qid);
        free(qs[i].text);
        free(qs[i].error);
    }
    free(qs);
    return 0;
}
