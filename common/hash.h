/* forumsearch — private: the one string hash, 64-bit FNV-1a.
 *
 * Its values are stored: key suffixes (docdata.h fsi_make_key) and the
 * root hash of file records (schema.h) are on disk, so it must never
 * change. Inline: it is a loop of two lines. */
#ifndef FORUMSEARCH_HASH_H
#define FORUMSEARCH_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t fsi_hash64(const char *s, size_t len)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

#endif
