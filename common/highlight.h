/* forumsearch — private: snippets with every match of a query marked. */
#ifndef FORUMSEARCH_HIGHLIGHT_H
#define FORUMSEARCH_HIGHLIGHT_H

#include <stddef.h>

#include "forumsearch.h"
#include "normalize.h"
#include "pattern.h"

/* Builds a snippet of text (whose normalized form with offsets is norm)
 * marking every match of the patterns. */
forum_status_t fsi_highlight(forum_snippet_t **out, const char *text,
                             size_t len, const fsi_normalized_t *norm,
                             const fsi_pattern_t *patterns, size_t n_patterns,
                             const forum_snippet_options_t *opts);

#endif
