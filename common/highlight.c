/* forumsearch — snippets: choose the best window(s) of a post and mark
 * every match in the text as written.
 *
 * Matches are found in the normalized text (so a Simplified query finds
 * Traditional characters and full-width letters) and mapped back through
 * the normalizer's offset map, so a mark always covers whole original
 * characters. Windows are cut on grapheme boundaries (ICU character
 * breaks: never inside an emoji sequence or before a combining mark) and
 * not inside a Latin word when that can be helped.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "buf.h"
#include "highlight.h"
#include "utf8.h"

#define ELLIPSIS "\xE2\x80\xA6" /* … */
#define WORD_SNAP_CHARS 12      /* How far to move a cut to a word edge. */
#define MAX_ANCHORS 256         /* Candidate windows tried per fragment. */

typedef struct snippet_impl {
    forum_snippet_t pub;        /* First: the public pointer is this. */
    char *text;
    forum_span_t *marks;
} snippet_impl_t;

typedef struct mark {
    size_t start, end;
    uint64_t patterns;          /* Bit i: pattern i matched here. */
} mark_t;

typedef struct window {
    size_t start, end;
} window_t;

static int compare_marks(const void *a, const void *b)
{
    const mark_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Every match of every pattern, in original offsets, sorted and merged
 * where they overlap. */
static forum_status_t find_marks(const fsi_normalized_t *norm,
                                 const fsi_pattern_t *patterns, size_t n,
                                 mark_t **out, size_t *n_out)
{
    mark_t *marks = NULL;
    size_t count = 0, cap = 0;
    for (size_t p = 0; p < n; p++) {
        const fsi_pattern_t *pat = &patterns[p];
        for (size_t at = fsi_pattern_find(pat, norm->text, norm->len, 0);
             at != (size_t)-1;
             at = fsi_pattern_find(pat, norm->text, norm->len,
                                   at + fsi_utf8_seq_len(norm->text,
                                                         norm->len, at))) {
            if (count == cap) {
                cap = cap ? cap * 2 : 16;
                mark_t *grown = realloc(marks, cap * sizeof *grown);
                if (grown == NULL) {
                    free(marks);
                    return FORUM_ENOMEM;
                }
                marks = grown;
            }
            marks[count].start = norm->src_start[at];
            marks[count].end = norm->src_end[at + pat->len - 1];
            marks[count].patterns = p < 64 ? (uint64_t)1 << p : 0;
            count++;
        }
    }
    if (count)
        qsort(marks, count, sizeof *marks, compare_marks);
    size_t merged = 0;
    for (size_t i = 0; i < count; i++) {
        if (merged && marks[i].start <= marks[merged - 1].end) {
            mark_t *last = &marks[merged - 1];
            if (marks[i].end > last->end)
                last->end = marks[i].end;
            last->patterns |= marks[i].patterns;
        } else {
            marks[merged++] = marks[i];
        }
    }
    *out = marks;
    *n_out = merged;
    return FORUM_OK;
}

/* Moves n characters forward (or back when n < 0) from pos. */
static size_t step_chars(const char *text, size_t len, size_t pos, long n)
{
    for (; n > 0 && pos < len; n--)
        pos += fsi_utf8_seq_len(text, len, pos);
    for (; n < 0 && pos > 0; n++) {
        pos--;
        while (pos > 0 && ((unsigned char)text[pos] & 0xC0) == 0x80)
            pos--;
    }
    return pos;
}

static size_t count_chars(const char *text, size_t start, size_t end)
{
    size_t n = 0;
    for (size_t pos = start; pos < end; pos++)
        if (((unsigned char)text[pos] & 0xC0) != 0x80)
            n++;
    return n;
}

static int word_char_before(const char *text, size_t pos)
{
    if (pos == 0)
        return 0;
    size_t p = step_chars(text, pos, pos, -1);
    return fsi_is_word_char(fsi_utf8_next(text, pos, &p));
}

static int word_char_at(const char *text, size_t len, size_t pos)
{
    return pos < len && fsi_is_word_char(fsi_utf8_next(text, len, &pos));
}

/* Snaps a cut to a grapheme boundary, then out of a Latin word when a
 * word edge is near. forward: the cut ends a window. */
static size_t snap_cut(UBreakIterator *graphemes, const char *text,
                       size_t len, size_t pos, int forward)
{
    if (pos == 0 || pos >= len)
        return pos;
    if (graphemes && !ubrk_isBoundary(graphemes, (int32_t)pos)) {
        int32_t b = forward ? ubrk_following(graphemes, (int32_t)pos)
                            : ubrk_preceding(graphemes, (int32_t)pos);
        if (b != UBRK_DONE)
            pos = (size_t)b;
    }
    if (word_char_before(text, pos) && word_char_at(text, len, pos)) {
        size_t p = pos;
        for (int i = 0; i < WORD_SNAP_CHARS; i++) {
            p = step_chars(text, len, p, forward ? 1 : -1);
            if (forward ? !word_char_at(text, len, p)
                        : !word_char_before(text, p))
                return p;
            if (p == 0 || p >= len)
                return p;
        }
    }
    return pos;
}

static int popcount64(uint64_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* The window of `width` characters around mark m. */
static window_t window_at(const char *text, size_t len, const mark_t *m,
                          size_t width)
{
    size_t mark_chars = count_chars(text, m->start, m->end);
    long before = mark_chars < width ? (long)(width - mark_chars) / 4 : 0;
    window_t w;
    w.start = step_chars(text, len, m->start, -before);
    w.end = step_chars(text, len, w.start, (long)width);
    if (w.end < m->end)
        w.end = m->end;
    /* Near the end of the post, slide back to use the whole width. */
    if (w.end == len)
        w.start = step_chars(text, len, len, -(long)width);
    if (w.start > m->start)
        w.start = m->start;
    return w;
}

/* Greedy: the window with the most not-yet-shown patterns, then the
 * most uncovered marks. */
static window_t best_window(const char *text, size_t len, const mark_t *marks,
                            size_t n, const int *covered, uint64_t shown,
                            size_t width, int *found)
{
    window_t best = {0, 0};
    long best_score = -1;
    /* A post can hold tens of thousands of matches: try at most
     * MAX_ANCHORS of them, evenly spread, as window anchors. */
    size_t stride = n > MAX_ANCHORS ? n / MAX_ANCHORS : 1;
    for (size_t i = 0; i < n; i += stride) {
        if (covered[i])
            continue;
        window_t w = window_at(text, len, &marks[i], width);
        uint64_t seen = 0;
        long count = 0;
        for (size_t j = i; j < n && marks[j].start < w.end; j++) {
            if (marks[j].end <= w.end && !covered[j]) {
                seen |= marks[j].patterns;
                count++;
            }
        }
        long score = popcount64(seen & ~shown) * 1000L + count;
        if (score > best_score) {
            best_score = score;
            best = w;
        }
    }
    *found = best_score >= 0;
    return best;
}

static int compare_windows(const void *a, const void *b)
{
    const window_t *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static size_t choose_windows(const char *text, size_t len,
                             const mark_t *marks, size_t n,
                             const forum_snippet_options_t *opts,
                             window_t *out)
{
    size_t total = count_chars(text, 0, len);
    if (total <= opts->max_chars) {
        out[0] = (window_t){0, len};
        return 1;
    }
    if (n == 0) {
        out[0] = (window_t){0, step_chars(text, len, 0,
                                          (long)opts->max_chars)};
        return 1;
    }
    int *covered = calloc(n, sizeof *covered);
    if (covered == NULL)
        return 0;
    size_t max_fragments = opts->max_fragments ? opts->max_fragments : 1;
    size_t n_windows = 0;
    for (size_t k = 1; k <= max_fragments; k++) {
        /* Try k windows sharing the budget; stop when all is shown. */
        memset(covered, 0, n * sizeof *covered);
        n_windows = 0;
        uint64_t shown = 0;
        size_t width = opts->max_chars / k;
        if (width < 8)
            width = 8;
        for (size_t f = 0; f < k; f++) {
            int found;
            window_t w = best_window(text, len, marks, n, covered, shown,
                                     width, &found);
            if (!found)
                break;
            for (size_t j = 0; j < n; j++)
                if (marks[j].start >= w.start && marks[j].end <= w.end &&
                    !covered[j]) {
                    covered[j] = 1;
                    shown |= marks[j].patterns;
                }
            out[n_windows++] = w;
        }
        int all = 1;
        for (size_t j = 0; j < n; j++)
            if (!covered[j])
                all = 0;
        if (all)
            break;
    }
    free(covered);
    qsort(out, n_windows, sizeof *out, compare_windows);
    /* Merge windows that touch. */
    size_t merged = 0;
    for (size_t i = 0; i < n_windows; i++) {
        if (merged && out[i].start <= out[merged - 1].end) {
            if (out[i].end > out[merged - 1].end)
                out[merged - 1].end = out[i].end;
        } else {
            out[merged++] = out[i];
        }
    }
    return merged;
}

static int is_blank_byte(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Appends text[a, b) with line breaks and tabs shown as spaces, so a
 * snippet is one line; each byte maps to one byte, offsets hold. */
static void append_flat(fsi_buf_t *out, const char *text, size_t a, size_t b)
{
    size_t at = out->len;
    fsi_buf_append(out, text + a, b - a);
    if (out->failed)
        return;
    for (size_t i = at; i < out->len; i++)
        if (out->data[i] == '\n' || out->data[i] == '\r' ||
            out->data[i] == '\t')
            out->data[i] = ' ';
}

forum_status_t fsi_highlight(forum_snippet_t **out, const char *text,
                             size_t len, const fsi_normalized_t *norm,
                             const fsi_pattern_t *patterns, size_t n_patterns,
                             const forum_snippet_options_t *opts)
{
    mark_t *marks = NULL;
    size_t n_marks = 0;
    window_t *windows = NULL;
    UBreakIterator *graphemes = NULL;
    UText *ut = NULL;
    fsi_buf_t buf = FSI_BUF_INIT;
    forum_span_t *spans = NULL;
    size_t n_spans = 0;
    snippet_impl_t *snip = NULL;

    forum_status_t status = find_marks(norm, patterns, n_patterns, &marks,
                                       &n_marks);
    if (status != FORUM_OK)
        goto out;
    size_t max_windows = opts->max_fragments ? opts->max_fragments : 1;
    windows = calloc(max_windows, sizeof *windows);
    spans = calloc(n_marks ? n_marks : 1, sizeof *spans);
    if (windows == NULL || spans == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    size_t n_windows = choose_windows(text, len, marks, n_marks, opts,
                                      windows);
    if (n_windows == 0) {
        status = FORUM_ENOMEM;
        goto out;
    }

    UErrorCode err = U_ZERO_ERROR;
    ut = utext_openUTF8(NULL, text, (int64_t)len, &err);
    graphemes = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &err);
    ubrk_setUText(graphemes, ut, &err);
    if (U_FAILURE(err)) {
        /* Cut on code points only; still never inside UTF-8. */
        ubrk_close(graphemes);
        graphemes = NULL;
    }

    size_t next_mark = 0;
    for (size_t w = 0; w < n_windows; w++) {
        size_t a = snap_cut(graphemes, text, len, windows[w].start, 0);
        size_t b = snap_cut(graphemes, text, len, windows[w].end, 1);
        /* Never cut a mark. */
        for (size_t m = 0; m < n_marks; m++) {
            if (marks[m].start < a && marks[m].end > a)
                a = marks[m].start;
            if (marks[m].start < b && marks[m].end > b)
                b = marks[m].end;
        }
        /* Leading and trailing white space is not worth showing, unless
         * a match starts or ends in it (a space carrying a combining
         * mark normalizes as one chunk with the mark). */
        size_t first_mark = (size_t)-1, last_mark_end = 0;
        for (size_t m = next_mark; m < n_marks && marks[m].start < b; m++) {
            if (marks[m].start >= a && first_mark == (size_t)-1)
                first_mark = marks[m].start;
            if (marks[m].start >= a && marks[m].end > last_mark_end)
                last_mark_end = marks[m].end;
        }
        /* Ellipses say where text was cut, not where blanks were. */
        int cut_before = a > 0, cut_after = b < len;
        while (a < b && a < first_mark && is_blank_byte(text[a]))
            a++;
        while (b > a && b > last_mark_end && is_blank_byte(text[b - 1]))
            b--;
        if (cut_before)
            fsi_buf_append_str(&buf, ELLIPSIS);
        else if (w > 0)
            fsi_buf_append_char(&buf, ' ');
        size_t base = buf.len;
        append_flat(&buf, text, a, b);
        for (; next_mark < n_marks && marks[next_mark].start < b;
             next_mark++) {
            if (marks[next_mark].start < a)
                continue;
            spans[n_spans].start = base + (marks[next_mark].start - a);
            spans[n_spans].end = base + (marks[next_mark].end - a);
            n_spans++;
        }
        if (w + 1 == n_windows && cut_after)
            fsi_buf_append_str(&buf, ELLIPSIS);
    }
    if (buf.failed) {
        status = FORUM_ENOMEM;
        goto out;
    }
    snip = calloc(1, sizeof *snip);
    if (snip == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    snip->pub.len = buf.len;
    snip->text = fsi_buf_steal(&buf, NULL);
    snip->marks = spans;
    spans = NULL;
    snip->pub.text = snip->text;
    snip->pub.marks = snip->marks;
    snip->pub.n_marks = n_spans;
    if (snip->text == NULL) {
        forum_snippet_destroy(&snip->pub);
        snip = NULL;
        status = FORUM_ENOMEM;
        goto out;
    }
    *out = &snip->pub;
out:
    ubrk_close(graphemes);
    utext_close(ut);
    free(marks);
    free(windows);
    free(spans);
    fsi_buf_free(&buf);
    return status;
}

void forum_snippet_destroy(forum_snippet_t *snippet)
{
    if (snippet == NULL)
        return;
    snippet_impl_t *snip = (snippet_impl_t *)snippet;
    free(snip->text);
    free(snip->marks);
    free(snip);
}
