/* forumsearch — the normalizer (see normalize.h). */
#include "normalize.h"

#include <assert.h>

#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "t2s_table.h"
#include "utf8.h"

static int t2s_compare(const void *key, const void *entry)
{
    unsigned int c = *(const unsigned int *)key;
    unsigned int from = ((const unsigned int *)entry)[0];
    return (c > from) - (c < from);
}

uint32_t fsi_t2s(uint32_t c)
{
    if (c < 0x3400)
        return c;
    unsigned int key = c;
    const unsigned int *hit = bsearch(&key, fsi_t2s_table, FSI_T2S_COUNT,
                                      sizeof fsi_t2s_table[0], t2s_compare);
    return hit ? hit[1] : c;
}

static int grow(fsi_normalized_t *out, size_t need, int with_offsets)
{
    if (need + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 256;
        while (cap < need + 1)
            cap *= 2;
        char *text = realloc(out->text, cap);
        if (text == NULL)
            return -1;
        out->text = text;
        out->cap = cap;
    }
    /* The offset arrays follow the text's capacity, also when earlier
     * calls on this buffer went without offsets. */
    if (with_offsets && out->offsets_cap < out->cap) {
        uint32_t *s = realloc(out->src_start, out->cap * sizeof *s);
        if (s == NULL)
            return -1;
        out->src_start = s;
        uint32_t *e = realloc(out->src_end, out->cap * sizeof *e);
        if (e == NULL)
            return -1;
        out->src_end = e;
        out->offsets_cap = out->cap;
    }
    return 0;
}

int fsi_passes_through(uint32_t c)
{
    return c < 0x10000 && (fsi_passthrough_bmp[c >> 3] >> (c & 7)) & 1;
}

static int bounds_before(const UNormalizer2 *nfkc_cf, uint32_t c)
{
    return fsi_passes_through(c) ||
           unorm2_hasBoundaryBefore(nfkc_cf, (UChar32)c);
}

int fsi_bounds_before(uint32_t c)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    return U_SUCCESS(err) ? bounds_before(nfkc_cf, c) : fsi_passes_through(c);
}

/* Whether the character at pos starts a new normalization chunk, so
 * the fast path may copy what precedes it: ASCII always does; so does
 * full-width punctuation, which NFKC changes but never joins to what
 * precedes it (2,4, in 字符串，). */
static int passes_through_next(const UNormalizer2 *nfkc_cf, const char *text,
                               size_t len, size_t pos)
{
    if ((unsigned char)text[pos] < 0x80)
        return 1;
    return bounds_before(nfkc_cf, fsi_utf8_next(text, len, &pos));
}

typedef struct writer {
    fsi_normalized_t *out;
    int with_offsets;
    int last_was_space;
} writer_t;

/* Appends one normalized code point that came from [src_a, src_b). */
static int emit(writer_t *w, uint32_t c, uint32_t src_a, uint32_t src_b)
{
    fsi_normalized_t *out = w->out;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v' || (c > 0x7F && u_isUWhiteSpace((UChar32)c))) {
        if (w->last_was_space) {
            /* Collapse: the one space stands for the whole run. */
            assert(out->len > 0);
            if (w->with_offsets)
                out->src_end[out->len - 1] = src_b;
            return 0;
        }
        c = ' ';
        w->last_was_space = 1;
    } else {
        w->last_was_space = 0;
        c = fsi_t2s(c);
    }
    if (grow(out, out->len + 4, w->with_offsets) != 0)
        return -1;
    size_t n = fsi_utf8_encode(c, out->text + out->len);
    if (w->with_offsets) {
        for (size_t i = 0; i < n; i++) {
            out->src_start[out->len + i] = src_a;
            out->src_end[out->len + i] = src_b;
        }
    }
    out->len += n;
    return 0;
}

/* Appends original bytes [a, b), one character that passes through. */
static int copy_through(writer_t *w, const char *text, size_t a, size_t b)
{
    fsi_normalized_t *out = w->out;
    if (grow(out, out->len + 4, w->with_offsets) != 0)
        return -1;
    memcpy(out->text + out->len, text + a, b - a);
    if (w->with_offsets) {
        for (size_t i = 0; i < b - a; i++) {
            out->src_start[out->len + i] = (uint32_t)a;
            out->src_end[out->len + i] = (uint32_t)b;
        }
    }
    out->len += b - a;
    w->last_was_space = 0;
    return 0;
}

/* Normalizes code points [a, b) of the original, one normalization
 * chunk, through ICU. */
static forum_status_t emit_chunk(writer_t *w, const UNormalizer2 *nfkc_cf,
                                 const char *text, size_t a, size_t b)
{
    UChar in_small[64], out_small[128];
    UChar *in = in_small, *res = out_small;
    int32_t in_cap = 64, res_cap = 128, in_len = 0;
    forum_status_t status = FORUM_OK;

    /* Chunks are short (a base plus its combining marks) except in
     * pathological input, so the stack buffers nearly always do. */
    if (b - a > 30) {
        in_cap = (int32_t)(b - a) + 1;
        res_cap = in_cap * 18 + 16;
        in = malloc((size_t)in_cap * sizeof *in);
        res = malloc((size_t)res_cap * sizeof *res);
        if (in == NULL || res == NULL) {
            status = FORUM_ENOMEM;
            goto out;
        }
    }
    for (size_t pos = a; pos < b;) {
        uint32_t c = fsi_utf8_next(text, b, &pos);
        UBool error = 0;
        U16_APPEND(in, in_len, in_cap, (UChar32)c, error);
        if (error) {
            status = FORUM_EINTERNAL;
            goto out;
        }
    }
    UErrorCode err = U_ZERO_ERROR;
    int32_t res_len = unorm2_normalize(nfkc_cf, in, in_len, res, res_cap,
                                       &err);
    if (U_FAILURE(err)) {
        status = FORUM_EINTERNAL;
        goto out;
    }
    for (int32_t i = 0; i < res_len;) {
        UChar32 c;
        U16_NEXT(res, i, res_len, c);
        if (emit(w, (uint32_t)c, (uint32_t)a, (uint32_t)b) != 0) {
            status = FORUM_ENOMEM;
            goto out;
        }
    }
out:
    if (in != in_small)
        free(in);
    if (res != out_small)
        free(res);
    return status;
}

forum_status_t fsi_normalize(fsi_normalized_t *out, const char *text,
                             size_t len, int with_offsets)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    if (U_FAILURE(err))
        return FORUM_EINTERNAL;
    if (len >= UINT32_MAX)
        return FORUM_EINVAL;

    out->len = 0;
    if (grow(out, len, with_offsets) != 0)
        return FORUM_ENOMEM;
    writer_t w = {out, with_offsets, 0};

    size_t pos = 0;
    while (pos < len) {
        size_t start = pos;
        unsigned char byte = (unsigned char)text[pos];
        /* ASCII is inert under NFKC_Casefold except for upper case; the
         * fast path is only safe when no combining mark follows. */
        if (byte < 0x80 &&
            (pos + 1 == len || (unsigned char)text[pos + 1] < 0x80)) {
            /* Inline: this loop runs once per byte of English text. */
            if (out->len + 1 >= out->cap &&
                grow(out, out->len + 1, with_offsets) != 0)
                return FORUM_ENOMEM;
            pos++;
            if (byte == ' ' || (byte >= '\t' && byte <= '\r')) {
                if (w.last_was_space) {
                    if (with_offsets)
                        out->src_end[out->len - 1] = (uint32_t)pos;
                    continue;
                }
                byte = ' ';
                w.last_was_space = 1;
            } else {
                if (byte >= 'A' && byte <= 'Z')
                    byte += 'a' - 'A';
                w.last_was_space = 0;
            }
            if (with_offsets) {
                out->src_start[out->len] = (uint32_t)start;
                out->src_end[out->len] = (uint32_t)pos;
            }
            out->text[out->len++] = (char)byte;
            continue;
        }
        uint32_t c = fsi_utf8_next(text, len, &pos);
        /* The common case (CJK, most letters): a character normalization
         * leaves alone, followed by one that cannot combine with it. */
        if (fsi_passes_through(c) &&
            (pos == len || passes_through_next(nfkc_cf, text, len, pos))) {
            if (copy_through(&w, text, start, pos) != 0)
                return FORUM_ENOMEM;
            continue;
        }
        /* Extend to the end of the normalization chunk: combining marks
         * and the like compose with what precedes them. */
        size_t end = pos;
        while (end < len) {
            size_t next = end;
            uint32_t d = fsi_utf8_next(text, len, &next);
            if (unorm2_hasBoundaryBefore(nfkc_cf, (UChar32)d))
                break;
            end = next;
        }
        if (end == pos && unorm2_isInert(nfkc_cf, (UChar32)c)) {
            if (emit(&w, c, (uint32_t)start, (uint32_t)pos) != 0)
                return FORUM_ENOMEM;
            continue;
        }
        forum_status_t status = emit_chunk(&w, nfkc_cf, text, start, end);
        if (status != FORUM_OK)
            return status;
        pos = end;
    }
    out->text[out->len] = '\0';
    if (with_offsets) {
        out->src_start[out->len] = (uint32_t)len;
        out->src_end[out->len] = (uint32_t)len;
    }
    return FORUM_OK;
}

void fsi_normalized_free(fsi_normalized_t *n)
{
    free(n->text);
    free(n->src_start);
    free(n->src_end);
    memset(n, 0, sizeof *n);
}

forum_status_t forum_normalize(char **out, size_t *out_len, const char *text,
                               size_t len)
{
    fsi_normalized_t n = FSI_NORMALIZED_INIT;
    if (out == NULL || (text == NULL && len > 0))
        return FORUM_EINVAL;
    forum_status_t status = fsi_normalize(&n, text ? text : "", len, 0);
    if (status != FORUM_OK) {
        fsi_normalized_free(&n);
        *out = NULL;
        return status;
    }
    *out = n.text;
    if (out_len)
        *out_len = n.len;
    free(n.src_start);
    free(n.src_end);
    return FORUM_OK;
}
