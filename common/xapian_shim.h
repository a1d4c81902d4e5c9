/* forumsearch — private: the C face of the Xapian shim.
 *
 * xapian_shim.cc is the only C++ in the project: it converts arguments,
 * calls Xapian and turns every exception into a forum_status_t plus a
 * message stored on the handle. No C++ type appears here.
 */
#ifndef FORUMSEARCH_XAPIAN_SHIM_H
#define FORUMSEARCH_XAPIAN_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "forumsearch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fsi_xdb fsi_xdb_t;
typedef struct fsi_xdoc fsi_xdoc_t;
typedef struct fsi_xquery fsi_xquery_t;

const char *fsi_xapian_version(void);

/* mode: FORUM_DB_READ / WRITE / WRITE_WAIT. On failure *out is NULL and
 * *errmsg (if errmsg) is a malloc'd message. */
forum_status_t fsi_xdb_open(fsi_xdb_t **out, const char *path, int mode,
                            char **errmsg);
void fsi_xdb_destroy(fsi_xdb_t *db);
/* Creates an empty database at path (which must not exist yet). */
forum_status_t fsi_xdb_create_empty(const char *path, char **errmsg);
/* Writes a compacted copy of the committed database to out_path. */
forum_status_t fsi_xdb_compact(fsi_xdb_t *db, const char *out_path);
/* Message of the last failure on db ("" if none); borrowed. */
const char *fsi_xdb_error(const fsi_xdb_t *db);
forum_status_t fsi_xdb_commit(fsi_xdb_t *db);
/* A batch of changes that becomes visible (and durable) all at once at
 * fsi_xdb_end_batch(commit = 1), or never (commit = 0). Without it,
 * Xapian commits on its own every XAPIAN_FLUSH_THRESHOLD documents,
 * which could publish half a file. */
forum_status_t fsi_xdb_begin_batch(fsi_xdb_t *db);
forum_status_t fsi_xdb_end_batch(fsi_xdb_t *db, int commit);
forum_status_t fsi_xdb_close(fsi_xdb_t *db);
forum_status_t fsi_xdb_reopen(fsi_xdb_t *db);
forum_status_t fsi_xdb_doccount(fsi_xdb_t *db, uint64_t *out);

/* Metadata. A missing key reads as the empty string. *value is malloc'd
 * and NUL-terminated. */
forum_status_t fsi_xdb_get_metadata(fsi_xdb_t *db, const char *key,
                                    size_t key_len, char **value,
                                    size_t *value_len);
forum_status_t fsi_xdb_set_metadata(fsi_xdb_t *db, const char *key,
                                    size_t key_len, const char *value,
                                    size_t value_len);
/* Calls cb for every metadata key starting with prefix; a nonzero return
 * stops the walk. */
forum_status_t fsi_xdb_metadata_keys(fsi_xdb_t *db, const char *prefix,
                                     size_t prefix_len,
                                     int (*cb)(void *payload, const char *key,
                                               size_t key_len),
                                     void *payload);

forum_status_t fsi_xdb_delete_by_term(fsi_xdb_t *db, const char *term,
                                      size_t len);
/* Adds doc as a new document; its docid (in this shard) to *docid.
 * Both store doc's data packed (zstd, xapian_shim.cc "Packed records"),
 * and leave it packed in doc; searches hand it back as it was set. */
forum_status_t fsi_xdb_add_document(fsi_xdb_t *db, fsi_xdoc_t *doc,
                                    uint32_t *docid);
/* Replaces document docid of this shard by doc. */
forum_status_t fsi_xdb_replace_document(fsi_xdb_t *db, uint32_t docid,
                                        fsi_xdoc_t *doc);
/* Indexer bookkeeping (reads see the writer's own pending changes). */
/* Calls cb with the docid and value `slot` of every document indexed by
 * term; a nonzero return stops the walk. */
forum_status_t fsi_xdb_term_values(fsi_xdb_t *db, const char *term,
                                   size_t len, unsigned slot,
                                   int (*cb)(void *payload, uint32_t docid,
                                             const char *value,
                                             size_t value_len),
                                   void *payload);
/* How many documents are indexed by term. */
forum_status_t fsi_xdb_termfreq(fsi_xdb_t *db, const char *term, size_t len,
                                uint64_t *out);
/* A database is one shard or several (a XAPIANDB stub listing them).
 * fsi_xdb_shard() is shard k's own handle, owned by db (db itself when
 * there is one): the indexer writes each thread into its shard. */
unsigned fsi_xdb_shard_count(const fsi_xdb_t *db);
fsi_xdb_t *fsi_xdb_shard(fsi_xdb_t *db, unsigned k);

/* Documents under construction. fsi_xdoc_new returns NULL on ENOMEM. */
fsi_xdoc_t *fsi_xdoc_new(void);
/* Empties doc for the next post, keeping the room it has grown. */
void fsi_xdoc_clear(fsi_xdoc_t *doc);
void fsi_xdoc_destroy(fsi_xdoc_t *doc);
/* These record the first failure in the document; fsi_xdoc_status()
 * reports it, so a builder can check once at the end. */
/* wdf_inc 0 adds the term without weight: BM25 gives it nothing, yet
 * the document still matches it (used for quoted text). */
void fsi_xdoc_add_term(fsi_xdoc_t *doc, const char *term, size_t len,
                       unsigned wdf_inc);
void fsi_xdoc_add_boolean_term(fsi_xdoc_t *doc, const char *term, size_t len);
void fsi_xdoc_set_value(fsi_xdoc_t *doc, unsigned slot, const char *value,
                        size_t len);
void fsi_xdoc_set_data(fsi_xdoc_t *doc, const char *data, size_t len);
forum_status_t fsi_xdoc_status(const fsi_xdoc_t *doc);

/* Xapian's sortable encoding of a number (at most 9 bytes). */
size_t fsi_sortable_serialise(double value, char out[16]);
double fsi_sortable_unserialise(const char *value, size_t len);

/* Query trees. Every constructor returns NULL when out of memory and
 * takes ownership of its sub-queries either way. */
enum fsi_xq_op {
    FSI_XQ_AND, FSI_XQ_OR, FSI_XQ_AND_NOT, FSI_XQ_AND_MAYBE, FSI_XQ_FILTER
};
fsi_xquery_t *fsi_xq_term(const char *term, size_t len, unsigned wqf);
fsi_xquery_t *fsi_xq_match_all(void);
fsi_xquery_t *fsi_xq_combine(enum fsi_xq_op op, fsi_xquery_t **subs,
                             size_t n);
fsi_xquery_t *fsi_xq_scale(fsi_xquery_t *q, double factor);
/* Documents whose value in slot lies in [lo, hi] (serialised bounds;
 * NULL for an open end). */
fsi_xquery_t *fsi_xq_value_range(unsigned slot, const char *lo,
                                 size_t lo_len, const char *hi,
                                 size_t hi_len);
void fsi_xq_destroy(fsi_xquery_t *q);
/* A debug description (malloc'd). */
char *fsi_xq_describe(const fsi_xquery_t *q);

/* Decides whether a candidate document really matches, from its stored
 * data. Returns 1 to keep it. Must not fail; it may not call back into
 * the shim. */
typedef int (*fsi_decider_fn)(void *payload, const char *data, size_t len);

typedef struct fsi_xhit {
    uint32_t docid;
    double weight;
    uint64_t collapse_count; /* Other matching documents of its key. */
    char *key;               /* tie_slot's value (ranking every match). */
    size_t key_len;
    char *data;              /* The document data, malloc'd. */
    size_t data_len;
    char *meta;              /* The metadata meta_key() named, or NULL. */
    size_t meta_len;
} fsi_xhit_t;

typedef struct fsi_xresult {
    fsi_xhit_t *hits;
    size_t n_hits;
    uint64_t matches;        /* Documents, or keys if collapsed. */
    uint64_t uncollapsed;    /* Matching documents. */
    int counts_final;        /* Exact, or estimates were asked for. */
    /* With count_slot: what every match had there (exact counts). */
    int counted;
    uint64_t counted_docs;   /* Matching documents. */
    uint64_t counted_values; /* Distinct values among them. */
    /* Shards left out (unreachable remote shards of a partial handle),
     * named "shard K of N (remote HOST:PORT)"; malloc'd. */
    char **missing;
    size_t n_missing;
} fsi_xresult_t;

/* A match as fold() gets it: its docid (in its own shard), weight, and
 * values read only when asked for. */
typedef struct fsi_xmatch fsi_xmatch_t;
uint64_t fsi_xmatch_docid(const fsi_xmatch_t *match);
double fsi_xmatch_weight(const fsi_xmatch_t *match);
/* Its tie_slot value, valid until fold() returns; NULL when reading it
 * failed (fold() then returns nonzero, and the search fails with the
 * reason). */
const char *fsi_xmatch_key(fsi_xmatch_t *match, size_t *len);
/* Its thread's number in its shard and its floor (sortable, valid until
 * fold() returns), from thread_slot: 1. 0 when the match has none, or
 * when the matches fold() gets may come from several shards (fold by
 * key then); -1 when reading failed (as above). */
int fsi_xmatch_thread(fsi_xmatch_t *match, uint32_t *number,
                      const char **floor, size_t *floor_len);

/* One search. Everything a result needs is read within one attempt, from
 * one revision of the database: an attempt that meets a writer's commit
 * is thrown away and the search starts over. */
typedef struct fsi_xsearch {
    int collapse_slot;     /* -1: no collapsing. */
    /* The order: by relevance, best first, when primary_slot < 0; else
     * by primary_slot's value (descending when primary_descending). Ties
     * always by tie_slot's value, ascending, so a value unique to each
     * document makes the order total. */
    int primary_slot;
    int primary_descending;
    unsigned tie_slot;
    size_t offset, limit;  /* The page (when arrange is NULL). */
    fsi_decider_fn decider; /* NULL: every candidate matches. */
    void *decider_payload;
    int exact_counts;       /* Check every candidate, for exact counts. */

    /* Optional hooks, each given payload. */
    void *payload;
    /* An attempt starts: forget what the decider or count() saw. */
    void (*restart)(void *payload);
    /* Set: every match is ranked, offset and limit aside; the hits
     * arrive with docid, weight, collapse_count and key only, and
     * arrange() reorders them and keeps the page (freeing the keys of the
     * others). Returns nonzero when out of memory. The page's documents
     * are read after it. */
    int (*arrange)(void *payload, fsi_xresult_t *result);
    /* Optional with arrange: the shim may hand matches to fold() as it
     * finds them (fsi_xmatch_t, below) instead of listing them in the
     * hits, which saves listing and sorting every match; arrange() then
     * gets the hits it did list (none when it folded all). fold() is
     * given fold_payload, or a part's (below). Returns nonzero when out
     * of memory or when reading the match failed. */
    int (*fold)(void *fold_payload, fsi_xmatch_t *match);
    void *fold_payload;
    /* >= 0: the slot of a match's thread number in its shard (4 bytes,
     * big endian) and floor, for fsi_xmatch_thread(). */
    int thread_slot;
    /* Shards are searched side by side (when they can be) for a query
     * with a term in at least this many posts; 0: the shim's default.
     * FORUMSEARCH_PARALLEL_POSTINGS overrides both. */
    unsigned parallel_postings;
    /* Optional with fold: the shim may search n shards side by side,
     * folding shard k's matches with fold_part(payload, k, n) as
     * fold()'s payload (asked for every k before any shard is searched;
     * NULL when out of memory); fold_join(payload) then folds the parts
     * into fold_payload's, on the calling thread (nonzero when out of
     * memory). */
    void *(*fold_part)(void *payload, unsigned k, unsigned n);
    int (*fold_join)(void *payload);
    /* Optional with decider: for n shards searched side by side, the
     * decider's payload for shard k (asked for every k before any shard
     * is searched; NULL when out of memory). With it, the decider must
     * be safe on several threads with a payload each; without it, no
     * search with a decider runs side by side. */
    void *(*decider_part)(void *payload, unsigned k, unsigned n);
    /* The metadata key to read along with a hit's document (written to
     * key, at most cap bytes): its length, 0 for none. */
    size_t (*meta_key)(void *payload, const char *data, size_t len,
                       char *key, size_t cap);
    /* >= 0 with exact_counts: every match (accepted by the decider,
     * before collapsing) is counted, and the distinct values it has in
     * this slot (result->counted...). */
    int count_slot;
} fsi_xsearch_t;

/* Zeroes *s, then: no collapsing, relevance order, ties by tie_slot,
 * no distinct-value counting. */
static inline void fsi_xsearch_init(fsi_xsearch_t *s, unsigned tie_slot)
{
    memset(s, 0, sizeof *s);
    s->collapse_slot = -1;
    s->primary_slot = -1;
    s->tie_slot = tie_slot;
    s->count_slot = -1;
    s->thread_slot = -1;
}

/* Runs q. Retries after reopen() when a writer commits meanwhile. */
forum_status_t fsi_xdb_search(fsi_xdb_t *db, const fsi_xquery_t *q,
                              const fsi_xsearch_t *opts, fsi_xresult_t *out);
/* Frees one hit's strings (for arrange() dropping hits). */
void fsi_xhit_free(fsi_xhit_t *hit);
void fsi_xresult_free(fsi_xresult_t *result);

/* Statistics (stats.c). Calls cb with every term that starts with
 * prefix and the number of documents that hold it; a nonzero return
 * stops the walk. */
forum_status_t fsi_xdb_prefix_terms(fsi_xdb_t *db, const char *prefix,
                                    size_t prefix_len,
                                    int (*cb)(void *payload, const char *term,
                                              size_t term_len,
                                              uint64_t termfreq),
                                    void *payload);
/* The least and greatest sortable value in slot (*any 0: none). */
forum_status_t fsi_xdb_value_bounds(fsi_xdb_t *db, unsigned slot,
                                    double *lo, double *hi, int *any);
/* ---- Remote shards ---------------------------------------------------
 * A stub may list "remote HOST:PORT" shards (xapian-tcpsrv) for
 * searching; a write mode refuses such a stub (FORUM_EINVAL). An
 * unreachable shard fails the open or the search with
 * FORUM_EUNAVAILABLE, its message naming the shard; with partial, it
 * is left out instead and fsi_xresult_t.missing names it. */

/* Xapian's own default for both remote timeouts. */
#define FSI_REMOTE_TIMEOUT_MS 10000u

typedef struct fsi_xopen {
    unsigned remote_timeout_ms; /* Connecting, and each reply. */
    int partial;
} fsi_xopen_t;

/* fsi_xdb_open() with options (NULL: the defaults). */
forum_status_t fsi_xdb_open_with(fsi_xdb_t **out, const char *path, int mode,
                                 const fsi_xopen_t *opts, char **errmsg);

#ifdef __cplusplus
}
#endif

#endif
