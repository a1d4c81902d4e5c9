/* Embedding libforumsearch: index a directory, then search it.
 *
 *   cc embed_search.c $(pkg-config --cflags --libs forumsearch)
 *   ./a.out /tmp/db examples/threads 川普
 */
#include <stdio.h>
#include <string.h>

#include <forumsearch.h>

static void on_problem(void *payload, const char *path, size_t line,
                       forum_severity_t severity, const char *message)
{
    (void)payload;
    fprintf(stderr, "%s:%zu: %s%s\n", path, line,
            severity == FORUM_WARNING ? "warning: " : "", message);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DB DIR QUERY\n", argv[0]);
        return 2;
    }
    char *errmsg = NULL;
    forum_db_t *db;
    forum_status_t st = forum_db_open(&db, argv[1], FORUM_DB_WRITE, &errmsg);
    if (st != FORUM_OK) {
        fprintf(stderr, "open: %s\n", errmsg);
        forum_free(errmsg);
        return 1;
    }
    forum_index_options_t opts = FORUM_INDEX_OPTIONS_INIT;
    opts.diag = on_problem;
    forum_index_stats_t stats;
    st = forum_db_index_path(db, argv[2], &opts, &stats);
    if (st == FORUM_OK)
        printf("indexed %llu posts\n", (unsigned long long)stats.posts);

    forum_query_t *query = NULL;
    forum_results_t *results;
    const forum_hit_t *hit;
    if (st == FORUM_OK)
        st = forum_query_create(&query, db, argv[3], strlen(argv[3]), NULL);
    if (st == FORUM_OK)
        st = forum_query_run(query, &results);
    while (st == FORUM_OK && (st = forum_results_next(results, &hit)) ==
                                 FORUM_OK) {
        forum_snippet_t *snippet;
        if (forum_results_snippet(results, hit, NULL, &snippet) != FORUM_OK)
            continue;
        printf("%s #%d %s: %s\n", hit->title, hit->floor, hit->author,
               snippet->text);
        forum_snippet_destroy(snippet);
    }
    if (st != FORUM_ITER_DONE)
        fprintf(stderr, "error: %s\n", forum_db_last_error(db));
    forum_query_destroy(query);
    st = forum_db_close(db) == FORUM_OK && st == FORUM_ITER_DONE ? 0 : 1;
    forum_db_destroy(db);
    return (int)st;
}
