/* forumsearch — private: the analyzer, in normalized-text space.
 *
 * fsi_analyze() normalizes a text and reports its tokens as slices of the
 * normalized text. The indexer and the query parser both use it, which is
 * what keeps index and query terms in step; forum_tokenize() (the public
 * API) is a thin wrapper that maps offsets back to the original text.
 */
#ifndef FORUMSEARCH_ANALYZE_H
#define FORUMSEARCH_ANALYZE_H

#include "forumsearch.h"
#include "normalize.h"

/* Latin words longer than this are not indexed (Xapian terms are limited
 * to 245 bytes, and such "words" are URLs or base64, not language). */
#define FSI_MAX_WORD_BYTES 64

/* Receives a token as the normalized slice [start, end) of norm->text. */
typedef int (*fsi_token_fn)(void *payload, forum_token_kind_t kind,
                            const fsi_normalized_t *norm, size_t start,
                            size_t end);

/* The normalized form of the last analyzed text: borrowed from tok,
 * valid until the next call. */
const fsi_normalized_t *fsi_tokenizer_normalized(const forum_tokenizer_t *tok);

/* Normalizes text (keeping offsets when with_offsets) and reports its
 * tokens. flags as for forum_tokenize(). Returns FORUM_OK, an error
 * status, or the callback's nonzero value. */
int fsi_analyze(forum_tokenizer_t *tok, const char *text, size_t len,
                int flags, int with_offsets, fsi_token_fn cb, void *payload);

/* Reports the tokens of an already normalized text (no offsets). */
int fsi_analyze_normalized(forum_tokenizer_t *tok, int flags, fsi_token_fn cb,
                           void *payload);

#endif
