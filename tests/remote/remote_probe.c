/* remote_probe: one database handle, two runs of a query, with a pause
 * between them in which remote_test.sh breaks a shard's connection, so
 * that the failure happens during a search on an open handle (a CLI run
 * opens afresh and fails at the open). Public API only.
 *
 *   remote_probe DB QUERY PARTIAL(0|1) TIMEOUT_MS
 *
 * Prints "run1 ..." and "ready", waits for a line on stdin, prints
 * "run2 ...": the status name, posts, threads, the missing shards, or
 * the error message.
 *
 *   remote_probe --compare DB-A DB-B QUERIES
 *
 * Runs every query (one a line) under several search options on both
 * databases in this one process (a CLI run per query would spend most
 * of its time starting) and compares everything a hit shows: fields,
 * score, thread_matches, rank, snippet and title text with every
 * highlight, and the counts. Prints each difference; exit 1 if any. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

static void run(forum_db_t *db, forum_query_t *query, const char *name)
{
    forum_results_t *results = NULL;
    forum_status_t status = forum_query_run(query, &results);
    printf("%s %s", name, forum_status_to_string(status));
    if (status != FORUM_OK) {
        printf(" | %s\n", forum_db_last_error(db));
        return;
    }
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    printf(" posts=%llu threads=%llu missing=%zu", (unsigned long long)posts,
           (unsigned long long)threads, forum_results_missing_shards(results));
    for (size_t i = 0; i < forum_results_missing_shards(results); i++)
        printf(" [%s]", forum_results_missing_shard(results, i));
    if (forum_results_missing_shard(results,
                                    forum_results_missing_shards(results)))
        printf(" (out of range name not NULL)");
    putchar('\n');
    forum_results_destroy(results);
}

/* Everything a result set shows, as text. */
static int describe(forum_db_t *db, const char *text,
                    const forum_search_options_t *opts, char **out,
                    size_t *out_len)
{
    FILE *f = open_memstream(out, out_len);
    forum_query_t *query = NULL;
    forum_results_t *results = NULL;
    forum_status_t status = forum_query_create(&query, db, text,
                                               strlen(text), opts);
    if (status == FORUM_OK)
        status = forum_query_run(query, &results);
    if (status != FORUM_OK) {
        fprintf(f, "error %s\n", forum_status_to_string(status));
        goto out;
    }
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    fprintf(f, "counts %llu %llu\n", (unsigned long long)posts,
            (unsigned long long)threads);
    const forum_hit_t *hit;
    while ((status = forum_results_next(results, &hit)) == FORUM_OK) {
        /* Scores to 12 digits: shards sum a term's statistics in
         * another order than one database, which moves the last bits
         * (seen: ...326024 and ...326031 for 2 shards, local or
         * remote alike); forum-search shows 6. */
        fprintf(f, "%u %s|%s|%s|%s|%s|%s|%d|%lld|%.12g|%llu\n", hit->rank,
                hit->thread_id, hit->title, hit->board, hit->author,
                hit->source, hit->path, hit->floor, (long long)hit->date,
                hit->score, (unsigned long long)hit->thread_matches);
        forum_snippet_t *snip = NULL, *title = NULL;
        if (forum_results_snippet(results, hit, NULL, &snip) == FORUM_OK &&
            forum_results_title(results, hit, &title) == FORUM_OK) {
            fprintf(f, "  %.*s\n ", (int)snip->len, snip->text);
            for (size_t i = 0; i < snip->n_marks; i++)
                fprintf(f, " %zu-%zu", snip->marks[i].start,
                        snip->marks[i].end);
            for (size_t i = 0; i < title->n_marks; i++)
                fprintf(f, " t%zu-%zu", title->marks[i].start,
                        title->marks[i].end);
            fputc('\n', f);
        } else {
            fprintf(f, "  snippet failed\n");
        }
        forum_snippet_destroy(snip);
        forum_snippet_destroy(title);
    }
    if (status != FORUM_ITER_DONE)
        fprintf(f, "next %s\n", forum_status_to_string(status));
out:
    forum_query_destroy(query);
    return fclose(f);
}

static int compare(const char *path_a, const char *path_b,
                   const char *queries_path)
{
    forum_db_t *a = NULL, *b = NULL;
    char *errmsg = NULL;
    if (forum_db_open(&a, path_a, FORUM_DB_READ, &errmsg) != FORUM_OK ||
        forum_db_open(&b, path_b, FORUM_DB_READ, &errmsg) != FORUM_OK) {
        fprintf(stderr, "remote_probe: %s\n", errmsg ? errmsg : "open");
        return 1;
    }
    FILE *queries = fopen(queries_path, "r");
    if (queries == NULL)
        return 1;
    /* Collapsed by relevance (every thread ranked), pages, posts, the
     * date order and its ties, thread order; exact counts or not. */
    static const struct {
        forum_sort_t sort;
        bool collapse;
        size_t offset, limit;
        bool exact;
    } runs[] = {
        {FORUM_SORT_RELEVANCE, true, 0, 20, true},
        {FORUM_SORT_RELEVANCE, true, 7, 9, true},
        {FORUM_SORT_RELEVANCE, false, 3, 30, true},
        {FORUM_SORT_DATE, true, 0, 20, true},
        {FORUM_SORT_DATE, false, 5, 25, true},
        {FORUM_SORT_FLOOR, true, 2, 15, true},
        {FORUM_SORT_FLOOR, false, 0, 40, true},
        {FORUM_SORT_RELEVANCE, false, 0, 10, false},
    };
    char line[4096];
    size_t n_queries = 0, n_runs = 0, differences = 0;
    while (fgets(line, sizeof line, queries)) {
        line[strcspn(line, "\n")] = '\0';
        n_queries++;
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
            opts.sort = runs[r].sort;
            opts.collapse_threads = runs[r].collapse;
            opts.offset = runs[r].offset;
            opts.limit = runs[r].limit;
            opts.exact_counts = runs[r].exact;
            char *x = NULL, *y = NULL;
            size_t x_len = 0, y_len = 0;
            describe(a, line, &opts, &x, &x_len);
            describe(b, line, &opts, &y, &y_len);
            /* Without exact counts the one database estimates; the
             * remote search counts exactly: compare the hits only. */
            char *xs = x, *ys = y;
            if (!runs[r].exact) {
                xs = strchr(x, '\n') ? strchr(x, '\n') : x;
                ys = strchr(y, '\n') ? strchr(y, '\n') : y;
            }
            if (strcmp(xs, ys) != 0) {
                differences++;
                printf("DIFF \"%s\" run %zu:\n--- %s\n%.600s\n+++ %s\n"
                       "%.600s\n", line, r, path_a, x, path_b, y);
            }
            n_runs++;
            free(x);
            free(y);
        }
    }
    fclose(queries);
    printf("compared %zu queries, %zu runs: %zu differences\n", n_queries,
           n_runs, differences);
    forum_db_destroy(a);
    forum_db_destroy(b);
    return differences != 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--compare") == 0)
        return compare(argv[2], argv[3], argv[4]);
    if (argc != 5) {
        fprintf(stderr, "usage: remote_probe DB QUERY PARTIAL TIMEOUT_MS\n");
        return 2;
    }
    forum_open_options_t opts = FORUM_OPEN_OPTIONS_INIT;
    opts.partial = atoi(argv[3]) != 0;
    opts.remote_timeout_ms = (unsigned)atoi(argv[4]);
    forum_db_t *db = NULL;
    char *errmsg = NULL;
    forum_status_t status = forum_db_open_with(&db, argv[1], FORUM_DB_READ,
                                               &opts, &errmsg);
    if (status != FORUM_OK) {
        printf("open %s | %s\n", forum_status_to_string(status),
               errmsg ? errmsg : "");
        forum_free(errmsg);
        return 1;
    }
    forum_query_t *query = NULL;
    status = forum_query_create(&query, db, argv[2], strlen(argv[2]), NULL);
    if (status != FORUM_OK) {
        printf("query %s | %s\n", forum_status_to_string(status),
               forum_db_last_error(db));
        forum_db_destroy(db);
        return 1;
    }
    run(db, query, "run1");
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 1;
    run(db, query, "run2");
    fflush(stdout);
    forum_query_destroy(query);
    forum_db_destroy(db);
    return 0;
}
