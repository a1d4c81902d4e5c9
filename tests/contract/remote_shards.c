/* Contract: remote shards (issue 12). A stub listing a remote shard
 * that cannot be reached (127.0.0.1 port 1: nothing listens there):
 * - forum_db_open_with() fails with FORUM_EUNAVAILABLE naming the shard
 *   ("shard 2 of 2 (remote 127.0.0.1:1)"), forum_db_open() too;
 * - with partial it opens; a search answers from the local shard, the
 *   same as a stub of that shard alone, and forum_results_missing_*()
 *   name the missing one (NULL past the end);
 * - a write mode refuses the stub with FORUM_EINVAL, explained;
 * - an unknown options version is FORUM_EINVAL;
 * - a database without remote shards misses nothing;
 * - FORUM_EUNAVAILABLE has a description.
 * (Search results through real servers: tests/remote/remote_test.sh.)
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/stat.h>

#include "contract.h"

static void write_stub(const char *dir, const char *lines)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/XAPIANDB", dir);
    FILE *f = fopen(path, "w");
    EXPECT(f != NULL);
    fputs(lines, f);
    EXPECT(fclose(f) == 0);
}

static void counts(forum_db_t *db, const char *q, uint64_t *posts,
                   uint64_t *threads, size_t *missing, char *name,
                   size_t cap)
{
    forum_query_t *query = contract_query(db, q, 1, FORUM_SORT_DATE);
    forum_results_t *res = NULL;
    EXPECT_STATUS(forum_query_run(query, &res), FORUM_OK);
    forum_results_counts(res, posts, threads);
    *missing = forum_results_missing_shards(res);
    name[0] = '\0';
    if (*missing)
        snprintf(name, cap, "%s", forum_results_missing_shard(res, 0));
    EXPECT(forum_results_missing_shard(res, *missing) == NULL);
    forum_query_destroy(query);
}

int main(int argc, char **argv)
{
    EXPECT(argc == 2);
    char db_path[4096], stub[4096], alone[4096], lines[8192];
    snprintf(db_path, sizeof db_path, "%s/db", argv[1]);
    snprintf(stub, sizeof stub, "%s/stub", argv[1]);
    snprintf(alone, sizeof alone, "%s/alone", argv[1]);
    EXPECT_STATUS(forum_db_create(db_path, 2, NULL), FORUM_OK);
    forum_db_t *db = contract_open(db_path, FORUM_DB_WRITE);
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof name, "b/t%02d.txt", i);
        contract_add(db, name, contract_thread("川普访华", "川普今天说",
                                               "甲\n1 楼\n川普好\n"));
    }
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);

    EXPECT(mkdir(stub, 0755) == 0 && mkdir(alone, 0755) == 0);
    snprintf(lines, sizeof lines, "auto %s/g1/s0\nremote 127.0.0.1:1\n",
             db_path);
    write_stub(stub, lines);
    snprintf(lines, sizeof lines, "auto %s/g1/s0\n", db_path);
    write_stub(alone, lines);

    forum_open_options_t opts = FORUM_OPEN_OPTIONS_INIT;
    forum_db_t *remote = (forum_db_t *)&remote;
    char *err = NULL;
    EXPECT_STATUS(forum_db_open_with(&remote, stub, FORUM_DB_READ, &opts,
                                     &err), FORUM_EUNAVAILABLE);
    EXPECT(remote == NULL);
    EXPECT_HAS(err, "shard 2 of 2 (remote 127.0.0.1:1)");
    forum_free(err);
    err = NULL;
    EXPECT_STATUS(forum_db_open(&remote, stub, FORUM_DB_READ, &err),
                  FORUM_EUNAVAILABLE);
    forum_free(err);
    err = NULL;

    EXPECT_STATUS(forum_db_open(&remote, stub, FORUM_DB_WRITE, &err),
                  FORUM_EINVAL);
    EXPECT_HAS(err, "remote shard is indexed on its own machine");
    forum_free(err);
    err = NULL;

    forum_open_options_t bad = opts;
    bad.version = 99;
    EXPECT_STATUS(forum_db_open_with(&remote, stub, FORUM_DB_READ, &bad,
                                     &err), FORUM_EINVAL);
    forum_free(err);
    err = NULL;

    opts.partial = true;
    opts.remote_timeout_ms = 2000;
    EXPECT_STATUS(forum_db_open_with(&remote, stub, FORUM_DB_READ, &opts,
                                     &err), FORUM_OK);
    forum_db_t *local = contract_open(alone, FORUM_DB_READ);
    forum_db_t *whole = contract_open(db_path, FORUM_DB_READ);
    uint64_t p1, t1, p2, t2, p3, t3;
    size_t m1, m2, m3;
    char name[256], none[256];
    counts(remote, "川普", &p1, &t1, &m1, name, sizeof name);
    counts(local, "川普", &p2, &t2, &m2, none, sizeof none);
    counts(whole, "川普", &p3, &t3, &m3, none, sizeof none);
    EXPECT(m1 == 1 && m2 == 0 && m3 == 0);
    EXPECT(strcmp(name, "shard 2 of 2 (remote 127.0.0.1:1)") == 0);
    EXPECT(p1 == p2 && t1 == t2);
    /* Twelve threads hashed over two shards: both hold some. */
    EXPECT(p3 == 24 && t3 == 12 && p1 > 0 && p1 < p3);
    forum_db_destroy(remote);
    forum_db_destroy(local);
    forum_db_destroy(whole);
    EXPECT(forum_results_missing_shards(NULL) == 0);
    EXPECT(strcmp(forum_status_to_string(FORUM_EUNAVAILABLE),
                  "unknown status") != 0);
    return 0;
}
