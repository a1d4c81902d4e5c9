/* forumsearch — private: what the highlighter needs from a query. */
#ifndef FORUMSEARCH_SEARCH_H
#define FORUMSEARCH_SEARCH_H

#include <stddef.h>

#include "forumsearch.h"
#include "normalize.h"

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

/* Finds the next match of pat in hay at or after *from; returns its
 * start, or (size_t)-1. */
size_t fsi_pattern_find(const fsi_pattern_t *pat, const char *hay,
                        size_t hay_len, size_t from);

/* Builds a snippet of text (whose normalized form with offsets is norm)
 * marking every match of the patterns. */
forum_status_t fsi_highlight(forum_snippet_t **out, const char *text,
                             size_t len, const fsi_normalized_t *norm,
                             const fsi_pattern_t *patterns, size_t n_patterns,
                             const forum_snippet_options_t *opts);

#endif
