/* libFuzzer target: the analyzer. bytes -> forum_normalize,
 * fsi_normalize with and without offsets, forum_tokenize (document and
 * query flags). Checks (normalize.h, forumsearch.h):
 *   - the normalized text is valid UTF-8 and the same with or without
 *     offsets, and the same as forum_normalize()'s;
 *   - offsets: src_start[i] <= src_end[i] <= len, both non-decreasing,
 *     the end entry maps to len, every byte of one output character
 *     maps to the same range, and on valid UTF-8 input every offset is
 *     a character boundary;
 *   - tokens: 0 < token_len, start < end <= len, token text valid UTF-8
 *     and a part of the normalized text, Latin words of at most
 *     FSI_MAX_WORD_BYTES, and on valid UTF-8 input on character
 *     boundaries;
 *   - a nonzero callback return stops tokenization and comes back;
 *   - differential: the normalizer (fast paths, chunking) agrees with a
 *     plain reference: decode (invalid bytes as U+FFFD, one each), ICU
 *     NFKC_Casefold of the whole text, fsi_t2s, collapse white space. */
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include "analyze.h"
#include "normalize.h"
#include "utf8.h"
#include "fuzz_util.h"

typedef struct sink {
    const char *text;
    size_t len;
    int valid;                 /* Input is valid UTF-8. */
    forum_tokenizer_t *tok;    /* Its normalized text holds the tokens. */
    size_t n_tokens;
    size_t stop_at;            /* Return nonzero at this token (0: never). */
} sink_t;

#define STOP_VALUE 777

static int on_token(void *payload, forum_token_kind_t kind,
                    const char *token, size_t token_len, size_t start,
                    size_t end)
{
    sink_t *s = payload;
    FUZZ_CHECK(kind == FORUM_TOKEN_WORD || kind == FORUM_TOKEN_NGRAM ||
               kind == FORUM_TOKEN_ALIGNED || kind == FORUM_TOKEN_JUNCTION);
    FUZZ_CHECK(token != NULL && token_len > 0);
    FUZZ_CHECK(start < end && end <= s->len);
    FUZZ_CHECK(fuzz_utf8_valid(token, token_len));
    /* The token is a slice of the normalized text. */
    const fsi_normalized_t *n = fsi_tokenizer_normalized(s->tok);
    FUZZ_CHECK(token >= n->text && token + token_len <= n->text + n->len);
    if (kind == FORUM_TOKEN_WORD)
        FUZZ_CHECK(token_len <= FSI_MAX_WORD_BYTES);
    if (s->valid) {
        FUZZ_CHECK(fuzz_utf8_boundary(s->text, s->len, start));
        FUZZ_CHECK(fuzz_utf8_boundary(s->text, s->len, end));
    }
    if (++s->n_tokens == s->stop_at)
        return STOP_VALUE;
    return 0;
}

static void check_offsets(const fsi_normalized_t *n, const char *text,
                          size_t len, int valid)
{
    FUZZ_CHECK(n->src_start != NULL && n->src_end != NULL);
    FUZZ_CHECK(n->src_start[n->len] == len && n->src_end[n->len] == len);
    for (size_t i = 0; i <= n->len; i++) {
        FUZZ_CHECK(n->src_start[i] <= n->src_end[i]);
        FUZZ_CHECK(n->src_end[i] <= len);
        if (i > 0) {
            FUZZ_CHECK(n->src_start[i - 1] <= n->src_start[i]);
            FUZZ_CHECK(n->src_end[i - 1] <= n->src_end[i]);
        }
        if (i < n->len) {
            /* Every output byte comes from at least one input byte. */
            FUZZ_CHECK(n->src_start[i] < n->src_end[i]);
            /* Continuation bytes share their character's range. */
            if (((unsigned char)n->text[i] & 0xC0) == 0x80) {
                FUZZ_CHECK(i > 0);
                FUZZ_CHECK(n->src_start[i] == n->src_start[i - 1]);
                FUZZ_CHECK(n->src_end[i] == n->src_end[i - 1]);
            }
        }
        if (valid) {
            FUZZ_CHECK(fuzz_utf8_boundary(text, len, n->src_start[i]));
            FUZZ_CHECK(fuzz_utf8_boundary(text, len, n->src_end[i]));
        }
    }
}

static int is_white(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v' || (c > 0x7F && u_isUWhiteSpace((UChar32)c));
}

/* The reference normalization: the obvious, slow way. malloc'd. */
static char *reference_normalize(const char *text, size_t len,
                                 size_t *out_len)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    FUZZ_CHECK(U_SUCCESS(err));
    UChar *in = malloc((2 * len + 1) * sizeof *in);
    FUZZ_CHECK(in != NULL);
    int32_t n = 0;
    for (size_t pos = 0; pos < len;) {
        uint32_t c = fsi_utf8_next(text, len, &pos);
        U16_APPEND_UNSAFE(in, n, (UChar32)c);
    }
    int32_t cap = 18 * n + 16;
    UChar *res = malloc((size_t)cap * sizeof *res);
    FUZZ_CHECK(res != NULL);
    int32_t res_len = unorm2_normalize(nfkc_cf, in, n, res, cap, &err);
    FUZZ_CHECK(U_SUCCESS(err));
    char *out = malloc(4 * (size_t)res_len + 1);
    FUZZ_CHECK(out != NULL);
    size_t o = 0;
    int last_space = 0;
    for (int32_t i = 0; i < res_len;) {
        UChar32 c;
        U16_NEXT(res, i, res_len, c);
        if (is_white((uint32_t)c)) {
            if (last_space)
                continue;
            last_space = 1;
            out[o++] = ' ';
            continue;
        }
        last_space = 0;
        o += fsi_utf8_encode(fsi_t2s((uint32_t)c), out + o);
    }
    out[o] = '\0';
    free(in);
    free(res);
    *out_len = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    int valid = fuzz_utf8_valid(text, size);

    /* The public normalizer. */
    char *pub = NULL;
    size_t pub_len = 0;
    FUZZ_CHECK(forum_normalize(&pub, &pub_len, text, size) == FORUM_OK);
    FUZZ_CHECK(pub != NULL && pub[pub_len] == '\0');
    FUZZ_CHECK(fuzz_utf8_valid(pub, pub_len));

    /* The same as the slow reference. */
    size_t ref_len;
    char *ref = reference_normalize(text, size, &ref_len);
    FUZZ_CHECK(ref_len == pub_len && memcmp(ref, pub, pub_len) == 0);
    free(ref);

    /* The private one, with and without offsets: same text. */
    fsi_normalized_t plain = FSI_NORMALIZED_INIT;
    fsi_normalized_t off = FSI_NORMALIZED_INIT;
    FUZZ_CHECK(fsi_normalize(&plain, text, size, 0) == FORUM_OK);
    FUZZ_CHECK(fsi_normalize(&off, text, size, 1) == FORUM_OK);
    FUZZ_CHECK(plain.len == pub_len && memcmp(plain.text, pub, pub_len) == 0);
    FUZZ_CHECK(off.len == pub_len && memcmp(off.text, pub, pub_len) == 0);
    FUZZ_CHECK(off.text[off.len] == '\0');
    check_offsets(&off, text, size, valid);

    /* Reusing the buffers (as the tokenizer and the decider do) gives
     * the same result: normalize something else, then this again. */
    FUZZ_CHECK(fsi_normalize(&off, "ＡＢ  說", strlen("ＡＢ  說"), 1) ==
               FORUM_OK);
    FUZZ_CHECK(fsi_normalize(&off, text, size, 1) == FORUM_OK);
    FUZZ_CHECK(off.len == pub_len && memcmp(off.text, pub, pub_len) == 0);
    check_offsets(&off, text, size, valid);

    /* The tokenizer, both flag sets; once to the end, once stopped.
     * One tokenizer for the whole run, as the indexer keeps one: its
     * ICU word break iterator is costly to open. */
    static forum_tokenizer_t *tok;
    if (tok == NULL)
        FUZZ_CHECK(forum_tokenizer_create(&tok) == FORUM_OK && tok != NULL);
    for (int flags = 0; flags <= 1; flags++) {
        sink_t sink = {text, size, valid, tok, 0, 0};
        int stopped_with = -1;
        int rc = forum_tokenize(tok, text, size, flags, on_token, &sink,
                                &stopped_with);
        FUZZ_CHECK(rc == FORUM_OK && stopped_with == 0);
        /* The tokenizer normalized into its own buffer: the same text. */
        const fsi_normalized_t *tn = fsi_tokenizer_normalized(tok);
        FUZZ_CHECK(tn->len == pub_len && memcmp(tn->text, pub, pub_len) == 0);
        size_t all = sink.n_tokens;
        if (all > 0) {
            sink_t stop = {text, size, valid, tok, 0, (size % all) + 1};
            rc = forum_tokenize(tok, text, size, flags, on_token, &stop,
                                &stopped_with);
            FUZZ_CHECK(rc == FORUM_ECANCELLED && stopped_with == STOP_VALUE);
            FUZZ_CHECK(stop.n_tokens == stop.stop_at);
        }
    }

    fsi_normalized_free(&plain);
    fsi_normalized_free(&off);
    forum_free(pub);
    return 0;
}
