/* forumsearch — private: UTF-8 decoding and encoding.
 *
 * Invalid input decodes as U+FFFD consuming one byte, so offsets always
 * advance and nothing downstream ever sees a malformed sequence
 * (the convention of SQLite FTS5's READ_UTF8). */
#ifndef FORUMSEARCH_UTF8_H
#define FORUMSEARCH_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define FSI_REPLACEMENT_CHAR 0xFFFD

/* Decodes the code point at s[*pos] (pos < len) and advances *pos. */
uint32_t fsi_utf8_next(const char *s, size_t len, size_t *pos);

/* Writes c as UTF-8 into out (room for 4 bytes); returns the length. */
size_t fsi_utf8_encode(uint32_t c, char *out);

/* Length in bytes of the sequence starting at s[pos], 1 if invalid. */
size_t fsi_utf8_seq_len(const char *s, size_t len, size_t pos);

/* The length of s[0, len) cut to at most max bytes on a character
 * boundary, for quoting input in messages. */
int fsi_utf8_clip(const char *s, size_t len, size_t max);

/* True for the scripts searched by character n-grams rather than words:
 * Han, Hiragana, Katakana, Hangul, Bopomofo. */
int fsi_is_cjk(uint32_t c);

/* True for characters that continue a Latin/digit word: letters, marks
 * and numbers that are not CJK. Punctuation inside ICU words (' . _ :)
 * separates words, so `color` finds GREP_COLOR and `openai` OpenAI's. */
int fsi_is_word_char(uint32_t c);

#endif
