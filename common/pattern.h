/* forumsearch — private: the substring patterns a query looks for.
 *
 * Used by search.c (to verify candidates against their stored text) and
 * by highlight.c (to mark matches in snippets); it depends on neither.
 */
#ifndef FORUMSEARCH_PATTERN_H
#define FORUMSEARCH_PATTERN_H

#include <stddef.h>

#include "forumsearch.h"

/* A normalized string a post must contain. word_start / word_end: the
 * pattern begins / ends with a Latin letter or digit, so the match must
 * not continue a word on that side. */
typedef struct fsi_pattern {
    char *text;
    size_t len;
    int word_start, word_end;
    /* Every character is its own normal form whatever follows it, or
     * ASCII: then a raw occurrence that is not followed by a combining
     * character (and passes the word-edge checks) proves the normalized
     * text has the pattern too. */
    int raw_comparable;
} fsi_pattern_t;

/* The pattern of a query word or phrase: normalized, outer spaces
 * trimmed. pat->text is malloc'd (free it). */
forum_status_t fsi_pattern_init(fsi_pattern_t *pat, const char *text,
                                size_t len);

/* Finds the next match of pat in the normalized hay at or after *from;
 * returns its start, or (size_t)-1. */
size_t fsi_pattern_find(const fsi_pattern_t *pat, const char *hay,
                        size_t hay_len, size_t from);

/* True when text as written (not normalized) holds pat in a way
 * normalization cannot have changed: nothing after the occurrence
 * joins its last character, and its word edges hold on raw neighbours
 * that normalization leaves as they are. Meaningful only for raw_comparable patterns; false says
 * nothing (normalize and use fsi_pattern_find). */
int fsi_pattern_in_raw(const fsi_pattern_t *pat, const char *text,
                       size_t len);

#endif
