/* forumsearch — UTF-8 helpers (see utf8.h). */
#include "utf8.h"

#include <assert.h>
#include <limits.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

uint32_t fsi_utf8_next(const char *s, size_t len, size_t *pos)
{
    assert(*pos < len);
    unsigned char byte = (unsigned char)s[*pos];
    if (byte < 0x80) {
        *pos += 1;
        return byte;
    }
    uint32_t c;
    size_t n = fsi_utf8_decode(s + *pos, len - *pos, &c);
    if (c == FSI_UTF8_INVALID) {
        *pos += 1;
        return FSI_REPLACEMENT_CHAR;
    }
    *pos += n;
    return c;
}

size_t fsi_utf8_seq_len(const char *s, size_t len, size_t pos)
{
    size_t next = pos;
    fsi_utf8_next(s, len, &next);
    return next - pos;
}

size_t fsi_utf8_encode(uint32_t c, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    } else if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    } else if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

int fsi_utf8_clip(const char *s, size_t len, size_t max)
{
    assert(max <= INT_MAX);
    if (len <= max)
        return (int)len;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return (int)cut;
}

size_t fsi_utf8_column(const char *s, size_t len, size_t byte)
{
    assert(byte <= len);
    size_t column = 1;
    for (size_t pos = 0; pos < byte; column++)
        fsi_utf8_next(s, len, &pos);
    return column;
}

int fsi_is_cjk(uint32_t c)
{
    /* The common blocks first: this runs once per character indexed. */
    if (c < 0x2E80)
        return 0;
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
        return 1;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript((UChar32)c, &status);
    return script == USCRIPT_HAN || script == USCRIPT_HIRAGANA ||
           script == USCRIPT_KATAKANA || script == USCRIPT_HANGUL ||
           script == USCRIPT_BOPOMOFO;
}

int fsi_is_word_char(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9');
    if (fsi_is_cjk(c))
        return 0;
    return u_isalnum((UChar32)c) || u_hasBinaryProperty((UChar32)c,
                                                        UCHAR_DIACRITIC);
}
