/* The analyzer: normalization (with offsets back to the original) and
 * tokens, as tables of input -> expected output (FTS5 style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "buf.h"
#include "normalize.h"
#include "pattern.h"
#include "schema.h"
#include "testutil.h"
#include "utf8.h"

#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

static void test_normalize(void)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"ＯｐｅｎＡＩ", "openai"},
        {"OpenAI", "openai"},
        {"馬斯克說", "马斯克说"},
        {"臺灣資訊軟體", "台湾资讯软体"},
        {"２０２５年", "2025年"},
        {"a  \t\n b", "a b"},
        {"全角　空格", "全角 空格"},
        {"Straße", "strasse"},
        {"e\xCC\x81", "\xC3\xA9"},          /* e + combining acute = é */
        {"\xEF\xA4\x80", "岂"}, /* U+F900 -> 豈 (NFKC) -> 岂 (T->S) */
        {"bad\xFFutf8", "bad\xEF\xBF\xBDutf8"},
        {"\xE4\xBD", "\xEF\xBF\xBD\xEF\xBF\xBD"}, /* truncated sequence */
        {"", ""},
    };
    PHASE("normalize");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *out;
        size_t len;
        CHECK_EQ_INT(forum_normalize(&out, &len, rows[i].in,
                                     strlen(rows[i].in)), FORUM_OK);
        CHECK_EQ_STR(out, rows[i].out);
        CHECK_EQ_INT(len, strlen(rows[i].out));
        forum_free(out);
    }

    PHASE("normalize keeps offsets to the original bytes");
    fsi_normalized_t n = FSI_NORMALIZED_INIT;
    const char *text = "ＡＩ說e\xCC\x81  x";
    CHECK_EQ_INT(fsi_normalize(&n, text, strlen(text), 1), FORUM_OK);
    CHECK_EQ_STR(n.text, "ai说\xC3\xA9 x");
    CHECK_EQ_INT(n.src_start[0], 0);   /* a <- Ａ (3 bytes) */
    CHECK_EQ_INT(n.src_end[0], 3);
    CHECK_EQ_INT(n.src_start[2], 6);   /* 说 <- 說 */
    CHECK_EQ_INT(n.src_end[4], 9);
    CHECK_EQ_INT(n.src_start[5], 9);   /* é <- e + U+0301 */
    CHECK_EQ_INT(n.src_end[6], 12);
    CHECK_EQ_INT(n.src_start[7], 12);  /* one space for two */
    CHECK_EQ_INT(n.src_end[7], 14);
    CHECK_EQ_INT(n.src_start[n.len], strlen(text));

    PHASE("one buffer, with and without offsets in turn (found by fuzzing)");
    char big[1001];
    memset(big, 'a', 1000);
    big[1000] = '\0';
    CHECK_EQ_INT(fsi_normalize(&n, big, 300, 1), FORUM_OK);
    CHECK_EQ_INT(fsi_normalize(&n, big, 1000, 0), FORUM_OK);
    CHECK_EQ_INT(fsi_normalize(&n, big, 800, 1), FORUM_OK);
    CHECK_EQ_INT(n.src_end[799], 800);
    fsi_normalized_free(&n);
}

/* The reference: ICU's NFKC_Casefold over the whole string, then the
 * Traditional->Simplified table and white-space collapsing, code point
 * by code point. fsi_normalize() takes shortcuts; it must agree. */
static char *reference_normalize(const char *text, size_t len)
{
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&err);
    UChar *in = malloc((len + 1) * sizeof *in);
    int32_t in_len = 0;
    u_strFromUTF8Lenient(in, (int32_t)len + 1, &in_len, text, (int32_t)len,
                         &err);
    int32_t cap = in_len * 18 + 16;
    UChar *res = malloc((size_t)cap * sizeof *res);
    int32_t res_len = unorm2_normalize(nfkc_cf, in, in_len, res, cap, &err);
    CHECK(U_SUCCESS(err));
    fsi_buf_t out = FSI_BUF_INIT;
    int space = 0;
    for (int32_t i = 0; i < res_len;) {
        UChar32 c;
        U16_NEXT(res, i, res_len, c);
        if (u_isUWhiteSpace(c)) {
            if (!space)
                fsi_buf_append_char(&out, ' ');
            space = 1;
            continue;
        }
        space = 0;
        char bytes[4];
        fsi_buf_append(&out, bytes, fsi_utf8_encode(fsi_t2s((uint32_t)c),
                                                    bytes));
    }
    free(in);
    free(res);
    return fsi_buf_steal(&out, NULL);
}

static void check_against_reference(const char *text, size_t len)
{
    char *ours;
    size_t ours_len;
    CHECK_EQ_INT(forum_normalize(&ours, &ours_len, text, len), FORUM_OK);
    char *ref = reference_normalize(text, len);
    if (strcmp(ours, ref) != 0)
        TEST_FAIL("normalize(\"%.*s\"): \"%s\" != reference \"%s\"",
                  (int)len, text, ours, ref);
    forum_free(ours);
    free(ref);
}

/* 1 to most pieces drawn at random (an LCG from *seed) into text, which
 * must hold most times the longest piece; returns its length. */
static size_t random_text(char *text, const char *const *pieces,
                          size_t n_pieces, int most, unsigned *seed)
{
    size_t len = 0;
    int n = 1 + (int)((*seed = *seed * 1103515245 + 12345) >> 16) % most;
    for (int i = 0; i < n; i++) {
        *seed = *seed * 1103515245 + 12345;
        const char *p = pieces[(*seed >> 16) % n_pieces];
        memcpy(text + len, p, strlen(p));
        len += strlen(p);
    }
    return len;
}

static void test_normalize_reference(void)
{
    PHASE("every BMP character, alone and before a combining mark, "
          "agrees with ICU's reference");
    for (uint32_t c = 1; c < 0x10000; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        char text[16];
        size_t n = fsi_utf8_encode(c, text);
        check_against_reference(text, n);
        memcpy(text + n, "\xCC\x81", 2); /* U+0301 */
        check_against_reference(text, n + 2);
        text[n] = 'A';
        check_against_reference(text, n + 1);
    }
    PHASE("random mixtures agree with the reference");
    static const char *const pieces[] = {
        "马", "馬", "說", "ｏ", "Ｏ", "A", "e", "\xCC\x81", "\xCC\xA3",
        " ", "\xE3\x80\x80", "\n", "ß", "ﬁ", "①", "㍿", "\xEF\xA4\x80",
        "한", "\xE1\x84\x80", "\xE1\x85\xA1", "か", "\xE3\x82\x99",
        "😂", "\xE2\x80\x8D", "İ", "Σ", "ς", "\xC2\xA0", "。", "5"};
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        char text[256];
        size_t len = random_text(text, pieces,
                                 sizeof pieces / sizeof pieces[0], 8, &seed);
        check_against_reference(text, len);
    }
}

/* fsi_pattern_in_raw() is a shortcut: when it says the raw text holds
 * a pattern, the reference normalization of the text must hold it. */
static void test_raw_patterns(void)
{
    PHASE("a pattern found in raw text is in its normalized text");
    static const char *const patterns[] = {"file", "字符串", "符串", "5",
                                           "a b", "说话"};
    static const char *const pieces[] = {
        "file", "字符串", "字符", "串", "，", "。", "①", "Ｓ", "s", "5",
        "５", "\xCC\x81", "\xE3\x82\x99", " ", "a b", "A", "說", "说话",
        "\xEF\xBC\x88", "㍿", "ﬁ", "\xC2\xA0", "b"};
    unsigned seed = 4242;
    int found = 0;
    for (int round = 0; round < 60000; round++) {
        char text[256];
        size_t len = random_text(text, pieces,
                                 sizeof pieces / sizeof pieces[0], 7, &seed);
        char *ref = reference_normalize(text, len);
        for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
            fsi_pattern_t pat;
            CHECK_EQ_INT(fsi_pattern_init(&pat, patterns[k],
                                          strlen(patterns[k])),
                         FORUM_OK);
            if (pat.raw_comparable && fsi_pattern_in_raw(&pat, text, len)) {
                found++;
                if (fsi_pattern_find(&pat, ref, strlen(ref), 0) ==
                    (size_t)-1)
                    TEST_FAIL("\"%s\" in raw \"%.*s\", not in \"%s\"",
                              patterns[k], (int)len, text, ref);
            }
            free(pat.text);
        }
        free(ref);
    }
    CHECK(found > 10000);
}

static fsi_buf_t got = FSI_BUF_INIT;

static int record(void *payload, forum_token_kind_t kind, const char *token,
                  size_t len, size_t start, size_t end)
{
    static const char kinds[] = {'w', 'n', 'z', 'j'};
    (void)payload;
    fsi_buf_printf(&got, "%c:%.*s@%zu-%zu ", kinds[kind], (int)len, token,
                   start, end);
    return 0;
}

static const char *tokens(forum_tokenizer_t *tok, const char *text,
                          int flags)
{
    got.len = 0;
    fsi_buf_append(&got, "", 0);
    CHECK_EQ_INT(forum_tokenize(tok, text, strlen(text), flags, record,
                                NULL, NULL), FORUM_OK);
    if (got.len)
        got.data[--got.len] = '\0';
    return got.data;
}

static int stop_at_second(void *payload, forum_token_kind_t kind,
                          const char *token, size_t len, size_t start,
                          size_t end)
{
    int *calls = payload;
    (void)kind, (void)token, (void)len, (void)start, (void)end;
    return ++*calls == 2 ? 42 : 0;
}

static int stop_with_one(void *payload, forum_token_kind_t kind,
                         const char *token, size_t len, size_t start,
                         size_t end)
{
    int *calls = payload;
    (void)kind, (void)token, (void)len, (void)start, (void)end;
    return ++*calls == 1;
}

static void test_tokenize(void)
{
    forum_tokenizer_t *tok;
    CHECK_EQ_INT(forum_tokenizer_create(&tok), FORUM_OK);

    /* Documents: every n-gram, words, and aligned n-grams (z:). ICU
     * splits 马斯克向川普 as 马|斯克|向川|普 — 川普 is not aligned there,
     * but it is still an n-gram, so it is found. */
    static const struct {
        const char *in, *out;
    } docs[] = {
        {"川普", "n:川@0-3 n:川普@0-6 z:川普@0-6 n:普@3-6"},
        {"OpenAI的", "w:openai@0-6 j:openai的@0-9 n:的@6-9"},
        {"ＧＰＵ价格", "w:gpu@0-9 j:gpu价@0-12 n:价@9-12 n:价格@9-15 z:价格@9-15 "
                       "n:格@12-15"},
        {"OpenAI's x.ai", "w:openai@0-6 w:s@7-8 w:x@9-10 w:ai@11-13"},
        {"說話", "n:说@0-3 n:说话@0-6 z:说话@0-6 n:话@3-6"},
        {"😂 ok", "w:ok@5-7"},
        {"", ""},
        {"\xFF\xFE", ""},
    };
    const char *t0;
    PHASE("document tokens");
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        CHECK_EQ_STR(tokens(tok, docs[i].in, FORUM_TOKENIZE_DOCUMENT),
                     docs[i].out);

    PHASE("junctions: a word and the CJK character against it");
    t0 = tokens(tok, "2024年3月 x中 中y's中", FORUM_TOKENIZE_DOCUMENT);
    CHECK(strstr(t0, "j:2024年@0-7") != NULL);
    CHECK(strstr(t0, "j:年3@4-8") != NULL);
    CHECK(strstr(t0, "j:3月@7-11") != NULL);
    CHECK(strstr(t0, "j:x中@12-16") != NULL);
    CHECK(strstr(t0, "j:中y@17-21") != NULL); /* Not y中: ' between. */
    CHECK(strstr(t0, "j:s中@22-26") != NULL);
    CHECK(strstr(t0, "j:y中") == NULL);
    CHECK(strstr(tokens(tok, "x 中 😂y", FORUM_TOKENIZE_DOCUMENT), "j:") ==
          NULL);

#if FSI_SPACE_JUNCTIONS
    /* The analyzer sees the normalized text, where every run of white
     * space (two spaces, a tab, a line break, U+3000) is one space: a
     * quoted "不会 显示" matches all of them, so all make the junction
     * (its source range spans the whole run). */
    PHASE("junctions: two CJK characters across one space");
    CHECK_EQ_STR(tokens(tok, "会 显", FORUM_TOKENIZE_DOCUMENT),
                 "n:会@0-3 j:会 显@0-7 n:显@4-7");
    static const struct {
        const char *in, *junction;
    } spaced[] = {
        {"不会 显示", "j:会 显@3-10"},
        {"不会  显示", "j:会 显@3-11"},
        {"不会\t\n 显示", "j:会 显@3-12"},
        {"不会\n显示", "j:会 显@3-10"},
        {"不会\xE3\x80\x80显示", "j:会 显@3-12"}, /* U+3000 */
        {"不會 顯示", "j:会 显@3-10"},
        {"第一 二 三", "j:一 二@3-10 n:二@7-10 j:二 三@7-14"},
        {"\xF0\xA0\x80\x80 显", "j:\xF0\xA0\x80\x80 显@0-8"}, /* U+20000 */
    };
    for (size_t i = 0; i < sizeof spaced / sizeof spaced[0]; i++) {
        t0 = tokens(tok, spaced[i].in, FORUM_TOKENIZE_DOCUMENT);
        CHECK(strstr(t0, spaced[i].junction) != NULL);
    }
    /* Not across a word, punctuation, a symbol, or the lack of a
     * space: the bigram 会显 is another term. */
    static const char *const unspaced[] = {
        "不会 linux 显示", "不会 7 显示", "不会，显示", "不会, 显示",
        "不会 , 显示", "不会 😂 显示", "不会显示", "不会 ", " 显示",
        "不会 x", "x 显示",
    };
    for (size_t i = 0; i < sizeof unspaced / sizeof unspaced[0]; i++) {
        t0 = tokens(tok, unspaced[i], FORUM_TOKENIZE_DOCUMENT);
        CHECK(strstr(t0, "j:") == NULL);
    }
#endif

    PHASE("马斯克向川普: 川普 is an n-gram but not aligned");
    const char *t = tokens(tok, "马斯克向川普", FORUM_TOKENIZE_DOCUMENT);
    CHECK(strstr(t, "n:川普@12-18") != NULL);
    CHECK(strstr(t, "z:川普") == NULL);
    CHECK(strstr(t, "z:斯克@3-9") != NULL);

    PHASE("川普今天: 川普 is aligned; 四川普通话: it is not");
    t = tokens(tok, "川普今天说", FORUM_TOKENIZE_DOCUMENT);
    CHECK(strstr(t, "z:川普@0-6") != NULL);
    t = tokens(tok, "四川普通话", FORUM_TOKENIZE_DOCUMENT);
    CHECK(strstr(t, "n:川普@3-9") != NULL);
    CHECK(strstr(t, "z:川普") == NULL);

    static const struct {
        const char *in, *out;
    } queries[] = {
        {"川", "n:川@0-3"},
        {"川普", "n:川普@0-6 z:川普@0-6"},
#if FSI_NGRAM_MAX == 3
        {"马斯克", "n:马斯克@0-9 z:马斯克@0-9"},
        {"马斯克向川普", "n:马斯克@0-9 n:向川普@9-18"},
        {"人工智能", "n:人工智@0-9 n:工智能@3-12"},
        {"馬斯克說", "n:马斯克@0-9 n:斯克说@3-12"},
#else
        /* Every bigram (they overlap). */
#if FSI_ALIGNED_MAX >= 3
        {"马斯克", "n:马斯@0-6 n:斯克@3-9 z:马斯克@0-9"},
#else
        {"马斯克", "n:马斯@0-6 n:斯克@3-9"},
#endif
        {"马斯克向川普", "n:马斯@0-6 n:斯克@3-9 n:克向@6-12 n:向川@9-15 "
                         "n:川普@12-18"},
        {"人工智能", "n:人工@0-6 n:工智@3-9 n:智能@6-12"},
        {"馬斯克說", "n:马斯@0-6 n:斯克@3-9 n:克说@6-12"},
#endif
        {"ＯｐｅｎＡＩ的", "w:openai@0-18 j:openai的@0-21 n:的@18-21"},
        {"那麼psql", "w:psql@6-10 j:么psql@3-10 n:那么@0-6 z:那么@0-6"},
        {"Linux 允许", "w:linux@0-5 n:允许@6-12 z:允许@6-12"},
#if FSI_SPACE_JUNCTIONS
        /* A quoted phrase's text; unquoted, the parser makes each
         * side a word of its own, without the space. */
        {"不会 显示", "n:不会@0-6 z:不会@0-6 j:会 显@3-10 n:显示@7-13 "
                      "z:显示@7-13"},
        {"开始  部分吧", "n:开始@0-6 z:开始@0-6 j:始 部@3-11 n:部分@8-14 "
                        "n:分吧@11-17"},
        {"不会 linux", "w:linux@7-12 n:不会@0-6 z:不会@0-6"},
#else
        {"不会 显示", "n:不会@0-6 z:不会@0-6 n:显示@7-13 z:显示@7-13"},
#endif
    };
    PHASE("query tokens");
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        CHECK_EQ_STR(tokens(tok, queries[i].in, FORUM_TOKENIZE_QUERY),
                     queries[i].out);

    PHASE("a callback's nonzero return stops, apart from the status");
    int calls = 0, stopped_with = -1;
    CHECK_EQ_INT(forum_tokenize(tok, "川普今天", 12, 0, stop_at_second,
                                &calls, &stopped_with), FORUM_ECANCELLED);
    CHECK_EQ_INT(calls, 2);
    CHECK_EQ_INT(stopped_with, 42);
    /* A callback returning 1 (FORUM_ITER_DONE's value) is still a stop,
     * not a status. */
    calls = 0;
    CHECK_EQ_INT(forum_tokenize(tok, "川普今天", 12, 0, stop_with_one,
                                &calls, &stopped_with), FORUM_ECANCELLED);
    CHECK_EQ_INT(stopped_with, 1);
    CHECK_EQ_INT(forum_tokenize(tok, "川普今天", 12, 0, record, NULL,
                                &stopped_with), FORUM_OK);
    CHECK_EQ_INT(stopped_with, 0);

    PHASE("bad arguments");
    CHECK_EQ_INT(forum_tokenize(NULL, "x", 1, 0, record, NULL, NULL),
                 FORUM_EINVAL);
    CHECK_EQ_INT(forum_tokenize(tok, NULL, 1, 0, record, NULL, NULL),
                 FORUM_EINVAL);
    CHECK_EQ_INT(forum_tokenize(tok, "x", 1, 0, NULL, NULL, NULL),
                 FORUM_EINVAL);
    forum_tokenizer_destroy(tok);
    forum_tokenizer_destroy(NULL);
}

int main(void)
{
    test_normalize();
    test_normalize_reference();
    test_raw_patterns();
    test_tokenize();
    fsi_buf_free(&got);
    fprintf(stderr, "test_analyze: all passed\n");
    return 0;
}
