/* forumsearch — private: ranking on the client, for searches over
 * remote shards that Xapian's remote backend cannot finish itself (a
 * MatchDecider or a KeyMaker is refused there; see xapian_shim.cc,
 * "Remote shards"). The shim lists the verified candidates; this makes
 * of them what the local path's Enquire would: the same order, the same
 * thread collapsing and counts, the same page.
 */
#ifndef FORUMSEARCH_REMOTE_H
#define FORUMSEARCH_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "xapian_shim.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fsi_rank_by {
    FSI_RANK_RELEVANCE,  /* Weight, best first. */
    FSI_RANK_VALUE_ASC,  /* The primary value, ascending. */
    FSI_RANK_VALUE_DESC  /* Descending (an empty value last). */
};

/* One verified candidate. Its strings are borrowed (the shim's arena). */
typedef struct fsi_xcand {
    uint32_t docid;
    double weight;
    const char *tie;        /* The tie slot's value: thread id, NUL, ... */
    size_t tie_len;
    const char *primary;    /* The primary slot's value (or tie). */
    size_t primary_len;
    /* Scratch for fsi_remote_rank(). */
    size_t rank;
    uint64_t others;        /* Other candidates of its thread. */
    int collapsed;          /* Not its thread's first. */
} fsi_xcand_t;

/* Orders the candidates (ties by the tie value ascending, then docid),
 * collapses them by thread (the tie value up to its first NUL) when
 * opts->collapse_slot >= 0, and fills out: exact counts, and the hits:
 * every collapsed hit with its key (the tie value) when opts->arrange
 * will choose the page, else the page [offset, offset + limit). The
 * hits get no data; the shim reads the page after. Returns nonzero when
 * out of memory (out is then left for fsi_xresult_free()). */
int fsi_remote_rank(fsi_xresult_t *out, fsi_xcand_t *cands, size_t n,
                    enum fsi_rank_by by, const fsi_xsearch_t *opts);

#ifdef __cplusplus
}
#endif

#endif
