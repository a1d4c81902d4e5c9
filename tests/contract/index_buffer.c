/* Contract: indexing from memory, removing, and cancelling a run.
 *
 * - forum_db_index_buffer() that fails because of its input (empty, blank
 *   lines only, a name that leaves the root, absolute, empty) changes
 *   nothing and always leaves a message;
 * - forum_db_remove() by file name and by thread id deletes exactly those
 *   posts, says how many, and a removed file is indexed again by the next
 *   forum_db_index_path() of a root that still holds it;
 * - a progress callback that returns nonzero stops forum_db_index_path()
 *   with FORUM_ECANCELLED and keeps the whole files indexed so far;
 * - index options of an unknown version are refused.
 *
 * contract-args: SCRATCH SAMPLES
 * Uses <forumsearch.h> only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "index_buffer: FAIL line %d: ", __LINE__);      \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *bytes = malloc(1 << 20);
    *len = bytes ? fread(bytes, 1, 1 << 20, f) : 0;
    fclose(f);
    return bytes;
}

static uint64_t posts(forum_db_t *db)
{
    uint64_t n = 0;
    forum_status_t st = forum_db_post_count(db, &n);
    CHECK(st == FORUM_OK, "post count: %s", forum_db_last_error(db));
    return n;
}

/* Posts matching query (exact counts). */
static uint64_t count(forum_db_t *db, const char *query)
{
    forum_query_t *q = NULL;
    forum_results_t *r = NULL;
    uint64_t n = 0;
    forum_status_t st = forum_query_create(&q, db, query, strlen(query), NULL);
    if (st == FORUM_OK)
        st = forum_query_run(q, &r);
    CHECK(st == FORUM_OK, "%s: %s", query, forum_db_last_error(db));
    forum_results_counts(r, &n, NULL);
    forum_query_destroy(q);
    return n;
}

typedef struct stopper {
    uint64_t stop_after;
    uint64_t calls;
} stopper_t;

static int stop_early(void *payload, uint64_t done, uint64_t total)
{
    stopper_t *s = payload;
    (void)total;
    s->calls++;
    return done >= s->stop_after;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: index_buffer SCRATCH SAMPLES\n");
        return 2;
    }
    char db_path[4096], file[4096];
    snprintf(db_path, sizeof db_path, "%s/db", argv[1]);
    snprintf(file, sizeof file, "%s/news/0001_musk-doge-exit.txt", argv[2]);
    size_t len = 0;
    char *thread = read_all(file, &len);
    if (thread == NULL) {
        perror(file);
        return 2;
    }

    forum_db_t *db = NULL;
    char *err = NULL;
    forum_status_t st = forum_db_open(&db, db_path, FORUM_DB_WRITE, &err);
    if (st != FORUM_OK) {
        fprintf(stderr, "open: %s\n", err ? err : "?");
        return 2;
    }

    /* A good buffer, then buffers that fail: nothing changes. */
    st = forum_db_index_buffer(db, "news/x.txt", thread, len, NULL, NULL);
    CHECK(st == FORUM_OK, "index buffer: %s", forum_db_last_error(db));
    uint64_t indexed = posts(db);
    CHECK(indexed > 1, "%llu posts", (unsigned long long)indexed);
    static const char *const empty_inputs[] = {"", "\n\n  \n\t\n"};
    for (size_t i = 0; i < 2; i++) {
        st = forum_db_index_buffer(db, "news/x.txt", empty_inputs[i],
                                   strlen(empty_inputs[i]), NULL, NULL);
        CHECK(st == FORUM_EPARSE, "empty input %zu: status %d", i, st);
        CHECK(forum_db_last_error(db)[0] != '\0', "empty input %zu: no "
              "message", i);
        CHECK(posts(db) == indexed, "empty input %zu deleted posts", i);
    }
    static const char *const bad_names[] = {
        "", "/abs.txt", "../evil.txt", "a/../../evil.txt", "a/./b.txt",
        "./b.txt", "a//b.txt", "a/", "..", "news/.."};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        st = forum_db_index_buffer(db, bad_names[i], thread, len, NULL,
                                   NULL);
        CHECK(st == FORUM_EINVAL, "name \"%s\": status %d", bad_names[i],
              st);
        CHECK(strstr(forum_db_last_error(db), bad_names[i]) != NULL,
              "name \"%s\": message \"%s\" does not name it", bad_names[i],
              forum_db_last_error(db));
        CHECK(posts(db) == indexed, "name \"%s\" changed the database",
              bad_names[i]);
    }
    /* Names that look odd but stay below the root are fine. */
    st = forum_db_index_buffer(db, "news/..hidden-not.txt", thread, len, NULL,
                               NULL);
    CHECK(st == FORUM_OK, "\"..hidden-not.txt\": %s", forum_db_last_error(db));
    CHECK(count(db, "thread:news/..hidden-not") == indexed, "odd name");

    /* Removal by thread id, then by file. */
    uint64_t removed = 99;
    st = forum_db_remove(db, FORUM_REMOVE_THREAD, "news/..hidden-not",
                         &removed);
    CHECK(st == FORUM_OK && removed == indexed, "remove thread: %d, %llu",
          st, (unsigned long long)removed);
    CHECK(count(db, "thread:news/..hidden-not") == 0, "thread left posts");
    st = forum_db_remove(db, FORUM_REMOVE_FILE, "news/x.txt", &removed);
    CHECK(st == FORUM_OK && removed == indexed, "remove file: %d, %llu", st,
          (unsigned long long)removed);
    CHECK(posts(db) == 0, "posts left after removing everything");
    st = forum_db_remove(db, FORUM_REMOVE_FILE, "news/x.txt", &removed);
    CHECK(st == FORUM_OK && removed == 0, "removing nothing: %d, %llu", st,
          (unsigned long long)removed);
    st = forum_db_remove(db, FORUM_REMOVE_FILE, "../x.txt", &removed);
    CHECK(st == FORUM_EINVAL && forum_db_last_error(db)[0],
          "remove ../x.txt: %d", st);
    st = forum_db_remove(db, (forum_remove_kind_t)7, "x", &removed);
    CHECK(st == FORUM_EINVAL && forum_db_last_error(db)[0],
          "remove kind 7: %d", st);

    /* Index the samples; remove one file; the next run brings it back. */
    forum_index_stats_t stats;
    st = forum_db_index_path(db, argv[2], NULL, &stats);
    CHECK(st == FORUM_OK, "index samples: %s", forum_db_last_error(db));
    uint64_t all = posts(db);
    st = forum_db_remove(db, FORUM_REMOVE_FILE,
                         "news/0001_musk-doge-exit.txt", &removed);
    CHECK(st == FORUM_OK && removed == indexed, "remove sample: %llu",
          (unsigned long long)removed);
    st = forum_db_index_path(db, argv[2], NULL, &stats);
    CHECK(st == FORUM_OK && stats.files_indexed == 1 && posts(db) == all,
          "re-index after remove: %d, %llu indexed, %llu posts", st,
          (unsigned long long)stats.files_indexed,
          (unsigned long long)posts(db));

    /* Cancelling from the progress callback. */
    forum_index_options_t opts;
    forum_index_options_init(&opts, FORUM_INDEX_OPTIONS_VERSION);
    stopper_t stopper = {3, 0};
    opts.progress = stop_early;
    opts.progress_payload = &stopper;
    opts.force = true;
    opts.commit_every_files = 0;
    char fresh[4200];
    snprintf(fresh, sizeof fresh, "%s/fresh", argv[1]);
    forum_db_t *db2 = NULL;
    st = forum_db_open(&db2, fresh, FORUM_DB_WRITE, NULL);
    CHECK(st == FORUM_OK, "open fresh");
    st = forum_db_index_path(db2, argv[2], &opts, &stats);
    CHECK(st == FORUM_ECANCELLED, "cancelled run: status %d", st);
    CHECK(strstr(forum_db_last_error(db2), "cancelled") != NULL,
          "cancel message: \"%s\"", forum_db_last_error(db2));
    CHECK(stopper.calls == 3 && stats.files_indexed == 3,
          "stopped after %llu calls, %llu files",
          (unsigned long long)stopper.calls,
          (unsigned long long)stats.files_indexed);
    forum_db_destroy(db2); /* No commit: what the run committed stays. */
    st = forum_db_open(&db2, fresh, FORUM_DB_READ, NULL);
    CHECK(st == FORUM_OK && posts(db2) == stats.posts && stats.posts > 0,
          "committed before cancelling: %llu of %llu posts",
          (unsigned long long)(st == FORUM_OK ? posts(db2) : 0),
          (unsigned long long)stats.posts);
    forum_db_destroy(db2);

    opts.version = 1;
    st = forum_db_index_path(db, argv[2], &opts, &stats);
    CHECK(st == FORUM_EINVAL && strstr(forum_db_last_error(db), "version"),
          "old options version: %d \"%s\"", st, forum_db_last_error(db));

    CHECK(forum_db_close(db) == FORUM_OK, "close");
    forum_db_destroy(db);
    free(thread);
    if (failures)
        fprintf(stderr, "index_buffer: %d failures\n", failures);
    return failures != 0;
}
