/* forumsearch — private: what callers outside search.c used to find
 * here. The pattern finder now lives in pattern.h and the highlighter in
 * highlight.h, so search.c and highlight.c no longer depend on each
 * other; this header only gathers the two for older includers
 * (tests/test_highlight.c). New code includes what it uses. */
#ifndef FORUMSEARCH_SEARCH_H
#define FORUMSEARCH_SEARCH_H

#include "highlight.h"
#include "pattern.h"

#endif
