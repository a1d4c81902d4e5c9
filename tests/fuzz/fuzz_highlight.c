/* libFuzzer target: the highlighter. The input is split at its first
 * NUL byte into (post text, query); each space-separated word of the
 * query becomes a pattern (fsi_pattern_init); the text is normalized
 * with offsets and fsi_highlight runs with a small and a large
 * max_chars. Checks (forumsearch.h, search.h):
 *   - every mark lies within the snippet, marks are non-empty,
 *     ascending and disjoint, and on character boundaries;
 *   - the snippet is NUL-terminated, and valid UTF-8 when the text is;
 *   - each mark, normalized, contains one of the patterns;
 *   - with a large max_chars (the whole post fits) the snippet is the
 *     post with outer white space trimmed (but for a mark that starts
 *     or ends in it), line breaks and tabs as spaces and no ellipsis,
 *     and every match of every pattern is marked. */
#include <stdint.h>
#include <string.h>

#include "normalize.h"
#include "search.h"
#include "fuzz_util.h"

#define MAX_PATTERNS 70 /* More than the highlighter's 64-bit pattern set. */
#define ELLIPSIS "\xE2\x80\xA6"

static int is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static void check_snippet(const forum_snippet_t *snip, int valid,
                          const fsi_pattern_t *pats, size_t n_pats)
{
    FUZZ_CHECK(snip != NULL && snip->text != NULL);
    FUZZ_CHECK(snip->text[snip->len] == '\0');
    if (valid)
        FUZZ_CHECK(fuzz_utf8_valid(snip->text, snip->len));
    FUZZ_CHECK(snip->n_marks == 0 || snip->marks != NULL);
    if (n_pats == 0)
        FUZZ_CHECK(snip->n_marks == 0);
    size_t prev_end = 0;
    for (size_t i = 0; i < snip->n_marks; i++) {
        const forum_span_t *m = &snip->marks[i];
        FUZZ_CHECK(m->start < m->end);
        FUZZ_CHECK(m->end <= snip->len);
        FUZZ_CHECK(i == 0 || m->start >= prev_end);
        prev_end = m->end;
        if (valid) {
            FUZZ_CHECK(fuzz_utf8_boundary(snip->text, snip->len, m->start));
            FUZZ_CHECK(fuzz_utf8_boundary(snip->text, snip->len, m->end));
        }
        /* What is marked is a match: its normalized form holds one of
         * the patterns. */
        fsi_normalized_t n = FSI_NORMALIZED_INIT;
        FUZZ_CHECK(fsi_normalize(&n, snip->text + m->start,
                                 m->end - m->start, 0) == FORUM_OK);
        int found = 0;
        for (size_t p = 0; p < n_pats && !found; p++)
            found = pats[p].len &&
                    fuzz_contains(n.text, n.len, pats[p].text, pats[p].len);
        FUZZ_CHECK(found);
        fsi_normalized_free(&n);
    }
}

/* Whether the snippet, minus `lead` and `trail` bytes of ellipsis, is
 * text[*a2, *b2) with line breaks and tabs as spaces, where [*a2, *b2)
 * is the post [a, b) without its outer white space, grown back by the
 * white space the snippet kept (the spaces it starts and ends with). */
static int body_is_post(const forum_snippet_t *snip, const char *text,
                        size_t len, size_t a, size_t b, size_t lead,
                        size_t trail, size_t *a2, size_t *b2)
{
    if (snip->len < lead + trail)
        return 0;
    if ((lead && memcmp(snip->text, ELLIPSIS, 3) != 0) ||
        (trail && memcmp(snip->text + snip->len - 3, ELLIPSIS, 3) != 0))
        return 0;
    const char *body = snip->text + lead;
    size_t blen = snip->len - lead - trail;
    size_t k = 0, k2 = 0;
    while (k < blen && k < a && body[k] == ' ')
        k++;
    while (k2 < blen - k && b + k2 < len && body[blen - 1 - k2] == ' ')
        k2++;
    *a2 = a - k;
    *b2 = b + k2;
    if (*b2 - *a2 != blen)
        return 0;
    for (size_t i = *a2; i < *b2; i++) {
        char want = is_ws(text[i]) ? ' ' : text[i];
        if (body[i - *a2] != want)
            return 0;
    }
    return 1;
}

/* The whole post fits: the snippet is the post itself, outer white
 * space trimmed unless a mark starts or ends in it, line breaks and tabs
 * as spaces; every match is marked; nothing is cut, so no ellipsis. */
static void check_whole(const forum_snippet_t *snip, const char *text,
                        size_t len, const fsi_normalized_t *norm,
                        const fsi_pattern_t *pats, size_t n_pats)
{
    size_t a = 0, b = len;
    while (a < b && is_ws(text[a]))
        a++;
    while (b > a && is_ws(text[b - 1]))
        b--;
    /* Which ellipses the snippet has; the wrong ellipsis is reported
     * last, so that a wrong text or mark is told apart from it. */
    size_t lead = 0, trail = 0, a2 = a, b2 = b;
    int found = 0;
    for (int e = 0; e < 4 && !found; e++) {
        lead = e & 1 ? 3 : 0;
        trail = e & 2 ? 3 : 0;
        found = body_is_post(snip, text, len, a, b, lead, trail, &a2, &b2);
    }
    FUZZ_CHECK(found);
    /* White space is kept only for a mark that starts or ends in it. */
    if (a2 < a) {
        int kept = 0;
        for (size_t i = 0; i < snip->n_marks && !kept; i++)
            kept = snip->marks[i].start == lead;
        FUZZ_CHECK(kept);
    }
    if (b2 > b) {
        int kept = 0;
        for (size_t i = 0; i < snip->n_marks && !kept; i++)
            kept = snip->marks[i].end == snip->len - trail;
        FUZZ_CHECK(kept);
    }
    /* Every match is marked, as far as it lies within the snippet. */
    for (size_t p = 0; p < n_pats; p++) {
        const fsi_pattern_t *pat = &pats[p];
        for (size_t at = fsi_pattern_find(pat, norm->text, norm->len, 0);
             at != (size_t)-1;) {
            size_t s = norm->src_start[at];
            size_t e = norm->src_end[at + pat->len - 1];
            if (s < a2)
                s = a2;
            if (e > b2)
                e = b2;
            if (s < e) {
                int covered = 0;
                for (size_t i = 0; i < snip->n_marks && !covered; i++)
                    covered = snip->marks[i].start <= lead + s - a2 &&
                              lead + e - a2 <= snip->marks[i].end;
                FUZZ_CHECK(covered);
            }
            size_t step = 1;
            while (at + step < norm->len &&
                   ((unsigned char)norm->text[at + step] & 0xC0) == 0x80)
                step++;
            at = fsi_pattern_find(pat, norm->text, norm->len, at + step);
        }
    }
    /* Nothing was cut: no ellipsis. */
    FUZZ_CHECK(lead == 0);
    FUZZ_CHECK(trail == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t len = nul ? (size_t)(nul - text) : size;
    const char *query = nul ? nul + 1 : text + size;
    size_t query_len = nul ? size - len - 1 : 0;

    fsi_pattern_t pats[MAX_PATTERNS];
    size_t n_pats = 0;
    for (size_t pos = 0; pos < query_len && n_pats < MAX_PATTERNS;) {
        while (pos < query_len && query[pos] == ' ')
            pos++;
        if (pos == query_len)
            break;
        size_t end = pos;
        while (end < query_len && query[end] != ' ')
            end++;
        FUZZ_CHECK(fsi_pattern_init(&pats[n_pats], query + pos, end - pos) ==
                   FORUM_OK);
        const fsi_pattern_t *pat = &pats[n_pats];
        FUZZ_CHECK(pat->text != NULL && pat->text[pat->len] == '\0');
        FUZZ_CHECK(pat->len == 0 || (pat->text[0] != ' ' &&
                                     pat->text[pat->len - 1] != ' '));
        n_pats++;
        pos = end;
    }

    fsi_normalized_t norm = FSI_NORMALIZED_INIT;
    FUZZ_CHECK(fsi_normalize(&norm, text, len, 1) == FORUM_OK);
    int valid = fuzz_utf8_valid(text, len);

    size_t small = 1 + size % 40;
    size_t fragments = size % 4; /* 0 means 1. */
    forum_snippet_options_t opts[2] = {
        {FORUM_SNIPPET_OPTIONS_VERSION, small, fragments},
        {FORUM_SNIPPET_OPTIONS_VERSION, len + 1, 3},
    };
    for (int i = 0; i < 2; i++) {
        forum_snippet_t *snip = NULL;
        FUZZ_CHECK(fsi_highlight(&snip, text, len, &norm, pats, n_pats,
                                 &opts[i]) == FORUM_OK);
        check_snippet(snip, valid, pats, n_pats);
        if (i == 1)
            check_whole(snip, text, len, &norm, pats, n_pats);
        forum_snippet_destroy(snip);
    }

    fsi_normalized_free(&norm);
    for (size_t i = 0; i < n_pats; i++)
        free(pats[i].text);
    return 0;
}
