/* forumsearch — the analyzer: ICU word breaking plus CJK n-grams.
 *
 * Why n-grams: ICU's dictionary segmentation depends on context (it
 * splits 马斯克向川普 as 马|斯克|向川|普), so an index of ICU words alone
 * cannot find 川普 there. Every CJK run is therefore indexed as its
 * unigrams and bigrams (no positions); a query of one or two characters
 * is one exact term, a longer one is the AND of its bigrams, verified
 * against the stored text. ICU's word boundaries are
 * used for ranking only: an n-gram that starts and ends on a boundary is
 * also indexed as an ALIGNED term (川普 in 川|普|今天, but not in
 * 四川|普通|话), and a query boosts posts that have it.
 *
 * Junctions help queries whose parts each have many posts: a word and
 * the CJK character written against it (linux允 in Linux允许) and two
 * CJK characters with one space between them (会 显 in 不会 显示) are
 * terms too, which a query holding them requires without weight.
 */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include "schema.h"
#include "utf8.h"

struct forum_tokenizer {
    UBreakIterator *breaker;
    fsi_normalized_t norm;
    unsigned char *boundary; /* boundary[i]: an ICU word boundary at byte i. */
    size_t boundary_cap;
    /* Byte offsets of the characters of the current CJK run. */
    size_t *run;
    size_t run_cap;
};

forum_status_t forum_tokenizer_create(forum_tokenizer_t **out)
{
    if (out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    forum_tokenizer_t *tok = calloc(1, sizeof *tok);
    if (tok == NULL)
        return FORUM_ENOMEM;
    UErrorCode err = U_ZERO_ERROR;
    tok->breaker = ubrk_open(UBRK_WORD, "zh", NULL, 0, &err);
    if (U_FAILURE(err)) {
        free(tok);
        return err == U_MEMORY_ALLOCATION_ERROR ? FORUM_ENOMEM
                                                 : FORUM_EINTERNAL;
    }
    *out = tok;
    return FORUM_OK;
}

void forum_tokenizer_destroy(forum_tokenizer_t *tok)
{
    if (tok == NULL)
        return;
    ubrk_close(tok->breaker);
    fsi_normalized_free(&tok->norm);
    free(tok->boundary);
    free(tok->run);
    free(tok);
}

const fsi_normalized_t *fsi_tokenizer_normalized(const forum_tokenizer_t *tok)
{
    return &tok->norm;
}

static int reserve(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *grown = realloc(*array, n * size);
    if (grown == NULL)
        return -1;
    *array = grown;
    *cap = n;
    return 0;
}

static int segment_has_cjk(const char *text, size_t start, size_t end)
{
    for (size_t pos = start; pos < end;) {
        if ((unsigned char)text[pos] < 0x80) {
            pos++;
            continue;
        }
        if (fsi_is_cjk(fsi_utf8_next(text, end, &pos)))
            return 1;
    }
    return 0;
}

/* The CJK character that ends just before byte `at`, as [*start, at),
 * or 0 when the character there is not CJK (or there is none). */
static int cjk_before(const fsi_normalized_t *norm, size_t at, size_t *start)
{
    if (at == 0)
        return 0;
    size_t pos = at - 1;
    while (pos > 0 && at - pos < 4 &&
           ((unsigned char)norm->text[pos] & 0xC0) == 0x80)
        pos--;
    size_t next = pos;
    if (!fsi_is_cjk(fsi_utf8_next(norm->text, norm->len, &next)) ||
        next != at)
        return 0;
    *start = pos;
    return 1;
}

/* The end of the CJK character that starts at byte `at`, or 0. */
static size_t cjk_after(const fsi_normalized_t *norm, size_t at)
{
    size_t next = at;
    if (at >= norm->len ||
        !fsi_is_cjk(fsi_utf8_next(norm->text, norm->len, &next)))
        return 0;
    return next;
}

/* Reports a word run [a, b) and the junctions it makes with a CJK
 * character written against it (linux允 in Linux允许, 么psql in
 * 那么psql), so a query that mixes scripts finds few candidates to
 * verify instead of every post with both parts. */
static int emit_word(const fsi_normalized_t *norm, size_t a, size_t b,
                     fsi_token_fn cb, void *payload)
{
    int rc = cb(payload, FORUM_TOKEN_WORD, norm, a, b);
    if (!FSI_JUNCTIONS || rc != 0)
        return rc;
    size_t start, end;
    if (cjk_before(norm, a, &start))
        rc = cb(payload, FORUM_TOKEN_JUNCTION, norm, start, b);
    if (rc == 0 && (end = cjk_after(norm, b)) != 0)
        rc = cb(payload, FORUM_TOKEN_JUNCTION, norm, a, end);
    return rc;
}

/* Reports the maximal runs of letters and digits of one ICU word:
 * ICU keeps "openai's" and "x.ai" whole, but a reader who sees OpenAI's
 * expects a search for openai to find it. */
static int emit_word_runs(const fsi_normalized_t *norm, size_t a, size_t b,
                          fsi_token_fn cb, void *payload)
{
    size_t run = (size_t)-1;
    for (size_t pos = a; pos <= b;) {
        size_t here = pos;
        int word = 0;
        if (pos < b)
            word = fsi_is_word_char(fsi_utf8_next(norm->text, b, &pos));
        else
            pos++;
        if (word && run == (size_t)-1)
            run = here;
        if (!word && run != (size_t)-1) {
            if (here - run <= FSI_MAX_WORD_BYTES) {
                int rc = emit_word(norm, run, here, cb, payload);
                if (rc != 0)
                    return rc;
            }
            run = (size_t)-1;
        }
    }
    return 0;
}

/* Runs ICU word breaking: reports Latin/digit words and records every
 * boundary for the alignment of CJK n-grams. */
static int break_words(forum_tokenizer_t *tok, int want_words,
                       fsi_token_fn cb, void *payload)
{
    const fsi_normalized_t *norm = &tok->norm;
    UErrorCode err = U_ZERO_ERROR;
    UText *ut = utext_openUTF8(NULL, norm->text, (int64_t)norm->len, &err);
    ubrk_setUText(tok->breaker, ut, &err);
    /* The break iterator keeps its own clone of the UText; the text
     * buffer (tok->norm) outlives this function's use of it. */
    utext_close(ut);
    if (U_FAILURE(err))
        return FORUM_EINTERNAL;

    memset(tok->boundary, 0, norm->len + 1);
    int32_t start = ubrk_first(tok->breaker);
    tok->boundary[start] = 1;
    for (int32_t end = ubrk_next(tok->breaker); end != UBRK_DONE;
         start = end, end = ubrk_next(tok->breaker)) {
        tok->boundary[end] = 1;
        if (!want_words ||
            ubrk_getRuleStatus(tok->breaker) < UBRK_WORD_NONE_LIMIT)
            continue;
        size_t a = (size_t)start, b = (size_t)end;
        if (segment_has_cjk(norm->text, a, b))
            continue;
        int rc = emit_word_runs(norm, a, b, cb, payload);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Reports the n-grams of the CJK run whose character offsets are in
 * tok->run[0..n) and which ends at byte run_end. */
static int emit_run(forum_tokenizer_t *tok, size_t n, size_t run_end,
                    int flags, fsi_token_fn cb, void *payload)
{
    const size_t *at = tok->run;
    const fsi_normalized_t *norm = &tok->norm;
    int rc = 0;
#define CHAR_END(i) ((i) + 1 < n ? at[(i) + 1] : run_end)

    const size_t g = FSI_NGRAM_MAX;
    if (flags & FORUM_TOKENIZE_QUERY) {
        if (n <= g) {
            rc = cb(payload, FORUM_TOKEN_NGRAM, norm, at[0], run_end);
            if (rc == 0 && n >= 2 && n <= FSI_ALIGNED_MAX)
                rc = cb(payload, FORUM_TOKEN_ALIGNED, norm, at[0], run_end);
            return rc;
        }
        /* Longest n-grams every FSI_QUERY_STEP characters, plus the
         * last one. */
        for (size_t i = 0; rc == 0 && i + g <= n; i += FSI_QUERY_STEP)
            rc = cb(payload, FORUM_TOKEN_NGRAM, norm, at[i],
                    CHAR_END(i + g - 1));
        if (rc == 0 && (n - g) % FSI_QUERY_STEP != 0)
            rc = cb(payload, FORUM_TOKEN_NGRAM, norm, at[n - g], run_end);
        if (rc == 0 && n == 3 && FSI_ALIGNED_MAX >= 3) /* For ranking. */
            rc = cb(payload, FORUM_TOKEN_ALIGNED, norm, at[0], run_end);
        return rc;
    }

    const size_t longest = g > FSI_ALIGNED_MAX ? g : FSI_ALIGNED_MAX;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t len = 1; rc == 0 && len <= longest && i + len <= n;
             len++) {
            if (len > g) { /* Only the aligned form of a longer n-gram. */
                size_t end = CHAR_END(i + len - 1);
                if (tok->boundary[at[i]] && tok->boundary[end])
                    rc = cb(payload, FORUM_TOKEN_ALIGNED, norm, at[i], end);
                continue;
            }
            size_t end = CHAR_END(i + len - 1);
            rc = cb(payload, FORUM_TOKEN_NGRAM, norm, at[i], end);
            if (rc == 0 && len >= 2 && len <= FSI_ALIGNED_MAX &&
                tok->boundary[at[i]] && tok->boundary[end])
                rc = cb(payload, FORUM_TOKEN_ALIGNED, norm, at[i], end);
        }
    }
#undef CHAR_END
    return rc;
}

/* Reports the junction of a CJK run's last character, at byte last,
 * with the CJK character after one space (会 显 in 不会 显示; a line
 * break is a space too once normalized), so a quoted phrase with a
 * space between CJK words finds the posts with that sequence instead of
 * every post with both sides. */
static int emit_space_junction(const fsi_normalized_t *norm, size_t last,
                               size_t run_end, fsi_token_fn cb,
                               void *payload)
{
    size_t end;
    if (!FSI_SPACE_JUNCTIONS || run_end >= norm->len ||
        norm->text[run_end] != ' ' ||
        (end = cjk_after(norm, run_end + 1)) == 0)
        return 0;
    return cb(payload, FORUM_TOKEN_JUNCTION, norm, last, end);
}

static int emit_cjk_runs(forum_tokenizer_t *tok, int flags, fsi_token_fn cb,
                         void *payload)
{
    const fsi_normalized_t *norm = &tok->norm;
    size_t n = 0;
    for (size_t pos = 0; pos <= norm->len;) {
        size_t start = pos;
        int cjk = 0;
        if (pos < norm->len) {
            if ((unsigned char)norm->text[pos] < 0x80)
                pos++;
            else
                cjk = fsi_is_cjk(fsi_utf8_next(norm->text, norm->len, &pos));
        }
        if (cjk) {
            if (reserve((void **)&tok->run, &tok->run_cap, n + 1,
                        sizeof *tok->run) != 0)
                return FORUM_ENOMEM;
            tok->run[n++] = start;
            continue;
        }
        if (n > 0) {
            int rc = emit_run(tok, n, start, flags, cb, payload);
            if (rc == 0)
                rc = emit_space_junction(norm, tok->run[n - 1], start, cb,
                                         payload);
            if (rc != 0)
                return rc;
            n = 0;
        }
        if (pos == norm->len && start == norm->len)
            break;
    }
    return 0;
}

int fsi_analyze_normalized(forum_tokenizer_t *tok, int flags, fsi_token_fn cb,
                           void *payload)
{
    if (reserve((void **)&tok->boundary, &tok->boundary_cap,
                tok->norm.len + 1, 1) != 0)
        return FORUM_ENOMEM;
    int rc = break_words(tok, 1, cb, payload);
    if (rc == 0)
        rc = emit_cjk_runs(tok, flags, cb, payload);
    return rc;
}

int fsi_analyze(forum_tokenizer_t *tok, const char *text, size_t len,
                int flags, int with_offsets, fsi_token_fn cb, void *payload)
{
    forum_status_t status = fsi_normalize(&tok->norm, text, len,
                                          with_offsets);
    if (status != FORUM_OK)
        return status;
    return fsi_analyze_normalized(tok, flags, cb, payload);
}

typedef struct public_sink {
    forum_token_fn cb;
    void *payload;
    int stopped_with; /* The callback's nonzero return, or 0. */
} public_sink_t;

static int to_public(void *payload, forum_token_kind_t kind,
                     const fsi_normalized_t *norm, size_t start, size_t end)
{
    public_sink_t *sink = payload;
    sink->stopped_with = sink->cb(sink->payload, kind, norm->text + start,
                                  end - start, norm->src_start[start],
                                  norm->src_end[end - 1]);
    return sink->stopped_with != 0;
}

forum_status_t forum_tokenize(forum_tokenizer_t *tok, const char *text,
                              size_t len, int flags, forum_token_fn cb,
                              void *payload, int *stopped_with)
{
    if (stopped_with)
        *stopped_with = 0;
    if (tok == NULL || cb == NULL || (text == NULL && len > 0))
        return FORUM_EINVAL;
    public_sink_t sink = {cb, payload, 0};
    int rc = fsi_analyze(tok, text ? text : "", len, flags, 1, to_public,
                         &sink);
    if (sink.stopped_with != 0) {
        if (stopped_with)
            *stopped_with = sink.stopped_with;
        return FORUM_ECANCELLED;
    }
    return (forum_status_t)rc;
}
