/* forumsearch — tests for the Xapian shim's reads while a writer commits.
 *
 * A glass reader keeps its revision only until a writer has committed
 * the next one and reuses the blocks it freed; then every read of the
 * old revision throws DatabaseModifiedError. Each read of the shim must
 * reopen and read again. Here the reader is made stale on purpose: it is
 * opened, then the writer rewrites every document and commits three
 * times, so all the blocks the reader knew are reused, before each read.
 * Run on one database and on a stub with two shards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forumsearch.h"
#include "schema.h"
#include "testutil.h"
#include "xapian_shim.h"

enum { DOCS = 2000, WORDS = 16 };

static char scratch[] = "/tmp/forumsearch-shim-XXXXXX";
static int round_no;

/* Rewrites every document with words of this round, sets metadata "k"
 * (on every shard) to "vROUND", and commits. */
static void rewrite(fsi_xdb_t *w)
{
    round_no++;
    char term[64], word[64], data[64], slot[16];
    for (int i = 0; i < DOCS; i++) {
        fsi_xdoc_t *doc = fsi_xdoc_new();
        CHECK(doc != NULL);
        int n = snprintf(term, sizeof term, "Qdoc%d", i);
        fsi_xdoc_add_boolean_term(doc, term, (size_t)n);
        for (int k = 0; k < WORDS; k++) {
            int m = snprintf(word, sizeof word, "Zr%dw%d", round_no,
                             (i * 7 + k) % 300);
            fsi_xdoc_add_term(doc, word, (size_t)m, 1);
        }
        int m = snprintf(data, sizeof data, "round %d doc %d", round_no, i);
        fsi_xdoc_set_data(doc, data, (size_t)m);
        size_t len = fsi_sortable_serialise(round_no * 10000.0 + i, slot);
        CHECK(len > 0);
        fsi_xdoc_set_value(doc, FSI_SLOT_DATE, slot, len);
        CHECK_EQ_INT(fsi_xdoc_status(doc), FORUM_OK);
        fsi_xdb_t *shard = fsi_xdb_shard(w, (unsigned)i %
                                                fsi_xdb_shard_count(w));
        uint32_t docid = 0;
        CHECK_EQ_INT(fsi_xdb_delete_by_term(shard, term, (size_t)n),
                     FORUM_OK);
        CHECK_EQ_INT(fsi_xdb_add_document(shard, doc, &docid), FORUM_OK);
        CHECK(docid > 0);
        fsi_xdoc_destroy(doc);
    }
    int n = snprintf(data, sizeof data, "v%d", round_no);
    CHECK_EQ_INT(fsi_xdb_set_metadata(w, "k", 1, data, (size_t)n), FORUM_OK);
    CHECK_EQ_INT(fsi_xdb_commit(w), FORUM_OK);
}

static void go_stale(fsi_xdb_t *w)
{
    for (int i = 0; i < 3; i++)
        rewrite(w);
}

static int count_key(void *payload, const char *key, size_t len)
{
    (void)key;
    (void)len;
    ++*(int *)payload;
    return 0;
}

typedef struct {
    int n;
    char first[64];
    size_t first_len;
} values_t;

static int keep_value(void *payload, uint32_t docid, const char *value,
                      size_t len)
{
    values_t *v = payload;
    CHECK(docid > 0);
    if (v->n++ == 0 && len <= sizeof v->first) {
        memcpy(v->first, value, len);
        v->first_len = len;
    }
    return 0;
}

static int count_term(void *payload, const char *term, size_t len,
                      uint64_t freq)
{
    (void)term;
    (void)len;
    *(uint64_t *)payload += freq;
    return 0;
}

static void check_reads(const char *name, unsigned shards)
{
    char path[4096], *err = NULL;
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    if (shards > 1) {
        CHECK_EQ_INT(forum_db_create(path, shards, &err), FORUM_OK);
    }
    fsi_xdb_t *w = NULL, *r = NULL;
    CHECK_EQ_INT(fsi_xdb_open(&w, path, FORUM_DB_WRITE, &err), FORUM_OK);
    CHECK_EQ_INT(fsi_xdb_shard_count(w), shards);
    rewrite(w);
    CHECK_EQ_INT(fsi_xdb_open(&r, path, FORUM_DB_READ, &err), FORUM_OK);

    PHASE("metadata from a stale reader: the newest value");
    go_stale(w);
    char *value = NULL;
    size_t len = 0;
    CHECK_EQ_INT(fsi_xdb_get_metadata(r, "k", 1, &value, &len), FORUM_OK);
    char want[32];
    snprintf(want, sizeof want, "v%d", round_no);
    CHECK_EQ_STR(value, want);
    free(value);

    PHASE("term frequency from a stale reader");
    go_stale(w);
    char word[64];
    int n = snprintf(word, sizeof word, "Zr%dw5", round_no);
    uint64_t freq = 0;
    CHECK_EQ_INT(fsi_xdb_termfreq(r, word, (size_t)n, &freq), FORUM_OK);
    CHECK(freq > 0);

    PHASE("one document's values from a stale reader");
    go_stale(w);
    values_t v = {0, "", 0};
    CHECK_EQ_INT(fsi_xdb_term_values(r, "Qdoc7", 5, FSI_SLOT_DATE,
                                     keep_value, &v), FORUM_OK);
    CHECK_EQ_INT(v.n, 1);
    char slot[16];
    size_t slot_len = fsi_sortable_serialise(round_no * 10000.0 + 7, slot);
    CHECK_EQ_MEM(v.first, v.first_len, slot, slot_len);

    PHASE("terms by prefix from a stale reader: each once, the newest");
    go_stale(w);
    n = snprintf(word, sizeof word, "Zr%dw", round_no);
    uint64_t postings = 0;
    CHECK_EQ_INT(fsi_xdb_prefix_terms(r, word, (size_t)n, count_term,
                                      &postings), FORUM_OK);
    CHECK_EQ_INT(postings, (uint64_t)DOCS * WORDS);

    PHASE("metadata keys from a stale reader (the shim reopens first)");
    go_stale(w);
    int keys = 0;
    CHECK_EQ_INT(fsi_xdb_metadata_keys(r, "k", 1, count_key, &keys),
                 FORUM_OK);
    CHECK(keys >= 1);

    PHASE("document count and value bounds from a stale reader");
    go_stale(w);
    uint64_t docs = 0;
    CHECK_EQ_INT(fsi_xdb_doccount(r, &docs), FORUM_OK);
    CHECK_EQ_INT(docs, DOCS);
    go_stale(w);
    double lo = 0, hi = 0;
    int any = 0;
    CHECK_EQ_INT(fsi_xdb_value_bounds(r, FSI_SLOT_DATE, &lo, &hi, &any),
                 FORUM_OK);
    CHECK(any);

    fsi_xdb_destroy(r);
    CHECK_EQ_INT(fsi_xdb_close(w), FORUM_OK);
    fsi_xdb_destroy(w);
}

int main(void)
{
    CHECK(mkdtemp(scratch) != NULL);
    check_reads("one", 1);
    check_reads("two", 2);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    CHECK_EQ_INT(system(cmd), 0);
    fprintf(stderr, "test_xapian_shim: ok\n");
    return 0;
}
