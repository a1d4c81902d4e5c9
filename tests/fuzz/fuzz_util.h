/* Helpers shared by the libFuzzer targets: a strict UTF-8 validator and
 * an invariant check that aborts (so libFuzzer saves the input). */
#ifndef FORUMSEARCH_FUZZ_UTIL_H
#define FORUMSEARCH_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts with a message naming the broken invariant. */
#define FUZZ_CHECK(cond)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__,   \
                    __LINE__, #cond);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Length of the well-formed UTF-8 sequence at s[pos] (RFC 3629: no
 * overlong forms, no surrogates, at most U+10FFFF), 0 if ill-formed. */
static inline size_t fuzz_utf8_seq(const unsigned char *s, size_t len,
                                   size_t pos)
{
    unsigned char c = s[pos];
    size_t avail = len - pos;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (s[pos + 1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (s[pos + 1] & 0xC0) != 0x80 ||
            (s[pos + 2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[pos + 1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[pos + 1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (s[pos + 1] & 0xC0) != 0x80 ||
            (s[pos + 2] & 0xC0) != 0x80 || (s[pos + 3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[pos + 1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && s[pos + 1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* True when s[0, len) is well-formed UTF-8. */
static inline int fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t pos = 0; pos < len;) {
        size_t n = fuzz_utf8_seq(u, len, pos);
        if (n == 0)
            return 0;
        pos += n;
    }
    return 1;
}

/* True when pos is the start of a character (or the end) of valid
 * UTF-8 text s[0, len). */
static inline int fuzz_utf8_boundary(const char *s, size_t len, size_t pos)
{
    return pos == len || (pos < len && ((unsigned char)s[pos] & 0xC0) != 0x80);
}

/* True when needle[0, n) occurs in hay[0, len) (memmem is not C11). */
static inline int fuzz_contains(const char *hay, size_t len,
                                const char *needle, size_t n)
{
    if (n > len)
        return 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

#endif
