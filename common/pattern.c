#define _GNU_SOURCE /* memmem */
/* forumsearch — substring patterns: normalized query strings and the
 * word-edge rules for finding them (see pattern.h). */
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "utf8.h"

static int prev_is_word(const char *s, size_t pos)
{
    if (pos == 0)
        return 0;
    size_t start = pos - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    return fsi_is_word_char(fsi_utf8_next(s, pos, &start));
}

static int next_is_word(const char *s, size_t len, size_t pos)
{
    return pos < len && fsi_is_word_char(fsi_utf8_next(s, len, &pos));
}

size_t fsi_pattern_find(const fsi_pattern_t *pat, const char *hay,
                        size_t hay_len, size_t from)
{
    if (pat->len == 0)
        return (size_t)-1;
    while (from + pat->len <= hay_len) {
        const char *hit = memmem(hay + from, hay_len - from, pat->text,
                                 pat->len);
        if (hit == NULL)
            return (size_t)-1;
        size_t at = (size_t)(hit - hay);
        if ((!pat->word_start || !prev_is_word(hay, at)) &&
            (!pat->word_end || !next_is_word(hay, hay_len, at + pat->len)))
            return at;
        from = at + fsi_utf8_seq_len(hay, hay_len, at);
    }
    return (size_t)-1;
}

int fsi_pattern_in_raw(const fsi_pattern_t *pat, const char *text,
                       size_t len)
{
    if (pat->len == 0)
        return 0;
    const char *end = text + len;
    for (const char *hit = memmem(text, len, pat->text, pat->len);
         hit != NULL;
         hit = memmem(hit + 1, (size_t)(end - hit - 1), pat->text,
                      pat->len)) {
        size_t after = (size_t)(hit - text) + pat->len;
        /* A neighbour that normalization changes must not join the
         * occurrence (a combining mark after it), nor change a word
         * edge: ① after or before a word is 1 once normalized. */
        if (after < len && (unsigned char)text[after] >= 0x80) {
            size_t pos = after;
            uint32_t next = fsi_utf8_next(text, len, &pos);
            if (pat->word_end ? !fsi_passes_through(next)
                              : !fsi_bounds_before(next))
                continue;
        }
        if (pat->word_start && hit > text &&
            (unsigned char)hit[-1] >= 0x80) {
            size_t pos = (size_t)(hit - text) - 1;
            while (pos > 0 && ((unsigned char)text[pos] & 0xC0) == 0x80)
                pos--;
            if (!fsi_passes_through(fsi_utf8_next(text, len, &pos)))
                continue;
        }
        if (pat->word_start && prev_is_word(text, (size_t)(hit - text)))
            continue;
        if (pat->word_end && next_is_word(text, len, after))
            continue;
        return 1;
    }
    return 0;
}

forum_status_t fsi_pattern_init(fsi_pattern_t *pat, const char *text,
                                size_t len)
{
    forum_status_t status = forum_normalize(&pat->text, &pat->len, text, len);
    if (status != FORUM_OK)
        return status;
    /* A leading or trailing space of a phrase is not part of it. */
    while (pat->len && pat->text[pat->len - 1] == ' ')
        pat->text[--pat->len] = '\0';
    size_t lead = 0;
    while (lead < pat->len && pat->text[lead] == ' ')
        lead++;
    memmove(pat->text, pat->text + lead, pat->len - lead + 1);
    pat->len -= lead;
    size_t pos = 0;
    pat->word_start = pat->len &&
                      fsi_is_word_char(fsi_utf8_next(pat->text, pat->len,
                                                     &pos));
    pat->word_end = pat->len && prev_is_word(pat->text, pat->len);
    pat->raw_comparable = pat->len > 0;
    for (size_t at = 0; pat->raw_comparable && at < pat->len;) {
        uint32_t c = fsi_utf8_next(pat->text, pat->len, &at);
        pat->raw_comparable = c < 0x80 || fsi_passes_through(c);
    }
    return FORUM_OK;
}
