/* forumsearch — private: UTF-8 decoding and encoding.
 *
 * fsi_utf8_decode() is the one place that knows what valid UTF-8 is;
 * every reader (the charset step, the JSON reader, the tokenizer's
 * fsi_utf8_next(), the CLI's JSON writer) goes through it. It is inline
 * because it runs once per character of every input, and because the
 * CLI helpers may not link the library's private symbols.
 *
 * fsi_utf8_next() decodes invalid input as U+FFFD consuming one byte, so
 * offsets always advance and nothing downstream ever sees a malformed
 * sequence (the convention of SQLite FTS5's READ_UTF8). */
#ifndef FORUMSEARCH_UTF8_H
#define FORUMSEARCH_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define FSI_REPLACEMENT_CHAR 0xFFFD

/* What fsi_utf8_decode() stores for an invalid sequence: no code point
 * has this value. */
#define FSI_UTF8_INVALID UINT32_MAX

/* Decodes the character at s[0, avail) (avail > 0) into *cp and returns
 * its length in bytes. An invalid sequence (a stray continuation byte,
 * C0, C1 or F5..FF, an overlong form, a surrogate, a value past
 * U+10FFFF, or a sequence cut short) stores FSI_UTF8_INVALID and returns
 * the length of its maximal subpart (Unicode 15 §3.9, "U+FFFD
 * Substitution of Maximal Subparts"): the lead byte and the continuation
 * bytes that were still acceptable, at least 1. */
static inline size_t fsi_utf8_decode(const char *s, size_t avail,
                                     uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lead = u[0], low = 0x80, high = 0xBF;
    size_t trail;
    uint32_t c;

    if (lead < 0x80) {
        *cp = lead;
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        trail = 1, c = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        trail = 2, c = lead & 0x0Fu;
        /* No overlong forms (E0) and no surrogates (ED). */
        if (lead == 0xE0)
            low = 0xA0;
        else if (lead == 0xED)
            high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        trail = 3, c = lead & 0x07u;
        /* No overlong forms (F0) and nothing above U+10FFFF (F4). */
        if (lead == 0xF0)
            low = 0x90;
        else if (lead == 0xF4)
            high = 0x8F;
    } else {
        *cp = FSI_UTF8_INVALID;
        return 1;
    }
    size_t i = 1;
    while (i <= trail && i < avail && u[i] >= low && u[i] <= high) {
        c = (c << 6) | (u[i] & 0x3Fu);
        low = 0x80;
        high = 0xBF;
        i++;
    }
    *cp = i > trail ? c : FSI_UTF8_INVALID;
    return i;
}

/* Decodes the code point at s[*pos] (pos < len) and advances *pos; an
 * invalid sequence is U+FFFD and advances by one byte. */
uint32_t fsi_utf8_next(const char *s, size_t len, size_t *pos);

/* Writes c as UTF-8 into out (room for 4 bytes); returns the length. */
size_t fsi_utf8_encode(uint32_t c, char *out);

/* Length in bytes of the sequence starting at s[pos], 1 if invalid. */
size_t fsi_utf8_seq_len(const char *s, size_t len, size_t pos);

/* The length of s[0, len) cut to at most max bytes on a character
 * boundary (never inside a sequence of continuation bytes), for quoting
 * input in messages and for truncating text. */
int fsi_utf8_clip(const char *s, size_t len, size_t max);

/* The 1-based column, in characters as fsi_utf8_next() counts them, of
 * byte offset `byte` (at most len) in s. */
size_t fsi_utf8_column(const char *s, size_t len, size_t byte);

/* True for the scripts searched by character n-grams rather than words:
 * Han, Hiragana, Katakana, Hangul, Bopomofo. */
int fsi_is_cjk(uint32_t c);

/* True for characters that continue a Latin/digit word: letters, marks
 * and numbers that are not CJK. Punctuation inside ICU words (' . _ :)
 * separates words, so `color` finds GREP_COLOR and `openai` OpenAI's. */
int fsi_is_word_char(uint32_t c);

#endif
