/* forumsearch — ranking on the client for searches over remote shards
 * (see remote.h). The order is exactly the local path's: Xapian's
 * relevance-then-value order (weight descending, then the tie value
 * ascending) or MultiValueKeyMaker's (the primary value ascending or
 * descending, then the tie value ascending); docids last, which only a
 * damaged database could need.
 */
#include "remote.h"

#include <stdlib.h>
#include <string.h>

/* Byte order, a prefix first: Xapian's order of values. */
static int compare_bytes(const char *a, size_t a_len, const char *b,
                         size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return (a_len > b_len) - (a_len < b_len);
}

static int compare_ties(const fsi_xcand_t *x, const fsi_xcand_t *y)
{
    int c = compare_bytes(x->tie, x->tie_len, y->tie, y->tie_len);
    if (c != 0)
        return c;
    return (x->docid > y->docid) - (x->docid < y->docid);
}

static int by_relevance(const void *a, const void *b)
{
    const fsi_xcand_t *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    return compare_ties(x, y);
}

static int by_value_asc(const void *a, const void *b)
{
    const fsi_xcand_t *x = a, *y = b;
    int c = compare_bytes(x->primary, x->primary_len, y->primary,
                          y->primary_len);
    return c != 0 ? c : compare_ties(x, y);
}

/* Descending byte order puts an empty value (no date) last, as
 * MultiValueKeyMaker's reversed encoding does. */
static int by_value_desc(const void *a, const void *b)
{
    const fsi_xcand_t *x = a, *y = b;
    int c = compare_bytes(y->primary, y->primary_len, x->primary,
                          x->primary_len);
    return c != 0 ? c : compare_ties(x, y);
}

static size_t thread_len(const fsi_xcand_t *c)
{
    const char *nul = c->tie_len ? memchr(c->tie, '\0', c->tie_len) : NULL;
    return nul ? (size_t)(nul - c->tie) : c->tie_len;
}

/* Groups by thread, then by rank: a thread's first is its best. */
static int by_thread(const void *a, const void *b)
{
    const fsi_xcand_t *x = *(const fsi_xcand_t *const *)a;
    const fsi_xcand_t *y = *(const fsi_xcand_t *const *)b;
    int c = compare_bytes(x->tie, thread_len(x), y->tie, thread_len(y));
    if (c != 0)
        return c;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Marks every candidate but its thread's first as collapsed, gives the
 * first the number of others; returns the number of threads, or
 * (uint64_t)-1 when out of memory. */
static uint64_t group_threads(fsi_xcand_t *cands, size_t n)
{
    if (n == 0)
        return 0;
    fsi_xcand_t **order = malloc(n * sizeof *order);
    if (order == NULL)
        return (uint64_t)-1;
    for (size_t i = 0; i < n; i++)
        order[i] = &cands[i];
    qsort(order, n, sizeof *order, by_thread);
    uint64_t threads = 0;
    size_t first = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && compare_bytes(order[i]->tie, thread_len(order[i]),
                                   order[first]->tie,
                                   thread_len(order[first])) == 0) {
            order[i]->collapsed = 1;
            continue;
        }
        order[first]->others = i - first - 1;
        threads++;
        first = i;
    }
    free(order);
    return threads;
}

int fsi_remote_rank(fsi_xresult_t *out, fsi_xcand_t *cands, size_t n,
                    enum fsi_rank_by by, const fsi_xsearch_t *opts)
{
    if (n)
        qsort(cands, n, sizeof *cands,
              by == FSI_RANK_RELEVANCE  ? by_relevance
              : by == FSI_RANK_VALUE_ASC ? by_value_asc
                                         : by_value_desc);
    for (size_t i = 0; i < n; i++) {
        cands[i].rank = i;
        cands[i].others = 0;
        cands[i].collapsed = 0;
    }
    uint64_t threads = group_threads(cands, n);
    if (threads == (uint64_t)-1)
        return -1;
    int collapsing = opts->collapse_slot >= 0;
    uint64_t shown = collapsing ? threads : n;

    /* Every candidate was verified: the counts are exact. */
    out->matches = shown;
    out->uncollapsed = n;
    out->counts_final = 1;
    out->counted = opts->count_slot >= 0;
    out->counted_docs = n;
    out->counted_values = threads;

    /* The hits: all of them for arrange(), else the page. */
    size_t first = opts->arrange ? 0 : opts->offset;
    size_t cap = opts->arrange ? (size_t)shown
                 : first >= shown ? 0
                 : shown - first < opts->limit ? (size_t)(shown - first)
                                               : opts->limit;
    out->hits = calloc(cap ? cap : 1, sizeof *out->hits);
    if (out->hits == NULL)
        return -1;
    size_t seen = 0;
    for (size_t i = 0; i < n && out->n_hits < cap; i++) {
        const fsi_xcand_t *c = &cands[i];
        if (collapsing && c->collapsed)
            continue;
        if (seen++ < first)
            continue;
        fsi_xhit_t *hit = &out->hits[out->n_hits++];
        hit->docid = c->docid;
        hit->weight = c->weight;
        hit->collapse_count = collapsing ? c->others : 0;
        if (opts->arrange) {
            hit->key = malloc(c->tie_len ? c->tie_len : 1);
            if (hit->key == NULL)
                return -1;
            if (c->tie_len)
                memcpy(hit->key, c->tie, c->tie_len);
            hit->key_len = c->tie_len;
        }
    }
    return 0;
}
