/* forumsearch — private: the text normalizer shared by index and query.
 *
 * NFKC + case folding (ICU's NFKC_Casefold, one pass), then
 * Traditional->Simplified folding from a generated table, then runs of
 * white space collapsed to one U+0020. Invalid UTF-8 becomes U+FFFD.
 * Optionally keeps, for every output byte, the byte range of the
 * original text it came from, so highlights land on the text as written.
 */
#ifndef FORUMSEARCH_NORMALIZE_H
#define FORUMSEARCH_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "forumsearch.h"

typedef struct fsi_normalized {
    char *text;          /* NUL-terminated, owned. */
    size_t len;
    /* With offsets: for output byte i, the original range
     * [src_start[i], src_end[i]). Arrays of len + 1 entries; the last
     * entry maps the end of the text. NULL without offsets. */
    uint32_t *src_start;
    uint32_t *src_end;
    size_t cap;          /* Of text. */
    size_t offsets_cap;  /* Of src_start and src_end (may lag cap). */
} fsi_normalized_t;

#define FSI_NORMALIZED_INIT {NULL, 0, NULL, NULL, 0, 0}

/* Normalizes text into out (reusing its buffers; calls with and without
 * offsets may be mixed). with_offsets selects whether src_start/src_end
 * are filled. Texts over 4 GiB are refused
 * with FORUM_EINVAL since offsets are 32-bit. */
forum_status_t fsi_normalize(fsi_normalized_t *out, const char *text,
                             size_t len, int with_offsets);
void fsi_normalized_free(fsi_normalized_t *n);

/* True when normalization leaves c as it is whatever surrounds it (a
 * BMP character that is NFKC_Casefold-inert, not white space, not
 * Traditional): text made of such characters is its own normal form. */
int fsi_passes_through(uint32_t c);

/* True when normalization never joins c to what precedes it (a
 * pass-through character, or one with an NFKC_Casefold boundary before
 * it, like full-width punctuation): text up to c normalizes the same
 * whatever c and what follows are. */
int fsi_bounds_before(uint32_t c);

/* Simplified form of one code point (itself when not Traditional). */
uint32_t fsi_t2s(uint32_t c);

#endif
