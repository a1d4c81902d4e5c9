/* forumsearch — raw file bytes to clean UTF-8 (fsi_text_to_utf8).
 *
 * Whatever comes in, what goes out is valid UTF-8 with LF line ends and
 * no NUL bytes, so every later stage can rely on that. The decision
 * runs in this order:
 *
 *  1. A byte order mark names the encoding: UTF-8 (dropped silently),
 *     UTF-16LE/BE or UTF-32LE/BE (converted, with a warning).
 *  2. Without a BOM, text in which every other byte is NUL is UTF-16
 *     (ASCII-heavy UTF-16 looks like that; UTF-8 text never does).
 *  3. Valid UTF-8 is UTF-8, full stop. This is the common case and costs
 *     one validation pass and one copy.
 *  4. Text that is UTF-8 apart from a few bad sequences (a damaged or
 *     truncated file) stays UTF-8: other encodings produce bad UTF-8
 *     sequences by the thousand, not one in a hundred.
 *  5. Otherwise ICU's detector ranks the plausible legacy charsets and
 *     the best one that decodes the whole text without a single error
 *     into plausible text wins. GB18030 and Big5 are always tried,
 *     because the detector is unreliable on short texts (where we break
 *     the tie between them ourselves); other charsets must be named by
 *     it, single-byte ones with confidence.
 *  6. If nothing fits, every bad sequence becomes U+FFFD.
 *
 * Bad UTF-8 is replaced by "maximal subparts" (Unicode 15 §3.9, U+FFFD
 * Substitution of Maximal Subparts; also what ICU and WHATWG do): a
 * truncated sequence such as E4 B8 becomes one U+FFFD, a byte that can
 * never start or continue a sequence becomes one U+FFFD each.
 */
#include "fsi_input.h"
#include "utf8.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ucsdet.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char replacement_utf8[3] = {'\xEF', '\xBF', '\xBD'};

/* ICU's detector looks at no more than its first 8000 bytes anyway. */
#define DETECTOR_INPUT_MAX 65536

/* Below this confidence the detector's opinion is noise on short texts;
 * see pick_order(). */
#define CONFIDENT 50

static forum_status_t status_from_icu(UErrorCode err)
{
    return err == U_MEMORY_ALLOCATION_ERROR ? FORUM_ENOMEM : FORUM_EINTERNAL;
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                              */
/* ------------------------------------------------------------------ */

/* Length of the longest valid UTF-8 prefix. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* Skip ASCII eight bytes at a time. */
        while (len - i >= 8) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (word & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i == len)
            break;
        uint32_t c;
        size_t n = fsi_utf8_decode((const char *)s + i, len - i, &c);
        if (c == FSI_UTF8_INVALID)
            return i;
        i += n;
    }
    return len;
}

/* What a pass over possibly invalid UTF-8 found. */
typedef struct utf8_stats {
    size_t good_multibyte; /* Valid sequences of two or more bytes. */
    size_t bad_sequences;  /* Maximal subparts that become U+FFFD. */
    size_t bad_bytes;      /* Bytes in them. */
    size_t first_bad;      /* Offset of the first one. */
    size_t last_bad_end;   /* Offset just after the last one. */
} utf8_stats_t;

static void utf8_scan(const unsigned char *s, size_t len, utf8_stats_t *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = fsi_utf8_decode((const char *)s + i, len - i, &c);
        bool valid = c != FSI_UTF8_INVALID;
        if (valid && n > 1) {
            st->good_multibyte++;
        } else if (!valid) {
            if (st->bad_sequences++ == 0)
                st->first_bad = i;
            st->bad_bytes += n;
            st->last_bad_end = i + n;
        }
        i += n;
    }
}

/* Text that is UTF-8 but damaged: the only error is a sequence cut off
 * by the end of the file, or the valid multibyte sequences outnumber the
 * bad ones by far. In GB18030 or Big5 text, bad sequences are several
 * times as frequent as accidentally valid ones (measured on the seed
 * thread: 1456 valid to 5503 bad in GB18030, 659 to 5081 in Big5). */
static bool is_damaged_utf8(const utf8_stats_t *st, size_t len)
{
    bool truncated_only = st->bad_sequences == 1 && st->last_bad_end == len;
    return truncated_only || st->good_multibyte >= 4 * st->bad_sequences;
}

/* Copies s with each bad sequence replaced by U+FFFD. */
static forum_status_t utf8_repair(char **out, size_t *out_len,
                                  const unsigned char *s, size_t len,
                                  const utf8_stats_t *st)
{
    /* Each bad subpart of n >= 1 bytes becomes 3 bytes. */
    size_t size = len - st->bad_bytes;
    if (st->bad_sequences > (SIZE_MAX - size - 1) / 3)
        return FORUM_ENOMEM;
    size += 3 * st->bad_sequences;
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return FORUM_ENOMEM;

    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = fsi_utf8_decode((const char *)s + i, len - i, &c);
        bool valid = c != FSI_UTF8_INVALID;
        if (valid) {
            memcpy(buf + o, s + i, n);
            o += n;
        } else {
            memcpy(buf + o, replacement_utf8, sizeof replacement_utf8);
            o += sizeof replacement_utf8;
        }
        i += n;
    }
    assert(o == size);
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return FORUM_OK;
}

/* 1-based line of byte `offset`, counting LF, CRLF and lone CR as line
 * ends the way normalize_line_ends() will (so it serves before and after
 * it). */
static size_t line_of_offset(const char *s, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) {
        if (s[i] == '\n')
            line++;
        else if (s[i] == '\r' && (i + 1 >= offset || s[i + 1] != '\n'))
            line++;
    }
    return line;
}

/* ------------------------------------------------------------------ */
/* ICU conversion                                                     */
/* ------------------------------------------------------------------ */

/* The default substitution (U+FFFD for the Unicode converters), counting
 * how many sequences were replaced. */
static void U_CALLCONV count_and_substitute(const void *context,
                                            UConverterToUnicodeArgs *args,
                                            const char *code_units,
                                            int32_t length,
                                            UConverterCallbackReason reason,
                                            UErrorCode *err)
{
    if (reason == UCNV_UNASSIGNED || reason == UCNV_ILLEGAL
        || reason == UCNV_IRREGULAR)
        (*(size_t *)context)++;
    UCNV_TO_U_CALLBACK_SUBSTITUTE(NULL, args, code_units, length, reason,
                                  err);
}

/* Converts `len` bytes in `charset` to NUL-terminated UTF-8.
 *
 * strict: the first invalid or unmapped sequence stops the conversion
 * and FORUM_EINVAL is returned. Otherwise each becomes U+FFFD and
 * *substituted counts them.
 *
 * Returns FORUM_OK, FORUM_EINVAL (strict, not this charset), FORUM_ENOMEM
 * or FORUM_EINTERNAL (ICU has no such converter). */
static forum_status_t icu_to_utf8(char **out, size_t *out_len,
                                  const char *charset, const char *bytes,
                                  size_t len, bool strict,
                                  size_t *substituted)
{
    forum_status_t status = FORUM_OK;
    UErrorCode err = U_ZERO_ERROR;
    UConverter *from = NULL, *to = NULL;
    char *buf = NULL;
    size_t bad = 0;

    from = ucnv_open(charset, &err);
    to = ucnv_open("UTF-8", &err);
    if (strict)
        ucnv_setToUCallBack(from, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL,
                            &err);
    else
        ucnv_setToUCallBack(from, count_and_substitute, &bad, NULL, NULL,
                            &err);
    if (U_FAILURE(err)) {
        status = status_from_icu(err);
        goto out;
    }

    /* CJK text grows by half (two bytes become three); grow on demand
     * for anything else. Keep one byte for the NUL. */
    if (len > (SIZE_MAX - 64) / 4) {
        status = FORUM_ENOMEM;
        goto out;
    }
    size_t cap = len + len / 2 + 64;
    buf = malloc(cap);
    if (buf == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }

    UChar pivot[1024];
    UChar *pivot_source = pivot, *pivot_target = pivot;
    const char *source = bytes;
    char *target = buf;
    UBool reset = true;
    for (;;) {
        err = U_ZERO_ERROR;
        ucnv_convertEx(to, from, &target, buf + cap - 1, &source,
                       bytes + len, pivot, &pivot_source, &pivot_target,
                       pivot + sizeof pivot / sizeof pivot[0], reset, true,
                       &err);
        reset = false;
        if (err != U_BUFFER_OVERFLOW_ERROR)
            break;
        /* Out of room: double the buffer and carry on where we were. */
        size_t used = (size_t)(target - buf);
        if (cap > SIZE_MAX / 2) {
            status = FORUM_ENOMEM;
            goto out;
        }
        char *grown = realloc(buf, cap * 2);
        if (grown == NULL) {
            status = FORUM_ENOMEM;
            goto out;
        }
        buf = grown;
        cap *= 2;
        target = buf + used;
    }
    if (U_FAILURE(err)) {
        bool not_this_charset = err == U_INVALID_CHAR_FOUND
                                || err == U_ILLEGAL_CHAR_FOUND
                                || err == U_TRUNCATED_CHAR_FOUND;
        status = not_this_charset ? FORUM_EINVAL : status_from_icu(err);
        goto out;
    }

    *target = '\0';
    *out_len = (size_t)(target - buf);
    *out = buf;
    buf = NULL;
    if (substituted != NULL)
        *substituted = bad;
out:
    free(buf);
    ucnv_close(from);
    ucnv_close(to);
    return status;
}

/* ------------------------------------------------------------------ */
/* Unicode encodings: BOM and NUL patterns                            */
/* ------------------------------------------------------------------ */

/* The encoding a byte order mark names, or NULL; *bom_len is its size. */
static const char *encoding_by_bom(const unsigned char *s, size_t len,
                                   size_t *bom_len)
{
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        *bom_len = 3;
        return "UTF-8";
    }
    /* FF FE 00 00 could also be UTF-16LE text starting with U+0000;
     * only a length that is a multiple of four makes it UTF-32. */
    if (len >= 4 && len % 4 == 0 && s[0] == 0xFF && s[1] == 0xFE
        && s[2] == 0 && s[3] == 0) {
        *bom_len = 4;
        return "UTF-32LE";
    }
    if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xFE && s[3] == 0xFF) {
        *bom_len = 4;
        return "UTF-32BE";
    }
    if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
        *bom_len = 2;
        return "UTF-16LE";
    }
    if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        *bom_len = 2;
        return "UTF-16BE";
    }
    *bom_len = 0;
    return NULL;
}

/* UTF-16 without a BOM, recognised by its NUL bytes: in UTF-16LE the
 * high byte of every ASCII character (at odd offsets) is NUL, while the
 * even offsets hold NUL only by accident. Text of mostly Han characters
 * has few NULs and is not recognised; ICU cannot do that reliably
 * either. Looks at the first 64 KiB. */
static const char *utf16_by_nul_pattern(const unsigned char *s, size_t len)
{
    size_t sample = len < 65536 ? len : 65536;
    size_t pairs = sample / 2, nul_even = 0, nul_odd = 0;
    for (size_t i = 0; i + 1 < sample; i += 2) {
        nul_even += s[i] == 0;
        nul_odd += s[i + 1] == 0;
    }
    /* At least a quarter of the characters are ASCII, and NULs are at
     * least eight times as frequent at one parity as at the other. */
    if (nul_odd >= 2 && nul_odd * 4 >= pairs && nul_even * 8 <= nul_odd)
        return "UTF-16LE";
    if (nul_even >= 2 && nul_even * 4 >= pairs && nul_odd * 8 <= nul_even)
        return "UTF-16BE";
    return NULL;
}

static forum_status_t decode_unicode(char **out, size_t *out_len,
                                     const char *charset, const char *bytes,
                                     size_t len, bool had_bom,
                                     const fsi_reporter_t *rep)
{
    size_t substituted = 0;
    forum_status_t status = icu_to_utf8(out, out_len, charset, bytes, len,
                                        false, &substituted);
    if (status != FORUM_OK)
        return status;
    const char *how = had_bom ? "" : " (no byte order mark)";
    if (substituted > 0)
        fsi_report(rep, 0, 0, "converted from %s%s; %zu invalid sequence%s "
                   "replaced with U+FFFD", charset, how, substituted,
                   substituted == 1 ? "" : "s");
    else
        fsi_report(rep, 0, 0, "converted from %s%s", charset, how);
    return FORUM_OK;
}

/* ------------------------------------------------------------------ */
/* Legacy charsets                                                    */
/* ------------------------------------------------------------------ */

typedef struct candidate {
    const char *charset;  /* As ICU's detector and converters name it. */
    bool always_try;      /* Tried even when the detector is unsure. */
    bool needs_confidence;/* Never tried when the detector is unsure. */
    int confidence;       /* 0..100 from the detector, 0 if unnamed. */
} candidate_t;

/* break_chinese_tie() finds these two at fixed places in the table. */
enum { CANDIDATE_GB18030 = 0, CANDIDATE_BIG5 = 1 };

/* In order of preference when the detector cannot tell them apart:
 * mainland Chinese first, then Taiwan/Hong Kong, then the neighbours. A
 * single-byte charset decodes any bytes, so only a confident detector
 * may pick one. */
static const candidate_t candidate_table[] = {
    {"GB18030", true, false, 0},
    {"Big5", true, false, 0},
    {"EUC-KR", false, false, 0},
    {"Shift_JIS", false, false, 0},
    {"EUC-JP", false, false, 0},
    {"windows-1252", false, true, 0},
    {"ISO-8859-1", false, true, 0},
};

#define N_CANDIDATES (sizeof candidate_table / sizeof candidate_table[0])

/* Fills in each candidate's confidence from ICU's detector. A detector
 * failure leaves them at 0, which still lets GB18030 and Big5 be tried;
 * only running out of memory is an error. */
static forum_status_t detect(candidate_t *cands, const char *bytes,
                             size_t len)
{
    forum_status_t status = FORUM_OK;
    UErrorCode err = U_ZERO_ERROR;
    UCharsetDetector *detector = ucsdet_open(&err);
    size_t sample = len < DETECTOR_INPUT_MAX ? len : DETECTOR_INPUT_MAX;
    int32_t n_matches = 0;

    ucsdet_setText(detector, bytes, (int32_t)sample, &err);
    const UCharsetMatch **matches = ucsdet_detectAll(detector, &n_matches,
                                                     &err);
    if (U_FAILURE(err)) {
        if (err == U_MEMORY_ALLOCATION_ERROR)
            status = FORUM_ENOMEM;
        goto out;
    }
    for (int32_t i = 0; i < n_matches; i++) {
        const char *name = ucsdet_getName(matches[i], &err);
        int32_t confidence = ucsdet_getConfidence(matches[i], &err);
        if (U_FAILURE(err))
            break;
        for (size_t c = 0; c < N_CANDIDATES; c++)
            if (strcmp(name, cands[c].charset) == 0
                && confidence > cands[c].confidence)
                cands[c].confidence = confidence;
    }
out:
    if (detector != NULL)
        ucsdet_close(detector);
    return status;
}

/* Whether any two-byte code lies outside GB2312's A1-FE x A1-FE square.
 * GB2312 holds every common simplified character, so mainland text
 * rarely leaves it, while about 40% of Big5 codes have a trail byte in
 * 40-7E. Both charsets decode most such bytes without error; this tells
 * them apart when the text is too short for ICU's detector. */
static bool leaves_gb2312(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80)
            continue;
        if (i + 1 < len && (s[i] < 0xA1 || s[i + 1] < 0xA1))
            return true;
        i++;
    }
    return false;
}

/* When the detector is unsure about both GB18030 and Big5, decide
 * between them ourselves by giving the likelier one a point more. */
static void break_chinese_tie(candidate_t *cands, const char *bytes,
                              size_t len)
{
    candidate_t *gb = &cands[CANDIDATE_GB18030];
    candidate_t *big5 = &cands[CANDIDATE_BIG5];
    if (gb->confidence >= CONFIDENT || big5->confidence >= CONFIDENT)
        return;
    bool big5_likelier = leaves_gb2312((const unsigned char *)bytes, len);
    int top = gb->confidence > big5->confidence ? gb->confidence
                                                 : big5->confidence;
    gb->confidence = big5_likelier ? top : top + 1;
    big5->confidence = big5_likelier ? top + 1 : top;
}

/* Which tier a candidate is tried in: 0 first, then 1; -1 never.
 * Candidates the detector is confident about and the always-tried ones
 * come first; a Korean or Japanese charset the detector only mumbles
 * about is a last resort; an unsure single-byte charset is never used. */
static int tier_of(const candidate_t *c)
{
    if (c->always_try || c->confidence >= CONFIDENT)
        return 0;
    if (c->needs_confidence || c->confidence == 0)
        return -1;
    return 1;
}

/* Orders the candidate indexes by tier, then confidence, then the
 * preference of the table. Returns how many may be tried. */
static size_t pick_order(const candidate_t *cands, size_t order[])
{
    size_t n = 0;
    for (size_t i = 0; i < N_CANDIDATES; i++)
        if (tier_of(&cands[i]) >= 0)
            order[n++] = i;
    /* Insertion sort: stable, so equal ranks keep table order. */
    for (size_t i = 1; i < n; i++) {
        size_t current = order[i], j = i;
        for (; j > 0; j--) {
            const candidate_t *a = &cands[order[j - 1]];
            const candidate_t *b = &cands[current];
            bool b_first = tier_of(b) < tier_of(a)
                           || (tier_of(b) == tier_of(a)
                               && b->confidence > a->confidence);
            if (!b_first)
                break;
            order[j] = order[j - 1];
        }
        order[j] = current;
    }
    return n;
}

/* Whether decoded text could be what someone wrote. Legacy converters
 * map some byte values to C1 controls (Big5 0x80 becomes U+0080) or to
 * the private use area (user-defined GB18030 and Big5 codes): a real
 * text never holds the former and holds the latter only now and then. */
static bool looks_like_text(const char *utf8, size_t len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t chars = 0, private_use = 0;
    for (size_t i = 0; i < len; i++) {
        if ((s[i] & 0xC0) == 0x80)
            continue;
        chars++;
        /* U+0080..U+009F is C2 80..C2 9F. */
        if (s[i] == 0xC2 && i + 1 < len && s[i + 1] <= 0x9F)
            return false;
        /* U+E000..U+F8FF is EE 80 80..EF A3 BF. */
        if (s[i] == 0xEE || (s[i] == 0xEF && i + 1 < len && s[i + 1] <= 0xA3))
            private_use++;
    }
    return private_use * 20 <= chars;
}

/* Tries the plausible legacy charsets in order; the first that decodes
 * every byte into plausible text wins. *charset_out is NULL when none
 * did. */
static forum_status_t decode_legacy(char **out, size_t *out_len,
                                    const char **charset_out,
                                    const char *bytes, size_t len)
{
    candidate_t cands[N_CANDIDATES];
    size_t order[N_CANDIDATES];

    *charset_out = NULL;
    memcpy(cands, candidate_table, sizeof cands);
    forum_status_t status = detect(cands, bytes, len);
    break_chinese_tie(cands, bytes, len);
    size_t n = status == FORUM_OK ? pick_order(cands, order) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *charset = cands[order[i]].charset;
        status = icu_to_utf8(out, out_len, charset, bytes, len, true, NULL);
        if (status == FORUM_ENOMEM)
            break;
        /* A decoding error, or a charset this ICU lacks: not a match. */
        if (status != FORUM_OK) {
            status = FORUM_OK;
            continue;
        }
        if (looks_like_text(*out, *out_len)) {
            *charset_out = charset;
            break;
        }
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return status;
}

/* Bytes without a BOM that are not UTF-16: UTF-8, damaged UTF-8, a
 * legacy charset, or junk. */
static forum_status_t decode_bytes(char **out, size_t *out_len,
                                   const char *bytes, size_t len,
                                   const fsi_reporter_t *rep)
{
    const unsigned char *s = (const unsigned char *)bytes;
    utf8_stats_t stats;
    utf8_scan(s, len, &stats);

    if (!is_damaged_utf8(&stats, len)) {
        const char *charset;
        forum_status_t status = decode_legacy(out, out_len, &charset, bytes,
                                              len);
        if (status != FORUM_OK || charset != NULL) {
            if (charset != NULL)
                fsi_report(rep, 0, 0, "converted from %s", charset);
            return status;
        }
    }

    forum_status_t status = utf8_repair(out, out_len, s, len, &stats);
    if (status == FORUM_OK)
        fsi_report(rep, line_of_offset(bytes, stats.first_bad), 0,
                   "invalid UTF-8 (%zu bad byte%s); replaced with U+FFFD",
                   stats.bad_bytes, stats.bad_bytes == 1 ? "" : "s");
    return status;
}

/* ------------------------------------------------------------------ */
/* Line ends and NUL bytes                                            */
/* ------------------------------------------------------------------ */

/* Offset of the first CR or NUL byte in s[0..len), or len. Looks at
 * eight bytes at a time: this scan is most of the cost of clean UTF-8. */
static size_t find_cr_or_nul(const char *s, size_t len)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word, cr;
        memcpy(&word, s + i, 8);
        cr = word ^ (ones * '\r');
        /* The classic "has a zero byte" test, for NUL and for CR. */
        if (((word - ones) & ~word & highs) || ((cr - ones) & ~cr & highs))
            break;
    }
    for (; i < len; i++)
        if (s[i] == '\r' || s[i] == '\0')
            return i;
    return len;
}

/* Copies len bytes of UTF-8 from src to dst (which may be src itself):
 * CRLF and lone CR become LF, NUL bytes are dropped. Returns the new
 * length; *nul_count and *first_nul (an offset in dst) say what was
 * dropped. */
static size_t normalize_line_ends(char *dst, const char *src, size_t len,
                                  size_t *nul_count, size_t *first_nul)
{
    size_t o = 0, i = 0;
    *nul_count = 0;
    *first_nul = 0;
    while (i < len) {
        /* Copy the run up to the next CR or NUL in one go. */
        size_t run = find_cr_or_nul(src + i, len - i);
        if (dst + o != src + i)
            memmove(dst + o, src + i, run);
        o += run;
        i += run;
        if (i == len)
            break;
        if (src[i] == '\r') {
            dst[o++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n')
                i++;
        } else if ((*nul_count)++ == 0) {
            *first_nul = o;
        }
        i++;
    }
    return o;
}

/* Normalizes src into dst (the same buffer or one of len + 1 bytes),
 * NUL-terminates it and reports dropped NUL bytes. Returns the length. */
static size_t clean_up(char *dst, const char *src, size_t len,
                       const fsi_reporter_t *rep)
{
    size_t nul_count, first_nul;
    size_t new_len = normalize_line_ends(dst, src, len, &nul_count,
                                         &first_nul);
    dst[new_len] = '\0';
    if (nul_count > 0)
        fsi_report(rep, line_of_offset(dst, first_nul), 0,
                   "removed %zu NUL byte%s", nul_count,
                   nul_count == 1 ? "" : "s");
    return new_len;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

forum_status_t fsi_text_to_utf8(char **out, size_t *out_len, const char *path,
                                const char *bytes, size_t len,
                                fsi_diag_fn diag, void *diag_payload)
{
    forum_status_t status = FORUM_OK;
    fsi_reporter_t rep = {path, diag, diag_payload};
    char *text = NULL;
    size_t text_len = 0;

    *out = NULL;
    *out_len = 0;
    if (bytes == NULL) {
        if (len > 0) {
            status = FORUM_EINVAL;
            goto out;
        }
        bytes = "";
    }
    /* Every path below allocates len + 1 bytes or more. */
    if (len == SIZE_MAX) {
        status = FORUM_ENOMEM;
        goto out;
    }

    size_t bom_len;
    const char *unicode = encoding_by_bom((const unsigned char *)bytes, len,
                                          &bom_len);
    /* A UTF-8 BOM is common and harmless: drop it without a word. */
    if (unicode != NULL && strcmp(unicode, "UTF-8") == 0) {
        bytes += bom_len;
        len -= bom_len;
        unicode = NULL;
        bom_len = 0;
    }
    bool had_bom = unicode != NULL;
    if (unicode == NULL)
        unicode = utf16_by_nul_pattern((const unsigned char *)bytes, len);

    if (unicode != NULL) {
        status = decode_unicode(&text, &text_len, unicode, bytes + bom_len,
                                len - bom_len, had_bom, &rep);
        if (status == FORUM_OK)
            text_len = clean_up(text, text, text_len, &rep);
    } else if (utf8_valid_prefix((const unsigned char *)bytes, len) == len) {
        /* The fast path: one validation pass above, one copy here. */
        text = malloc(len + 1);
        if (text == NULL)
            status = FORUM_ENOMEM;
        else
            text_len = clean_up(text, bytes, len, &rep);
    } else {
        status = decode_bytes(&text, &text_len, bytes, len, &rep);
        if (status == FORUM_OK)
            text_len = clean_up(text, text, text_len, &rep);
    }
    if (status != FORUM_OK)
        goto out;
    *out = text;
    *out_len = text_len;
    text = NULL;
out:
    free(text);
    return status;
}
