/* forumsearch — tests for packed post records (xapian_shim.cc, "Packed
 * records"): document data is stored as zstd frames, with a dictionary
 * each shard trains on its first 2 MiB of records.
 *
 * Checked through the shim's own writes and searches: every record reads
 * back as it was set, before and after the dictionary, on one database
 * and on two shards with a dictionary each; a batch thrown away takes
 * its dictionary with it; frames made here with libzstd, one naming a
 * dictionary no shard has and one cut short, are reported as damage,
 * not crashes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zdict.h>
#include <zstd.h>

#include "forumsearch.h"
#include "schema.h"
#include "testutil.h"
#include "xapian_shim.h"

/* Enough records of about 360 bytes for a dictionary (2 MiB). */
enum { TRAINED = 7000 };

static char scratch[] = "/tmp/forumsearch-pack-XXXXXX";

static const char *const words[] = {
    "服务器", "配置", "文件", "内核", "驱动", "网络", "系统", "命令",
    "参数", "选项", "默认", "用户", "进程", "信号", "内存", "线程",
    "如果", "可以", "这个", "没有", "问题", "回复", "楼主", "谢谢",
    "linux", "grep", "systemd", "tmux", "ssh", "2024", "的", "了", "，",
    "。", "？", "！", "我们", "他们", "时候", "已经", "因为", "所以",
};

/* Record i of series s: text from the words above, 100 to 700 bytes. */
static size_t record(char *out, size_t cap, int s, int i)
{
    unsigned x = (unsigned)(s * 1000003 + i) * 2654435761u;
    size_t len = (size_t)snprintf(out, cap, "series %d post %d: ", s, i);
    size_t want = 100 + x % 600;
    while (len < want) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % (sizeof words / sizeof *words)];
        size_t n = strlen(w);
        if (len + n >= cap)
            break;
        memcpy(out + len, w, n);
        len += n;
    }
    return len;
}

/* Adds records [from, to) of series s to shard, their number in the
 * date slot (the order of a search by relevance when all weigh 0). */
static void write_records(fsi_xdb_t *shard, int s, int from, int to)
{
    char data[1024], slot[16];
    for (int i = from; i < to; i++) {
        fsi_xdoc_t *doc = fsi_xdoc_new();
        CHECK(doc != NULL);
        fsi_xdoc_add_boolean_term(doc, "Kpack", 5);
        size_t len = record(data, sizeof data, s, i);
        fsi_xdoc_set_data(doc, data, len);
        size_t n = fsi_sortable_serialise(s * 1e6 + i, slot);
        fsi_xdoc_set_value(doc, FSI_SLOT_DATE, slot, n);
        CHECK_EQ_INT(fsi_xdoc_status(doc), FORUM_OK);
        uint32_t docid = 0;
        CHECK_EQ_INT(fsi_xdb_add_document(shard, doc, &docid), FORUM_OK);
        fsi_xdoc_destroy(doc);
    }
}

static int count_key(void *payload, const char *key, size_t len)
{
    (void)key;
    (void)len;
    ++*(int *)payload;
    return 0;
}

static int dictionaries(fsi_xdb_t *db)
{
    int n = 0;
    CHECK_EQ_INT(fsi_xdb_metadata_keys(db, "fs:zdict:", 9, count_key, &n),
                 FORUM_OK);
    return n;
}

/* The decider sees every candidate's record as it was set; it counts
 * them in its payload (one per shard when they are searched side by
 * side, added up after). */
enum { MAX_PARTS = 8 };
static int decided[MAX_PARTS + 1];
static int decide_unpacked(void *payload, const char *data, size_t len)
{
    ++*(int *)payload;
    return len > 7 && memcmp(data, "series ", 7) == 0;
}

static void *decide_part(void *payload, unsigned k, unsigned n)
{
    (void)payload;
    return k < MAX_PARTS && n <= MAX_PARTS ? &decided[k + 1] : NULL;
}

/* Every document of db is, in order, the records of series[k] counted
 * by counts[k]. */
static void check_records(fsi_xdb_t *db, const int *series,
                          const int *counts, int n_series)
{
    size_t total = 0;
    for (int k = 0; k < n_series; k++)
        total += (size_t)counts[k];
    fsi_xquery_t *q = fsi_xq_match_all();
    CHECK(q != NULL);
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_DATE);
    s.limit = total + 10;
    s.exact_counts = 1;
    s.decider = decide_unpacked;
    s.decider_payload = &decided[0];
    s.decider_part = decide_part;
    memset(decided, 0, sizeof decided);
    fsi_xresult_t res;
    CHECK_EQ_INT(fsi_xdb_search(db, q, &s, &res), FORUM_OK);
    CHECK_EQ_INT(res.n_hits, total);
    int all = 0;
    for (int k = 0; k <= MAX_PARTS; k++)
        all += decided[k];
    CHECK_EQ_INT(all, (int)total);
    char want[1024];
    size_t at = 0;
    for (int k = 0; k < n_series; k++)
        for (int i = 0; i < counts[k]; i++, at++) {
            size_t len = record(want, sizeof want, series[k], i);
            CHECK_EQ_MEM(res.hits[at].data, res.hits[at].data_len, want,
                         len);
        }
    fsi_xresult_free(&res);
    fsi_xq_destroy(q);
}

static void make_path(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/%s", scratch, name);
}

static fsi_xdb_t *open_at(const char *path, int mode)
{
    fsi_xdb_t *db = NULL;
    char *err = NULL;
    if (fsi_xdb_open(&db, path, mode, &err) != FORUM_OK)
        TEST_FAIL("open %s: %s", path, err ? err : "?");
    return db;
}

/* Commits what is pending (closing does) and frees the handle. */
static void close_writer(fsi_xdb_t *w)
{
    CHECK_EQ_INT(fsi_xdb_close(w), FORUM_OK);
    fsi_xdb_destroy(w);
}

static void one_database(void)
{
    PHASE("one database: records before and after the dictionary");
    char path[4096];
    make_path(path, sizeof path, "one");
    fsi_xdb_t *w = open_at(path, FORUM_DB_WRITE), *r = NULL;
    write_records(w, 1, 0, 100);
    CHECK_EQ_INT(fsi_xdb_commit(w), FORUM_OK);
    CHECK_EQ_INT(dictionaries(w), 0);
    write_records(w, 1, 100, TRAINED);
    CHECK_EQ_INT(fsi_xdb_commit(w), FORUM_OK);
    CHECK_EQ_INT(dictionaries(w), 1);
    close_writer(w);

    PHASE("one database: a later writer packs with the stored dictionary");
    w = open_at(path, FORUM_DB_WRITE);
    write_records(w, 2, 0, 50);
    close_writer(w);
    r = open_at(path, FORUM_DB_READ);
    CHECK_EQ_INT(dictionaries(r), 1);
    int series[] = {1, 2}, counts[] = {TRAINED, 50};
    check_records(r, series, counts, 2);
    fsi_xdb_destroy(r);
}

static void cancelled_batch(void)
{
    PHASE("a batch thrown away takes its dictionary with it");
    char path[4096];
    make_path(path, sizeof path, "cancel");
    fsi_xdb_t *w = open_at(path, FORUM_DB_WRITE), *r = NULL;
    write_records(w, 3, 0, 10);
    CHECK_EQ_INT(fsi_xdb_begin_batch(w), FORUM_OK);
    write_records(w, 4, 0, TRAINED);
    CHECK_EQ_INT(dictionaries(w), 1); /* The writer sees its own. */
    CHECK_EQ_INT(fsi_xdb_end_batch(w, 0), FORUM_OK);
    CHECK_EQ_INT(dictionaries(w), 0);
    /* Packed without one now, and readable. */
    write_records(w, 5, 0, 20);
    close_writer(w);
    r = open_at(path, FORUM_DB_READ);
    CHECK_EQ_INT(dictionaries(r), 0);
    int series[] = {3, 5}, counts[] = {10, 20};
    check_records(r, series, counts, 2);
    fsi_xdb_destroy(r);
}

static void two_shards(void)
{
    PHASE("two shards, a dictionary each, searched together");
    char path[4096], *err = NULL;
    make_path(path, sizeof path, "two");
    CHECK_EQ_INT(forum_db_create(path, 2, &err), FORUM_OK);
    fsi_xdb_t *w = open_at(path, FORUM_DB_WRITE), *r = NULL;
    CHECK_EQ_INT(fsi_xdb_shard_count(w), 2);
    write_records(fsi_xdb_shard(w, 0), 6, 0, TRAINED);
    write_records(fsi_xdb_shard(w, 1), 7, 0, TRAINED);
    close_writer(w);
    r = open_at(path, FORUM_DB_READ);
    CHECK_EQ_INT(dictionaries(fsi_xdb_shard(r, 0)), 1);
    CHECK_EQ_INT(dictionaries(fsi_xdb_shard(r, 1)), 1);
    int series[] = {6, 7}, counts[] = {TRAINED, TRAINED};
    check_records(r, series, counts, 2);

    PHASE("two shards side by side: each thread's decider unpacks");
    /* A thread per shard, each verifying its records: the dictionaries
     * are loaded before the threads start, since a thread may read only
     * its own shard (a lookup of another's raced with its search). */
    setenv("FORUMSEARCH_PARALLEL_POSTINGS", "0", 1);
    for (int round = 0; round < 3; round++) {
        fsi_xdb_destroy(r);
        r = open_at(path, FORUM_DB_READ);
        check_records(r, series, counts, 2);
    }
    unsetenv("FORUMSEARCH_PARALLEL_POSTINGS");
    fsi_xdb_destroy(r);
}

/* Stores data as it is: the shim keeps a zstd frame unpacked. */
static void write_raw(fsi_xdb_t *w, const void *data, size_t len)
{
    fsi_xdoc_t *doc = fsi_xdoc_new();
    CHECK(doc != NULL);
    fsi_xdoc_add_boolean_term(doc, "Kpack", 5);
    fsi_xdoc_set_data(doc, data, len);
    uint32_t docid = 0;
    CHECK_EQ_INT(fsi_xdb_add_document(w, doc, &docid), FORUM_OK);
    fsi_xdoc_destroy(doc);
}

static void expect_damage(const char *name, const void *frame, size_t len,
                          const char *says)
{
    char path[4096];
    make_path(path, sizeof path, name);
    fsi_xdb_t *w = open_at(path, FORUM_DB_WRITE), *r = NULL;
    write_raw(w, frame, len);
    close_writer(w);
    r = open_at(path, FORUM_DB_READ);
    fsi_xquery_t *q = fsi_xq_match_all();
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_DATE);
    s.limit = 10;
    fsi_xresult_t res;
    CHECK_EQ_INT(fsi_xdb_search(r, q, &s, &res), FORUM_EIO);
    if (strstr(fsi_xdb_error(r), says) == NULL)
        TEST_FAIL("the error \"%s\" does not say \"%s\"", fsi_xdb_error(r),
                  says);
    fsi_xq_destroy(q);
    fsi_xdb_destroy(r);
}

static void damage(void)
{
    PHASE("a frame naming a dictionary no shard has");
    /* A dictionary trained here, never stored in the database. */
    enum { SAMPLES = 2000 };
    char *samples = malloc(SAMPLES * 1024);
    size_t sizes[SAMPLES], at = 0;
    CHECK(samples != NULL);
    for (int i = 0; i < SAMPLES; i++) {
        sizes[i] = record(samples + at, 1024, 9, i);
        at += sizes[i];
    }
    char dict[16384];
    size_t dict_len = ZDICT_trainFromBuffer(dict, sizeof dict, samples,
                                            sizes, SAMPLES);
    CHECK(!ZDICT_isError(dict_len));
    CHECK(ZDICT_getDictID(dict, dict_len) != 0);
    char frame[2048];
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    CHECK(cctx != NULL);
    size_t len = ZSTD_compress_usingDict(cctx, frame, sizeof frame, samples,
                                         sizes[0], dict, dict_len, 3);
    ZSTD_freeCCtx(cctx);
    CHECK(!ZSTD_isError(len));
    expect_damage("nodict", frame, len, "needs the dictionary fs:zdict:");

    PHASE("a frame cut short");
    len = ZSTD_compress(frame, sizeof frame, samples, sizes[0], 3);
    CHECK(!ZSTD_isError(len));
    expect_damage("short", frame, len / 2, "damaged");

    PHASE("a frame that claims to hold more than any record");
    static char big[20 << 20];
    memset(big, 'x', sizeof big);
    len = ZSTD_compress(frame, sizeof frame, big, sizeof big, 1);
    CHECK(!ZSTD_isError(len));
    expect_damage("big", frame, len, "damaged");
    free(samples);
}

int main(void)
{
    CHECK(mkdtemp(scratch) != NULL);
    one_database();
    cancelled_batch();
    two_shards();
    damage();
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    CHECK_EQ_INT(system(cmd), 0);
    fprintf(stderr, "test_pack: ok\n");
    return 0;
}
