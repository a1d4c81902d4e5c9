/* forumsearch — running a query and its result sets.
 *
 * One total order: every sort ends with the tie-break of the ORDER value
 * (thread id, then floor), unique to each post, so a page is the same
 * slice of one list whatever the limit and offset. Xapian sorts and cuts
 * the page itself, except for threads ranked by relevance: a thread's
 * score adds a bonus for its other matching posts, which Xapian cannot
 * rank by, so every matching thread is ranked here (see arrange_threads).
 *
 * A result set owns everything it shows: the page's documents and thread
 * records are read during the run, from the revision the hits were
 * ranked in, so iterating never touches the database (a writer may
 * commit meanwhile) and outlives forum_db_close().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "hash.h"
#include "highlight.h"
#include "schema.h"
#include "search.h"
#include "thread.h"

struct forum_results {
    forum_query_t *query;
    forum_results_t *prev, *next; /* The query's live result sets. */
    fsi_xresult_t x;              /* The page: documents, thread records. */
    size_t offset;                /* Rank of the first hit. */
    int scored;                   /* Sorted by relevance: scores shown. */
    uint64_t posts, threads;      /* Counts. */
    size_t cursor;                /* Next hit to return. */
    /* Thread scope: x.hits[0, n_page) are the page's threads; the
     * posts shown with hit i are x.hits[also_at[i], also_at[i + 1]). */
    size_t n_page;
    size_t *also_at;
    forum_hit_t hit;
    forum_hit_t *also;            /* The current hit's also[]. */
    fsi_buf_t strings;            /* The current hit's strings. */
    fsi_normalized_t norm;        /* For snippets. */
};

/* A malloc'd copy of len bytes (one byte for none); NULL when out of
 * memory. Keys are byte strings, not NUL-terminated. */
static char *copy_key(const char *key, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (copy != NULL)
        memcpy(copy, key, len);
    return copy;
}

/* ---- Facts: what the deciders saw ---------------------------------- */

static size_t fact_slot(const fsi_facts_t *facts, const char *key,
                        size_t len)
{
    size_t i = (size_t)fsi_hash64(key, len) & (facts->cap - 1);
    while (facts->slots[i].key &&
           (facts->slots[i].key_len != len ||
            memcmp(facts->slots[i].key, key, len) != 0))
        i = (i + 1) & (facts->cap - 1);
    return i;
}

static int facts_grow(fsi_facts_t *facts)
{
    fsi_facts_t bigger = {NULL, facts->cap ? facts->cap * 2 : 64, 0};
    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    if (bigger.slots == NULL)
        return -1;
    for (size_t i = 0; i < facts->cap; i++)
        if (facts->slots[i].key) {
            const fsi_fact_t *f = &facts->slots[i];
            bigger.slots[fact_slot(&bigger, f->key, f->key_len)] = *f;
            bigger.used++;
        }
    free(facts->slots);
    *facts = bigger;
    return 0;
}

int fsi_facts_put(fsi_facts_t *facts, const char *key, size_t len,
                  uint64_t mask, int64_t date)
{
    if ((facts->used + 1) * 2 > facts->cap && facts_grow(facts) != 0)
        return -1;
    fsi_fact_t *f = &facts->slots[fact_slot(facts, key, len)];
    if (f->key == NULL) {
        if ((f->key = copy_key(key, len)) == NULL)
            return -1;
        f->key_len = len;
        facts->used++;
    }
    f->mask |= mask;
    f->date = date;
    return 0;
}

const fsi_fact_t *fsi_facts_get(const fsi_facts_t *facts, const char *key,
                                size_t len)
{
    if (facts->cap == 0)
        return NULL;
    const fsi_fact_t *f = &facts->slots[fact_slot(facts, key, len)];
    return f->key ? f : NULL;
}

void fsi_facts_free(fsi_facts_t *facts)
{
    for (size_t i = 0; i < facts->cap; i++)
        free(facts->slots[i].key);
    free(facts->slots);
    memset(facts, 0, sizeof *facts);
}

/* ---- The search's callbacks ---------------------------------------- */

static void thread_best_free(fsi_thread_best_t *t);
static void free_parts(fsi_run_t *run);

static void restart_run(void *payload)
{
    fsi_run_t *run = payload;
    run->failed = 0;
    run->ranked_all = 0;
    if (run->posts_by_decider)
        fsi_facts_free(&run->posts);
    free(run->also_at);
    run->also_at = NULL;
    run->n_page = 0;
    thread_best_free(&run->best);
    free_parts(run);
    run->decide = (fsi_decide_t){.run = run};
}

/* The key of the hit's thread record. */
static size_t thread_record_key(void *payload, const char *data, size_t len,
                                char *key, size_t cap)
{
    fsi_run_t *run = payload;
    fsi_post_record_t rec;
    if (fsi_post_record_decode(&rec, data, len) != FORUM_OK)
        return 0; /* forum_results_next() reports the corrupt document. */
    fsi_buf_t buf = FSI_BUF_INIT;
    fsi_make_key(&buf, FSI_META_THREAD, rec.thread_id.s, rec.thread_id.len);
    size_t n = buf.failed || buf.len > cap ? 0 : buf.len;
    if (buf.failed)
        run->failed = 1;
    if (n)
        memcpy(key, buf.data, n);
    fsi_buf_free(&buf);
    return n;
}

/* By ORDER value (thread id, floor), then docid. */
static int compare_keys(const void *a, const void *b)
{
    const fsi_xhit_t *x = a, *y = b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return (x->docid > y->docid) - (x->docid < y->docid);
}

/* Best first; equal scores by ORDER value (thread id, floor), then docid
 * (which only a damaged database could need). */
static int compare_ranked(const void *a, const void *b)
{
    const fsi_xhit_t *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    return compare_keys(a, b);
}

/* Sifts hits[i] down the heap hits[0, n), whose top is the one
 * compare_ranked() puts last. */
static void sift_down(fsi_xhit_t *hits, size_t n, size_t i)
{
    for (;;) {
        size_t last = i, left = 2 * i + 1, right = left + 1;
        if (left < n && compare_ranked(&hits[left], &hits[last]) > 0)
            last = left;
        if (right < n && compare_ranked(&hits[right], &hits[last]) > 0)
            last = right;
        if (last == i)
            return;
        fsi_xhit_t swap = hits[i];
        hits[i] = hits[last];
        hits[last] = swap;
        i = last;
    }
}

/* Puts the first k of the ranked order first, in order, and the others
 * after them in no order: a page of 10 of 23,534 threads (一 at 100 MiB)
 * needs no sort of them all. */
static void rank_first(fsi_xhit_t *hits, size_t n, size_t k)
{
    if (k > n / 4) {
        qsort(hits, n, sizeof *hits, compare_ranked);
        return;
    }
    if (k == 0)
        return;
    for (size_t i = k / 2; i-- > 0;)
        sift_down(hits, k, i);
    for (size_t i = k; i < n; i++)
        if (compare_ranked(&hits[i], &hits[0]) < 0) {
            fsi_xhit_t swap = hits[i];
            hits[i] = hits[0];
            hits[0] = swap;
            sift_down(hits, k, 0);
        }
    qsort(hits, k, sizeof *hits, compare_ranked);
}

/* Keeps hits [offset, offset + limit) of the list. */
static void keep_page(fsi_xresult_t *x, size_t offset, size_t limit)
{
    size_t first = offset < x->n_hits ? offset : x->n_hits;
    size_t n = x->n_hits - first < limit ? x->n_hits - first : limit;
    for (size_t i = 0; i < x->n_hits; i++)
        if (i < first || i >= first + n)
            fsi_xhit_free(&x->hits[i]);
    memmove(x->hits, x->hits + first, n * sizeof *x->hits);
    x->n_hits = n;
}

static unsigned bits(uint64_t mask)
{
    unsigned n = 0;
    for (; mask; mask &= mask - 1)
        n++;
    return n;
}

/* The title signal of the thread whose ORDER key (thread id, NUL,
 * floor) is key: the share of the query's words its title holds.
 * (Linear: squaring it, so that a title with every word stands further
 * above titles with some, lost known items found by a title word and a
 * reply word; bench/README.md.) */
static double title_share(const fsi_run_t *run, const char *key,
                          size_t key_len)
{
    size_t words = run->query->n_text_marks < 64 ? run->query->n_text_marks
                                                  : 64;
    const char *nul = memchr(key, '\0', key_len);
    size_t id_len = nul ? (size_t)(nul - key) : key_len;
    const fsi_fact_t *f = fsi_facts_get(&run->titles, key, id_len);
    if (f == NULL || words == 0)
        return 0.0;
    return (double)bits(f->mask) / (double)words;
}

/* A thread's score from its evidence (README "Ranking"): best is its
 * posts' weight (the best post's, or in thread scope the best posts'
 * of each word together), top the highest such weight among all the
 * matching threads, so that the title signal is on the scale of this
 * query's weights: a title with every word is worth as much as the
 * best evidence any thread has. */
static double thread_score(const fsi_run_t *run, double best, double top,
                           uint64_t other_posts, const char *key,
                           size_t key_len)
{
    double matches = FSI_WEIGHT_SCALE * FSI_THREAD_MATCHES_BOOST *
                     log1p((double)other_posts);
    return best + matches +
           FSI_TITLE_SHARE_BOOST * top * title_share(run, key, key_len);
}

/* The bytes of an ORDER key (thread id, NUL, floor) that name its
 * thread: the id and its NUL (the whole key when damaged). */
static size_t thread_part(const char *key, size_t len)
{
    const char *nul = memchr(key, '\0', len);
    return nul ? (size_t)(nul - key) + 1 : len;
}

/* A thread met by its number: its best post so far, and its floor for
 * ties (as in the ORDER value, which is read only for a new best). */
struct fsi_numbered {
    uint32_t number;
    uint32_t docid;
    double weight;
    uint64_t others;
    char *key;
    uint64_t hash;          /* Its thread's, for joining by key. */
    uint32_t key_len;
    unsigned char floor_len;
    char floor[11];
};
typedef struct fsi_numbered fsi_numbered_t;

static void numbered_free(fsi_thread_best_t *t)
{
    for (size_t i = 0; i < t->cap_numbered; i++)
        free(t->numbered[i].key);
    free(t->numbered);
    t->numbered = NULL;
    t->n_numbered = t->cap_numbered = 0;
}

static void thread_best_free(fsi_thread_best_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        fsi_xhit_free(&t->hits[i]);
    free(t->hits);
    free(t->hashes);
    free(t->slots);
    numbered_free(t);
    memset(t, 0, sizeof *t);
}

/* The hash a thread's entries are found by: of its id (the bytes of
 * thread_part()). */
static uint64_t thread_hash(const char *key, size_t len)
{
    return fsi_hash64(key, thread_part(key, len));
}

/* A slot holds an entry's index + 1 (0: empty) in its low 32 bits and
 * the high 32 bits of its thread_hash() above them, so a probe compares
 * keys only when those agree: joining tables of different threads then
 * reads no key. */
static uint64_t slot_of(size_t index, uint64_t hash)
{
    return (hash & UINT64_C(0xffffffff00000000)) | (uint64_t)(index + 1);
}

/* The slot of key's thread (hash: its thread_hash()) in t->slots: its
 * entry, or the empty slot where it goes. An entry with the same first
 * `part` bytes is the same thread when they end in the NUL (no earlier
 * NUL in either), or when both keys are that long and have none
 * (damaged). */
static size_t thread_slot(const fsi_thread_best_t *t, const char *key,
                          size_t len, uint64_t hash)
{
    size_t at = (size_t)hash & (t->n_slots - 1);
    for (uint64_t slot; (slot = t->slots[at]) != 0;
         at = (at + 1) & (t->n_slots - 1)) {
        if ((slot ^ hash) >> 32)
            continue;
        size_t part = thread_part(key, len);
        int whole = part == 0 || key[part - 1] != '\0';
        const fsi_xhit_t *b = &t->hits[(uint32_t)slot - 1];
        if ((whole ? b->key_len == part : b->key_len >= part) &&
            memcmp(b->key, key, part) == 0)
            break;
    }
    return at;
}

/* Room for `more` threads: the table at most half full. */
static int thread_best_reserve(fsi_thread_best_t *t, size_t more)
{
    if (t->n + more > UINT32_MAX - 1)
        return -1;
    if (t->n + more > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        while (cap < t->n + more)
            cap *= 2;
        fsi_xhit_t *hits = realloc(t->hits, cap * sizeof *hits);
        if (hits == NULL)
            return -1;
        t->hits = hits;
        uint64_t *hashes = realloc(t->hashes, cap * sizeof *hashes);
        if (hashes == NULL)
            return -1;
        t->hashes = hashes;
        t->cap = cap;
    }
    if (2 * (t->n + more) <= t->n_slots)
        return 0;
    size_t n_slots = t->n_slots ? 2 * t->n_slots : 128;
    while (n_slots < 2 * (t->n + more))
        n_slots *= 2;
    uint64_t *slots = calloc(n_slots, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    for (size_t i = 0; i < t->n; i++) {
        size_t at = (size_t)t->hashes[i] & (n_slots - 1);
        while (slots[at])
            at = (at + 1) & (n_slots - 1);
        slots[at] = slot_of(i, t->hashes[i]);
    }
    return 0;
}

/* The entry of key's thread, made (zeroed, *fresh set) when the table
 * has none; NULL when out of memory. A fresh entry must get its key
 * before the next lookup. */
static fsi_xhit_t *thread_entry(fsi_thread_best_t *t, const char *key,
                                size_t key_len, uint64_t hash, int *fresh)
{
    if (thread_best_reserve(t, 1) != 0)
        return NULL;
    size_t at = thread_slot(t, key, key_len, hash);
    *fresh = t->slots[at] == 0;
    if (!*fresh)
        return &t->hits[(uint32_t)t->slots[at] - 1];
    fsi_xhit_t *b = &t->hits[t->n];
    memset(b, 0, sizeof *b);
    t->hashes[t->n] = hash;
    t->slots[at] = slot_of(t->n++, hash);
    return b;
}

/* Whether a match of b's thread goes before b: the higher weight, the
 * first in floor order among equals (what Xapian's collapse keeps). */
static int beats(const fsi_xhit_t *h, const fsi_xhit_t *b)
{
    return h->weight > b->weight ||
           (h->weight == b->weight && compare_keys(h, b) < 0);
}

/* Counts a match (docid, weight, ORDER key; others: matches of its
 * thread it already stands for) in its thread's entry, and keeps it as
 * the thread's best when it beats() the best so far. Collapsing
 * here and not in Xapian: Xapian 1.4 drops a thread's earlier best from
 * its results by a linear search, so with every match ranked its
 * collapse is quadratic in the matching threads (62 % of a 0.35 s query
 * for 如 at 100 MiB). The shim hands each match over as Xapian finds it
 * (fold_match_cb), so no list of every match is made and sorted.
 * Returns -1 when out of memory. */
static int fold_match(fsi_thread_best_t *t, uint64_t docid, double weight,
                      const char *key, size_t key_len, uint64_t others)
{
    fsi_xhit_t h = {.docid = (uint32_t)docid, .weight = weight,
                    .key = (char *)key, .key_len = key_len};
    int fresh;
    fsi_xhit_t *b = thread_entry(t, key, key_len, thread_hash(key, key_len),
                                 &fresh);
    if (b == NULL)
        return -1;
    if (fresh)
        b->collapse_count = others;
    else if (b->collapse_count += others + 1, !beats(&h, b))
        return 0;
    char *copy = copy_key(key, key_len);
    if (copy == NULL)
        return -1;
    free(b->key);
    b->key = copy;
    b->key_len = key_len;
    b->docid = h.docid;
    b->weight = weight;
    return 0;
}

/* fold_match() for a hit that is a thread's entry already (a shard's,
 * or listed by the shim): its key moves into the table or is freed,
 * never copied. */
static int fold_hit(fsi_thread_best_t *t, fsi_xhit_t *h, uint64_t hash)
{
    int fresh;
    fsi_xhit_t *b = thread_entry(t, h->key, h->key_len, hash, &fresh);
    if (b == NULL)
        return -1;
    if (fresh) {
        *b = *h;
    } else {
        b->collapse_count += h->collapse_count + 1;
        fsi_xhit_t loser = *h;
        if (beats(h, b)) {
            loser = *b;
            *b = *h;
            b->collapse_count = loser.collapse_count;
        }
        fsi_xhit_free(&loser);
    }
    h->key = h->data = h->meta = NULL;
    return 0;
}

/* Room for one more numbered thread: the table at most half full. */
static int numbered_reserve(fsi_thread_best_t *t)
{
    if (2 * (t->n_numbered + 1) <= t->cap_numbered)
        return 0;
    size_t cap = t->cap_numbered ? 2 * t->cap_numbered : 1024;
    fsi_numbered_t *grown = calloc(cap, sizeof *grown);
    if (grown == NULL)
        return -1;
    for (size_t i = 0; i < t->cap_numbered; i++) {
        const fsi_numbered_t *e = &t->numbered[i];
        if (e->key == NULL)
            continue;
        size_t at = e->number & (cap - 1);
        while (grown[at].key)
            at = (at + 1) & (cap - 1);
        grown[at] = *e;
    }
    free(t->numbered);
    t->numbered = grown;
    t->cap_numbered = cap;
    return 0;
}

/* Floor order within one thread, as compare_keys() orders their ORDER
 * values (the same thread id, then the floor), then docid. */
static int compare_floors(const char *a, size_t a_len, uint32_t a_docid,
                          const char *b, size_t b_len, uint32_t b_docid)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    if (a_len != b_len)
        return a_len < b_len ? -1 : 1;
    return (a_docid > b_docid) - (a_docid < b_docid);
}

/* fold_match() for a match whose thread has a number in its shard: the
 * thread's entry is found by that number, not by hashing and comparing
 * its ORDER value, which is read only when the match is the thread's
 * new best. Numbers are given in the order threads are indexed, which
 * is mostly the order of their posts' docids, so the table is walked
 * mostly in order. At 100 MiB, 一 (180,366 posts) spent more time
 * reading and hashing ORDER values than Xapian took to find them. */
static int fold_numbered(fsi_thread_best_t *t, fsi_xmatch_t *match,
                         uint32_t number, const char *floor,
                         size_t floor_len)
{
    if (numbered_reserve(t) != 0)
        return -1;
    size_t at = number & (t->cap_numbered - 1);
    fsi_numbered_t *e = &t->numbered[at];
    while (e->key && e->number != number) {
        at = (at + 1) & (t->cap_numbered - 1);
        e = &t->numbered[at];
    }
    uint32_t docid = (uint32_t)fsi_xmatch_docid(match);
    double weight = fsi_xmatch_weight(match);
    if (e->key) {
        e->others++;
        if (!(weight > e->weight ||
              (weight == e->weight &&
               compare_floors(floor, floor_len, docid, e->floor,
                              e->floor_len, e->docid) < 0)))
            return 0;
    }
    size_t key_len;
    const char *key = fsi_xmatch_key(match, &key_len);
    char *copy = key && key_len < UINT32_MAX ? copy_key(key, key_len) : NULL;
    if (copy == NULL)
        return -1;
    if (e->key == NULL) {
        t->n_numbered++;
        e->number = number;
        e->others = 0;
    }
    free(e->key);
    e->key = copy;
    e->key_len = (uint32_t)key_len;
    e->hash = thread_hash(copy, key_len);
    e->docid = docid;
    e->weight = weight;
    e->floor_len = (unsigned char)floor_len;
    memcpy(e->floor, floor, floor_len);
    return 0;
}

static int fold_match_cb(void *payload, fsi_xmatch_t *match)
{
    uint32_t number;
    const char *floor;
    size_t floor_len;
    int numbered = fsi_xmatch_thread(match, &number, &floor, &floor_len);
    if (numbered < 0)
        return -1;
    if (numbered && floor_len <= sizeof ((fsi_numbered_t *)0)->floor)
        return fold_numbered(payload, match, number, floor, floor_len);
    size_t key_len;
    const char *key = fsi_xmatch_key(match, &key_len);
    return key ? fold_match(payload, fsi_xmatch_docid(match),
                            fsi_xmatch_weight(match), key, key_len, 0)
               : -1;
}

/* The numbered threads of `from` into the threads by key of `into` (the
 * same table or another), their keys moved. */
static int join_numbered(fsi_thread_best_t *into, fsi_thread_best_t *from)
{
    if (thread_best_reserve(into, from->n_numbered) != 0)
        return -1;
    for (size_t i = 0; i < from->cap_numbered; i++) {
        fsi_numbered_t *e = &from->numbered[i];
        if (e->key == NULL)
            continue;
        fsi_xhit_t h = {.docid = e->docid, .weight = e->weight,
                        .collapse_count = e->others, .key = e->key,
                        .key_len = e->key_len};
        e->key = NULL;
        from->n_numbered--;
        if (fold_hit(into, &h, e->hash) != 0) {
            free(h.key);
            return -1;
        }
    }
    numbered_free(from);
    return 0;
}

static void free_parts(fsi_run_t *run)
{
    for (size_t k = 0; k < run->n_parts; k++) {
        thread_best_free(&run->parts[k].best);
        fsi_scratch_free(&run->parts[k].scratch);
    }
    free(run->parts);
    run->parts = NULL;
    run->n_parts = 0;
}

/* Shard k's part of n, made for all n at the first ask. */
static fsi_shard_part_t *shard_part(fsi_run_t *run, unsigned k, unsigned n)
{
    if (run->n_parts != n) {
        free_parts(run);
        run->parts = calloc(n, sizeof *run->parts);
        if (run->parts == NULL)
            return NULL;
        run->n_parts = n;
        for (size_t i = 0; i < n; i++)
            run->parts[i].decide = (fsi_decide_t){
                .run = run, .scratch = &run->parts[i].scratch};
    }
    return &run->parts[k];
}

/* Shard k's decider payload, with scratch of its own. */
static void *decide_part(void *payload, unsigned k, unsigned n)
{
    fsi_shard_part_t *part = shard_part(payload, k, n);
    return part ? &part->decide : NULL;
}

/* Shard k's own table of threads. */
static void *fold_part(void *payload, unsigned k, unsigned n)
{
    fsi_shard_part_t *part = shard_part(payload, k, n);
    return part ? &part->best : NULL;
}

/* Whether a decider ran out of memory (after the search). */
static int deciders_failed(const fsi_run_t *run)
{
    int failed = run->decide.failed;
    for (size_t k = 0; k < run->n_parts; k++)
        failed |= run->parts[k].decide.failed;
    return failed;
}

/* The shards' tables into one: a thread's best of bests, its counts
 * added up (each shard holds whole threads, so this is mostly moving
 * entries). */
static int fold_join(void *payload)
{
    fsi_run_t *run = payload;
    for (size_t k = 0; k < run->n_parts; k++) {
        fsi_thread_best_t *part = &run->parts[k].best;
        if (join_numbered(&run->best, part) != 0 ||
            thread_best_reserve(&run->best, part->n) != 0)
            return -1;
        for (; part->n > 0; part->n--)
            if (fold_hit(&run->best, &part->hits[part->n - 1],
                         part->hashes[part->n - 1]) != 0)
                return -1;
        thread_best_free(part);
    }
    return 0;
}

/* The threads: the matches the shim folded, and those it listed. */
static int collapse_by_thread(fsi_run_t *run, fsi_xresult_t *x)
{
    if (join_numbered(&run->best, &run->best) != 0)
        return -1;
    for (size_t i = 0; i < x->n_hits; i++)
        if (fold_hit(&run->best, &x->hits[i],
                     thread_hash(x->hits[i].key, x->hits[i].key_len)) != 0)
            return -1;
    /* Like the shim's, never NULL, even with no thread. */
    fsi_xhit_t *threads = run->best.hits ? run->best.hits
                                         : calloc(1, sizeof *threads);
    if (threads == NULL)
        return -1;
    free(x->hits);
    x->hits = threads;
    x->n_hits = run->best.n;
    free(run->best.slots); /* The entries are the hits now. */
    free(run->best.hashes);
    numbered_free(&run->best);
    memset(&run->best, 0, sizeof run->best);
    return 0;
}

/* Threads, not posts, are ranked when collapsing: a thread where many
 * posts match is more about the query than one with a single short
 * reply that happens to mention it, and a thread whose title has the
 * words is most likely the one meant. Xapian ranks a thread by its best
 * post; here every matching thread is scored (thread_score), and the
 * page is cut from the whole list, so it does not depend on the limit
 * or the offset. */
static int arrange_threads(void *payload, fsi_xresult_t *x)
{
    fsi_run_t *run = payload;
    uint64_t posts = 0;
    double top = 0.0;
    if (collapse_by_thread(run, x) != 0)
        return -1;
    for (size_t i = 0; i < x->n_hits; i++)
        if (x->hits[i].weight > top)
            top = x->hits[i].weight;
    for (size_t i = 0; i < x->n_hits; i++) {
        fsi_xhit_t *h = &x->hits[i];
        posts += h->collapse_count + 1;
        h->weight = thread_score(run, h->weight, top, h->collapse_count,
                                 h->key, h->key_len);
    }
    run->ranked_all = 1;
    run->ranked_posts = posts;
    run->ranked_threads = x->n_hits;
    rank_first(x->hits, x->n_hits,
               run->limit > SIZE_MAX - run->offset ? SIZE_MAX
                                                   : run->offset + run->limit);
    keep_page(x, run->offset, run->limit);
    return 0;
}

/* ---- Thread scope --------------------------------------------------- */

typedef struct thread_group {
    size_t first, n;      /* Its posts: hits[first, first + n). */
    size_t lead;          /* The post shown: the best of the best. */
    double score;
    int64_t date;         /* Its newest matching post. */
} thread_group_t;


static uint64_t post_leaves(const fsi_run_t *run, const fsi_xhit_t *h)
{
    const fsi_fact_t *f = fsi_facts_get(&run->posts, h->key, h->key_len);
    return f ? f->mask : 0;
}

/* For each leaf of the query but those in skip, the thread's best post
 * that has it (the highest weight; the first in floor order among
 * equals). Marks them in chosen[] (indexes into the group) and returns
 * their weights' sum. */
static double best_posts(const fsi_run_t *run, const fsi_xresult_t *x,
                         const thread_group_t *g, uint64_t skip,
                         unsigned char *chosen)
{
    double sum = 0.0;
    memset(chosen, 0, g->n);
    for (size_t leaf = 0; leaf < run->query->n_leaves; leaf++) {
        if ((skip >> leaf) & 1)
            continue;
        size_t best = (size_t)-1;
        for (size_t i = 0; i < g->n; i++) {
            const fsi_xhit_t *h = &x->hits[g->first + i];
            if (((post_leaves(run, h) >> leaf) & 1) &&
                (best == (size_t)-1 ||
                 h->weight > x->hits[g->first + best].weight))
                best = i;
        }
        if (best != (size_t)-1 && !chosen[best]) {
            chosen[best] = 1;
            sum += x->hits[g->first + best].weight;
        }
    }
    return sum;
}

static int compare_groups(const void *a, const void *b, int sort)
{
    const thread_group_t *x = a, *y = b;
    if (sort == FORUM_SORT_RELEVANCE && x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (sort == FORUM_SORT_DATE && x->date != y->date)
        return x->date < y->date ? 1 : -1;
    return (x->first > y->first) - (x->first < y->first); /* Thread id. */
}

static int compare_by_score(const void *a, const void *b)
{
    return compare_groups(a, b, FORUM_SORT_RELEVANCE);
}

static int compare_by_date(const void *a, const void *b)
{
    return compare_groups(a, b, FORUM_SORT_DATE);
}

static int compare_by_thread(const void *a, const void *b)
{
    return compare_groups(a, b, FORUM_SORT_FLOOR);
}

/* Thread scope: the hits are every candidate post (with the leaves the
 * decider saw); a thread matches when its posts' leaves together
 * satisfy the query. Each matching thread is scored like a collapsed
 * one (thread_score), its evidence being the best post of each leaf
 * together (BM25 adds over words, so two posts with one word each weigh
 * about what one post with both does). The page keeps, for each
 * thread, its lead post, and after all of them the other best posts
 * (run->also_at says whose). */
static int arrange_thread_scope(void *payload, fsi_xresult_t *x)
{
    fsi_run_t *run = payload;
    const forum_query_t *q = run->query;
    int failed = 0;
    /* Candidates that have no part (a longer word's n-grams without the
     * word) are no match. */
    size_t kept = 0;
    for (size_t i = 0; i < x->n_hits; i++) {
        if (post_leaves(run, &x->hits[i]) == 0)
            fsi_xhit_free(&x->hits[i]);
        else
            x->hits[kept++] = x->hits[i];
    }
    x->n_hits = kept;
    qsort(x->hits, x->n_hits, sizeof *x->hits, compare_keys);
    thread_group_t *groups = calloc(x->n_hits ? x->n_hits : 1,
                                    sizeof *groups);
    unsigned char *chosen = malloc(x->n_hits ? x->n_hits : 1);
    fsi_xhit_t *page = NULL;
    size_t n_groups = 0;
    uint64_t posts = 0;
    if (groups == NULL || chosen == NULL)
        goto fail;

    /* The matching threads and their evidence. */
    double top = 0.0;
    for (size_t i = 0; i < x->n_hits;) {
        const char *id = x->hits[i].key;
        const char *nul = memchr(id, '\0', x->hits[i].key_len);
        size_t id_len = nul ? (size_t)(nul - id) : x->hits[i].key_len;
        thread_group_t g = {i, 0, i, 0.0, INT64_MIN};
        uint64_t leaves = 0;
        while (i < x->n_hits && x->hits[i].key_len > id_len &&
               x->hits[i].key[id_len] == '\0' &&
               memcmp(x->hits[i].key, id, id_len) == 0) {
            const fsi_fact_t *f = fsi_facts_get(&run->posts, x->hits[i].key,
                                                x->hits[i].key_len);
            if (f) {
                leaves |= f->mask;
                if (f->date != FSI_NO_DATE && f->date > g.date)
                    g.date = f->date;
            }
            i++;
            g.n++;
        }
        if (g.n == 0) { /* A key without a floor: a damaged database. */
            i++;
            continue;
        }
        if (!fsi_query_thread_matches(q, leaves))
            continue;
        g.score = best_posts(run, x, &g, 0, chosen);
        size_t lead = 0;
        for (size_t k = 0; k < g.n; k++)
            if (chosen[k] && (!chosen[lead] || x->hits[g.first + k].weight >
                                                   x->hits[g.first + lead]
                                                       .weight))
                lead = k;
        g.lead = g.first + lead;
        if (g.score > top)
            top = g.score;
        posts += g.n;
        groups[n_groups++] = g;
    }
    for (size_t k = 0; k < n_groups; k++) {
        const fsi_xhit_t *lead = &x->hits[groups[k].lead];
        groups[k].score = thread_score(run, groups[k].score, top,
                                       groups[k].n - 1, lead->key,
                                       lead->key_len);
    }
    int sort = q->opts.sort;
    qsort(groups, n_groups, sizeof *groups,
          sort == FORUM_SORT_RELEVANCE ? compare_by_score
          : sort == FORUM_SORT_DATE    ? compare_by_date
                                       : compare_by_thread);

    /* The page: leads first, then the posts shown with them. */
    size_t first = run->offset < n_groups ? run->offset : n_groups;
    size_t n_page = n_groups - first < run->limit ? n_groups - first
                                                  : run->limit;
    size_t n_out = n_page;
    for (size_t k = first; k < first + n_page; k++) {
        best_posts(run, x, &groups[k], post_leaves(run, &x->hits[groups[k].lead]),
                   chosen);
        for (size_t i = 0; i < groups[k].n; i++)
            n_out += chosen[i] && groups[k].first + i != groups[k].lead;
    }
    page = calloc(n_out ? n_out : 1, sizeof *page);
    run->also_at = calloc(n_page + 1, sizeof *run->also_at);
    if (page == NULL || run->also_at == NULL)
        goto fail;
    size_t at = n_page;
    for (size_t k = 0; k < n_page; k++) {
        thread_group_t *g = &groups[first + k];
        best_posts(run, x, g, post_leaves(run, &x->hits[g->lead]), chosen);
        page[k] = x->hits[g->lead];
        page[k].weight = g->score;
        page[k].collapse_count = g->n - 1;
        x->hits[g->lead].key = x->hits[g->lead].data =
            x->hits[g->lead].meta = NULL;
        run->also_at[k] = at;
        for (size_t i = 0; i < g->n; i++) {
            fsi_xhit_t *h = &x->hits[g->first + i];
            if (!chosen[i] || g->first + i == g->lead)
                continue;
            page[at] = *h;
            page[at].weight = g->score;
            page[at].collapse_count = g->n - 1;
            h->key = h->data = h->meta = NULL;
            at++;
        }
    }
    run->also_at[n_page] = at;
    run->n_page = n_page;
    for (size_t i = 0; i < x->n_hits; i++)
        fsi_xhit_free(&x->hits[i]);
    free(x->hits);
    x->hits = page;
    x->n_hits = n_out;
    page = NULL;
    run->ranked_all = 1;
    run->ranked_posts = posts;
    run->ranked_threads = n_groups;
    goto out;
fail:
    failed = 1;
out:
    free(page);
    free(groups);
    free(chosen);
    return failed;
}

/* ---- Side searches: which titles and posts have which words -------- */

/* Their matches themselves are not kept: only their keys, in facts.
 * The shim hands each match to the fold, on a thread per shard when the
 * query has a term in enough posts (FSI_SIDE_PARALLEL_POSTINGS; each
 * shard then fills facts of its own, joined after), or lists them when
 * it cannot fold (remote shards). */
static int sink_put(fsi_side_sink_t *sink, const char *key, size_t len)
{
    if (sink->thread_only) {
        const char *nul = memchr(key, '\0', len);
        len = nul ? (size_t)(nul - key) : len;
    }
    return fsi_facts_put(sink->facts, key, len, sink->mask, sink->date);
}

static int collect_match(void *payload, fsi_xmatch_t *match)
{
    size_t key_len;
    const char *key = fsi_xmatch_key(match, &key_len);
    return key ? sink_put(payload, key, key_len) : -1;
}

static int collect_listed(void *payload, fsi_xresult_t *x)
{
    fsi_run_t *run = payload;
    for (size_t i = 0; i < x->n_hits; i++)
        if (sink_put(&run->side, x->hits[i].key, x->hits[i].key_len))
            return 1;
    keep_page(x, 0, 0);
    return 0;
}

static void free_side_parts(fsi_run_t *run)
{
    for (size_t k = 0; k < run->n_side_parts; k++)
        fsi_facts_free(&run->side_parts[k].own);
    free(run->side_parts);
    run->side_parts = NULL;
    run->n_side_parts = 0;
}

/* Shard k's sink, made for all n at the first ask of an attempt. */
static void *side_part(void *payload, unsigned k, unsigned n)
{
    fsi_run_t *run = payload;
    if (run->n_side_parts != n) {
        free_side_parts(run);
        run->side_parts = calloc(n, sizeof *run->side_parts);
        if (run->side_parts == NULL)
            return NULL;
        run->n_side_parts = n;
        for (size_t i = 0; i < n; i++) {
            run->side_parts[i] = run->side;
            run->side_parts[i].facts = &run->side_parts[i].own;
        }
    }
    return &run->side_parts[k];
}

static int side_join(void *payload)
{
    fsi_run_t *run = payload;
    for (size_t k = 0; k < run->n_side_parts; k++) {
        const fsi_facts_t *own = &run->side_parts[k].own;
        for (size_t i = 0; i < own->cap; i++) {
            const fsi_fact_t *f = &own->slots[i];
            if (f->key && fsi_facts_put(run->side.facts, f->key, f->key_len,
                                        f->mask, f->date) != 0)
                return -1;
        }
    }
    free_side_parts(run);
    return 0;
}

static void restart_pass(void *payload)
{
    fsi_run_t *run = payload;
    run->failed = 0;
    free_side_parts(run);
}

/* Runs query for run->pass: every match (verified by decider when it
 * is not exact) goes into facts, keyed by its ORDER value (or its
 * thread id: thread_only), with date; no document is read when it is
 * exact. Nothing is ranked or listed. */
static forum_status_t side_search(forum_query_t *q, fsi_run_t *run,
                                  const fsi_xquery_t *query,
                                  fsi_decider_fn decider, fsi_facts_t *facts,
                                  int thread_only, int64_t date)
{
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_ORDER);
    s.decider = decider;
    s.decider_payload = run;
    s.exact_counts = 1;
    s.payload = run;
    s.restart = restart_pass;
    s.arrange = collect_listed;
    run->side = (fsi_side_sink_t){facts, {NULL, 0, 0},
                                  UINT64_C(1) << run->pass, date,
                                  thread_only};
    s.fold = collect_match;
    s.fold_payload = &run->side;
    s.fold_part = side_part;
    s.fold_join = side_join;
    s.parallel_postings = FSI_SIDE_PARALLEL_POSTINGS;
    fsi_xresult_t x;
    forum_status_t status = fsi_xdb_search(q->db->x, query, &s, &x);
    fsi_xresult_free(&x);
    free_side_parts(run);
    if (status == FORUM_OK && run->failed)
        status = FORUM_ENOMEM;
    return status;
}

/* The title signal: for each word, the threads whose title holds it.
 * One search per word, on the title terms of articles: small, and
 * without reading documents when the word is one term. */
static forum_status_t read_titles(forum_query_t *q, fsi_run_t *run)
{
    forum_status_t status = FORUM_OK;
    for (size_t i = 0; status == FORUM_OK && i < q->n_title_xqueries &&
                       i < q->n_text_marks; i++) {
        if (q->title_xqueries[i] == NULL)
            continue;
        run->pass = i;
        status = side_search(q, run, q->title_xqueries[i],
                             q->title_exact[i] ? NULL
                                               : fsi_query_decide_title,
                             &run->titles, 1, 0);
    }
    return status;
}

/* Thread scope: for each part of the query, the posts (that pass the
 * post filters) that have it. */
static forum_status_t read_leaves(forum_query_t *q, fsi_run_t *run)
{
    forum_status_t status = FORUM_OK;
    for (size_t i = 0; status == FORUM_OK && i < q->n_leaves; i++) {
        run->pass = i;
        status = side_search(q, run, q->leaf_xqueries[i],
                             q->leaf_exact[i] ? NULL : fsi_query_decide_leaf,
                             &run->posts, 0, FSI_NO_DATE);
    }
    return status;
}

/* ---- Running ------------------------------------------------------- */

static fsi_xsearch_t search_for(const forum_query_t *q, fsi_run_t *run)
{
    const forum_search_options_t *o = &q->opts;
    int decided = !q->root.exact;
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_ORDER);
    s.collapse_slot = o->collapse_threads ? FSI_SLOT_THREAD : -1;
    s.primary_slot = o->sort == FORUM_SORT_DATE    ? FSI_SLOT_DATE
                     : o->sort == FORUM_SORT_FLOOR ? FSI_SLOT_ORDER
                                                   : -1;
    s.primary_descending = o->sort == FORUM_SORT_DATE; /* Newest first. */
    s.tie_slot = FSI_SLOT_ORDER;
    s.offset = o->offset;
    s.limit = o->limit;
    run->decide = (fsi_decide_t){.run = run};
    s.decider = decided ? fsi_query_decide : NULL;
    s.decider_payload = &run->decide;
    s.decider_part = decide_part;
    s.exact_counts = o->exact_counts;
    s.payload = run;
    s.restart = restart_run;
    if (o->collapse_threads && o->sort == FORUM_SORT_RELEVANCE) {
        s.arrange = arrange_threads; /* which collapses (see there) */
        s.fold = fold_match_cb;
        s.thread_slot = FSI_SLOT_NUMBERED_FLOOR;
        s.fold_payload = &run->best;
        s.fold_part = fold_part;
        s.fold_join = fold_join;
        s.collapse_slot = -1;
    }
    if (o->scope == FORUM_SCOPE_THREAD) {
        /* Every candidate post, by relevance (its key is then its
         * ORDER value), put together by thread in arrange. Which post
         * has which part comes from a search per part (read_leaves),
         * except when sorting by date, which needs each post's date:
         * then the decider reads every candidate. */
        s.collapse_slot = -1;
        s.primary_slot = -1;
        run->posts_by_decider = o->sort == FORUM_SORT_DATE;
        s.decider = run->posts_by_decider ? fsi_query_decide_thread : NULL;
        s.decider_payload = run;
        s.decider_part = NULL; /* It fills run->posts. */
        s.arrange = arrange_thread_scope;
        s.fold = NULL; /* It needs every post. */
    }
    s.meta_key = thread_record_key;
    /* Xapian counts posts, and threads only when collapsing and not
     * always exactly: count the distinct threads of every match, unless
     * every thread is ranked anyway. */
    s.count_slot = s.arrange ? -1 : FSI_SLOT_THREAD;
    return s;
}

/* Posts and threads matching: exact when every match was seen. */
static void take_counts(forum_results_t *res, const fsi_run_t *run,
                        const fsi_xsearch_t *s)
{
    const fsi_xresult_t *x = &res->x;
    if (run->ranked_all) {
        res->posts = run->ranked_posts;
        res->threads = run->ranked_threads;
    } else if (x->counted) {
        res->posts = x->counted_docs;
        res->threads = x->counted_values;
    } else if (s->collapse_slot >= 0) {
        res->posts = x->uncollapsed;
        res->threads = x->matches;
    } else {
        /* Estimates without collapsing: the threads are at most the
         * posts, and Xapian saw no more. */
        res->posts = x->uncollapsed;
        res->threads = x->uncollapsed;
    }
}

static void link_results(forum_query_t *q, forum_results_t *res)
{
    res->query = q;
    res->next = q->results;
    if (q->results)
        q->results->prev = res;
    q->results = res;
}

static void unlink_results(forum_results_t *res)
{
    if (res->prev)
        res->prev->next = res->next;
    else
        res->query->results = res->next;
    if (res->next)
        res->next->prev = res->prev;
}

static size_t max_also(const forum_results_t *res)
{
    size_t most = 0;
    for (size_t k = 0; k < res->n_page; k++)
        if (res->also_at[k + 1] - res->also_at[k] > most)
            most = res->also_at[k + 1] - res->also_at[k];
    return most;
}

static void results_free(forum_results_t *res)
{
    free(res->also_at);
    free(res->also);
    fsi_xresult_free(&res->x);
    fsi_buf_free(&res->strings);
    fsi_normalized_free(&res->norm);
    free(res);
}

void fsi_query_free_results(forum_query_t *query)
{
    while (query->results) {
        forum_results_t *res = query->results;
        unlink_results(res);
        results_free(res);
    }
}

static forum_status_t run_locked(forum_query_t *q, forum_results_t **out)
{
    forum_db_t *db = q->db;
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    forum_results_t *res = calloc(1, sizeof *res);
    if (res == NULL)
        return FORUM_ENOMEM;
    fsi_run_t run;
    memset(&run, 0, sizeof run);
    run.query = q;
    run.offset = q->opts.offset;
    run.limit = q->opts.limit;
    fsi_xsearch_t search = search_for(q, &run);
    /* Threads ranked by relevance weigh their titles: two searches,
     * each retried by the shim when a writer commits meanwhile; the
     * pair again when one still meets a commit, so a search with a
     * title signal is no likelier to fail than one without. */
    int titles = q->n_title_xqueries && search.arrange &&
                 q->opts.sort == FORUM_SORT_RELEVANCE;
    int leaves = q->opts.scope == FORUM_SCOPE_THREAD && !run.posts_by_decider;
    for (int attempt = 0; attempt < 3; attempt++) {
        fsi_xresult_free(&res->x);
        fsi_facts_free(&run.titles);
        fsi_facts_free(&run.posts);
        restart_run(&run);
        status = titles ? read_titles(q, &run) : FORUM_OK;
        if (status == FORUM_OK && leaves)
            status = read_leaves(q, &run);
        if (status == FORUM_OK && !run.failed)
            status = fsi_xdb_search(db->x, q->xquery, &search, &res->x);
        run.failed |= deciders_failed(&run);
        if (status != FORUM_EMODIFIED)
            break;
    }
    if (status != FORUM_OK)
        fsi_db_fail_shim(db, status);
    else if (run.failed)
        status = FORUM_ENOMEM;
    if (status == FORUM_OK)
        take_counts(res, &run, &search);
    fsi_facts_free(&run.titles);
    fsi_facts_free(&run.posts);
    thread_best_free(&run.best);
    free_parts(&run);
    res->also_at = run.also_at;
    res->n_page = run.also_at ? run.n_page : res->x.n_hits;
    if (status == FORUM_OK && run.also_at)
        res->also = calloc(max_also(res) + 1, sizeof *res->also);
    if (status == FORUM_OK && run.also_at && res->also == NULL)
        status = FORUM_ENOMEM;
    if (status != FORUM_OK) {
        results_free(res);
        return status;
    }
    res->offset = q->opts.offset;
    res->scored = q->opts.sort == FORUM_SORT_RELEVANCE;
    link_results(q, res);
    *out = res;
    return FORUM_OK;
}

forum_status_t forum_query_run(forum_query_t *query, forum_results_t **out)
{
    if (query == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    fsi_db_enter(query->db);
    return fsi_db_leave(query->db, run_locked(query, out));
}

size_t forum_results_missing_shards(const forum_results_t *results)
{
    /* Fixed by the run: no lock. */
    return results ? results->x.n_missing : 0;
}

const char *forum_results_missing_shard(const forum_results_t *results,
                                        size_t i)
{
    if (results == NULL || i >= results->x.n_missing)
        return NULL;
    return results->x.missing[i];
}

void forum_results_counts(const forum_results_t *results, uint64_t *posts_out,
                          uint64_t *threads_out)
{
    /* Fixed by the run: no lock. */
    if (posts_out)
        *posts_out = results ? results->posts : 0;
    if (threads_out)
        *threads_out = results ? results->threads : 0;
}

/* ---- Iterating ----------------------------------------------------- */

/* Copies s into the hit's string arena; returns its offset. */
static size_t keep_string(fsi_buf_t *arena, fsi_str_t s)
{
    size_t at = arena->len;
    fsi_buf_append(arena, s.s, s.len);
    fsi_buf_append_char(arena, '\0');
    return at;
}

/* Where a hit's strings are in the arena (which may move while it
 * grows, so pointers are made at the end). */
typedef struct hit_strings {
    size_t id, title, board, author, source, path, text;
    fsi_post_record_t rec;
    const fsi_xhit_t *x;
} hit_strings_t;

static forum_status_t keep_hit(forum_results_t *results, const fsi_xhit_t *x,
                               const fsi_thread_record_t *thread,
                               hit_strings_t *at)
{
    forum_db_t *db = results->query->db;
    if (fsi_post_record_decode(&at->rec, x->data, x->data_len) != FORUM_OK)
        return fsi_db_fail(db, FORUM_EIO, "%s: corrupt document %u",
                           db->path, x->docid);
    fsi_buf_t *arena = &results->strings;
    at->x = x;
    at->id = keep_string(arena, at->rec.thread_id);
    at->title = keep_string(arena, thread->title);
    at->board = keep_string(arena, thread->board);
    at->author = keep_string(arena, at->rec.author);
    at->source = keep_string(arena, thread->source);
    at->path = keep_string(arena, thread->path);
    at->text = keep_string(arena, at->rec.text);
    return arena->failed ? FORUM_ENOMEM : FORUM_OK;
}

static void point_hit(forum_hit_t *hit, const forum_results_t *results,
                      const hit_strings_t *at, const fsi_xhit_t *lead)
{
    const char *base = results->strings.data;
    const fsi_post_record_t *rec = &at->rec;
    hit->thread_id = base + at->id;
    hit->title = base + at->title;
    hit->board = base + at->board;
    hit->author = base + at->author;
    hit->source = base + at->source;
    hit->path = base + at->path;
    hit->text = base + at->text;
    hit->text_len = rec->text.len;
    hit->floor = rec->floor;
    hit->date = rec->date != FSI_NO_DATE ? rec->date : rec->thread_date;
    /* On the scale of Xapian's BM25Weight with its defaults, whatever
     * k1 the search weighs with (schema.h, FSI_WEIGHT_SCALE). */
    hit->score = results->scored ? lead->weight / FSI_WEIGHT_SCALE : 0.0;
    hit->thread_matches = lead->collapse_count + 1;
    hit->rank = (uint32_t)(results->offset + results->cursor);
    hit->also = NULL;
    hit->n_also = 0;
}

static forum_status_t next_locked(forum_results_t *results,
                                  const forum_hit_t **out)
{
    if (results->cursor >= results->n_page)
        return FORUM_ITER_DONE;
    const fsi_xhit_t *x = &results->x.hits[results->cursor];
    /* A thread record missing (a damaged database) leaves its fields
     * empty. */
    fsi_thread_record_t thread = {{"", 0}, {"", 0}, {"", 0}, {"", 0},
                                  FSI_NO_DATE};
    if (x->meta_len)
        fsi_thread_record_decode(&thread, x->meta, x->meta_len);

    results->strings.len = 0;
    hit_strings_t lead;
    forum_status_t status = keep_hit(results, x, &thread, &lead);
    size_t first_also = 0, n_also = 0;
    if (results->also_at) {
        first_also = results->also_at[results->cursor];
        n_also = results->also_at[results->cursor + 1] - first_also;
    }
    hit_strings_t *also = n_also ? calloc(n_also, sizeof *also) : NULL;
    if (n_also && also == NULL && status == FORUM_OK)
        status = FORUM_ENOMEM;
    for (size_t i = 0; status == FORUM_OK && i < n_also; i++)
        status = keep_hit(results, &results->x.hits[first_also + i], &thread,
                          &also[i]);
    if (status == FORUM_OK) {
        forum_hit_t *hit = &results->hit;
        point_hit(hit, results, &lead, x);
        for (size_t i = 0; i < n_also; i++)
            point_hit(&results->also[i], results, &also[i], x);
        hit->also = n_also ? results->also : NULL;
        hit->n_also = n_also;
        results->cursor++;
        *out = hit;
    }
    free(also);
    return status;
}

forum_status_t forum_results_next(forum_results_t *results,
                                  const forum_hit_t **out)
{
    if (results == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    forum_db_t *db = results->query->db;
    fsi_db_enter(db);
    return fsi_db_leave(db, next_locked(results, out));
}

void forum_results_destroy(forum_results_t *results)
{
    if (results == NULL)
        return;
    forum_db_t *db = results->query->db;
    fsi_db_lock(db);
    unlink_results(results);
    results_free(results);
    fsi_db_unlock(db);
}

/* ---- Snippets ------------------------------------------------------ */

/* Highlights text (borrowed) with the given patterns. */
static forum_status_t highlight_locked(forum_results_t *results,
                                       const char *text, size_t len,
                                       const fsi_pattern_t *marks,
                                       size_t n_marks,
                                       const forum_snippet_options_t *opts,
                                       forum_snippet_t **out)
{
    forum_db_t *db = results->query->db;
    if (opts->version != FORUM_SNIPPET_OPTIONS_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "snippet options: unknown "
                           "version %u (this library knows %u)",
                           opts->version, FORUM_SNIPPET_OPTIONS_VERSION);
    if (opts->max_chars == 0)
        return fsi_db_fail(db, FORUM_EINVAL, "snippet options: max_chars "
                           "is 0");
    forum_status_t status = fsi_normalize(&results->norm, text, len, 1);
    if (status != FORUM_OK)
        return status;
    return fsi_highlight(out, text, len, &results->norm, marks, n_marks,
                         opts);
}

forum_status_t forum_results_snippet(forum_results_t *results,
                                     const forum_hit_t *hit,
                                     const forum_snippet_options_t *opts,
                                     forum_snippet_t **out)
{
    forum_snippet_options_t defaults = FORUM_SNIPPET_OPTIONS_INIT;
    if (out)
        *out = NULL;
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    const forum_query_t *q = results->query;
    fsi_db_enter(q->db);
    return fsi_db_leave(q->db, highlight_locked(
        results, hit->text, hit->text_len, q->text_marks, q->n_text_marks,
        opts ? opts : &defaults, out));
}

forum_status_t forum_results_title(forum_results_t *results,
                                   const forum_hit_t *hit,
                                   forum_snippet_t **out)
{
    /* A title is shown whole, however long the snippet options. */
    forum_snippet_options_t whole = {FORUM_SNIPPET_OPTIONS_VERSION,
                                     (size_t)-1, 1};
    if (out)
        *out = NULL;
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    const forum_query_t *q = results->query;
    fsi_db_enter(q->db);
    return fsi_db_leave(q->db, highlight_locked(
        results, hit->title, strlen(hit->title), q->title_marks,
        q->n_title_marks, &whole, out));
}
