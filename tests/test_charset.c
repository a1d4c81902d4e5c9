/* forumsearch — tests for common/charset.c (fsi_text_to_utf8).
 *
 * The GB18030 and Big5 byte strings were produced with glibc iconv, e.g.
 * `printf '马斯克说' | iconv -f UTF-8 -t GB18030 | xxd -i`, so they do not
 * depend on the ICU code under test.
 */
#include "fsi_input.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <unicode/ucnv.h>

/* A string literal and its length, embedded NULs included. */
#define BYTES(s) s, sizeof(s) - 1

#define FFFD "\xEF\xBF\xBD"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* An independent UTF-8 validator (RFC 3629 table), to check outputs. */
static bool is_valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c == 0xE0) {
            n = 2, lo = 0xA0;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            n = 2;
        } else if (c == 0xED) {
            n = 2, hi = 0x9F;
        } else if (c == 0xF0) {
            n = 3, lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            n = 3;
        } else if (c == 0xF4) {
            n = 3, hi = 0x8F;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += n + 1;
    }
    return true;
}

/* Runs fsi_text_to_utf8 and checks the promises every output keeps:
 * status OK, NUL-terminated, valid UTF-8, no CR, no NUL. */
static char *convert(const char *in, size_t in_len, size_t *out_len,
                     test_diags_t *diags)
{
    char *out = NULL;
    *out_len = 12345;
    memset(diags, 0, sizeof *diags);
    forum_status_t status = fsi_text_to_utf8(&out, out_len, "t.txt", in,
                                             in_len, test_diag_record, diags);
    CHECK_EQ_INT(status, FORUM_OK);
    CHECK(out != NULL);
    CHECK_EQ_INT(out[*out_len], '\0');
    CHECK(is_valid_utf8((const unsigned char *)out, *out_len));
    CHECK(memchr(out, '\r', *out_len) == NULL);
    CHECK_EQ_INT(strlen(out), *out_len);
    return out;
}

/* ------------------------------------------------------------------ */
/* Table of small inputs                                              */
/* ------------------------------------------------------------------ */

typedef struct charset_case {
    const char *name;
    const char *in;
    size_t in_len;
    const char *want;
    size_t want_len;
    const char *diag;      /* A diagnostic that must appear, or NULL. */
    size_t diag_line;
    size_t n_diags;        /* How many diagnostics in all. */
} charset_case_t;

/* Ten valid Chinese characters: enough that a bad sequence after them is
 * plainly damaged UTF-8, not another charset. */
#define ZH10 "中文中文中文中文中文"

static const charset_case_t cases[] = {
    /* Plain UTF-8, BOM, line ends, NULs. */
    {"empty", BYTES(""), BYTES(""), NULL, 0, 0},
    {"ascii", BYTES("hello"), BYTES("hello"), NULL, 0, 0},
    {"utf-8", BYTES("马斯克说\n"), BYTES("马斯克说\n"), NULL, 0, 0},
    {"utf-8 bom", BYTES("\xEF\xBB\xBF中文"), BYTES("中文"), NULL, 0, 0},
    {"utf-8 bom only", BYTES("\xEF\xBB\xBF"), BYTES(""), NULL, 0, 0},
    {"crlf", BYTES("a\r\nb\rc\n"), BYTES("a\nb\nc\n"), NULL, 0, 0},
    {"cr crlf", BYTES("\r\r\n"), BYTES("\n\n"), NULL, 0, 0},
    {"trailing cr", BYTES("a\r"), BYTES("a\n"), NULL, 0, 0},
    {"nul", BYTES("a\0b"), BYTES("ab"), "removed 1 NUL byte", 1, 1},
    {"nuls", BYTES("x\r\ny\0\0z"), BYTES("x\nyz"), "removed 2 NUL bytes", 2,
     1},
    {"only nul", BYTES("\0"), BYTES(""), "removed 1 NUL byte", 1, 1},

    /* UTF-16 and UTF-32 with a BOM. */
    {"utf-16le", BYTES("\xFF\xFE\x2D\x4E\x87\x65\x0D\x00\x0A\x00\x61\x00"),
     BYTES("中文\na"), "converted from UTF-16LE", 0, 1},
    {"utf-16be", BYTES("\xFE\xFF\x4E\x2D\x65\x87\x00\x0A\x00\x61"),
     BYTES("中文\na"), "converted from UTF-16BE", 0, 1},
    {"utf-16le pair", BYTES("\xFF\xFE\x3D\xD8\x00\xDE"), BYTES("😀"),
     "converted from UTF-16LE", 0, 1},
    {"utf-16le bom only", BYTES("\xFF\xFE"), BYTES(""),
     "converted from UTF-16LE", 0, 1},
    {"utf-16le lone surrogate", BYTES("\xFF\xFE\x00\xD8\x61\x00"),
     BYTES(FFFD "a"), "1 invalid sequence replaced with U+FFFD", 0, 1},
    {"utf-16le odd length", BYTES("\xFF\xFE\x61\x00\x62"), BYTES("a" FFFD),
     "1 invalid sequence replaced", 0, 1},
    {"utf-16le nul char", BYTES("\xFF\xFE\x61\x00\x00\x00\x62\x00"),
     BYTES("ab"), "removed 1 NUL byte", 1, 2},
    {"utf-32le", BYTES("\xFF\xFE\x00\x00\x2D\x4E\x00\x00\x00\xF6\x01\x00"),
     BYTES("中😀"), "converted from UTF-32LE", 0, 1},
    {"utf-32be", BYTES("\x00\x00\xFE\xFF\x00\x00\x4E\x2D\x00\x01\xF6\x00"),
     BYTES("中😀"), "converted from UTF-32BE", 0, 1},
    /* FF FE 00 00 but a length that is not a multiple of four: UTF-16LE
     * starting with U+0000. */
    {"utf-16le not 32", BYTES("\xFF\xFE\x00\x00\x61\x00"), BYTES("a"),
     "converted from UTF-16LE", 0, 2},

    /* UTF-16 without a BOM. */
    {"utf-16le no bom",
     BYTES("h\0e\0l\0l\0o\0 \0\x2D\x4E"), BYTES("hello 中"),
     "converted from UTF-16LE (no byte order mark)", 0, 1},
    {"utf-16be no bom", BYTES("\0h\0i\0\n\x4E\x2D"), BYTES("hi\n中"),
     "converted from UTF-16BE (no byte order mark)", 0, 1},

    /* GB18030. */
    {"gb18030 short", BYTES("\xc2\xed\xcb\xb9\xbf\xcb\xcb\xb5"),
     BYTES("马斯克说"), "converted from GB18030", 0, 1},
    {"gb18030 sentence",
     BYTES("\xc2\xed\xcb\xb9\xbf\xcb\xcb\xb5\xcb\xfb\xc3\xc7\xca\xb5\xbc\xca"
           "\xc9\xcf\xc3\xbb\xd3\xd0\xc7\xae\xa1\xa3"),
     BYTES("马斯克说他们实际上没有钱。"), "converted from GB18030", 0, 1},
    {"gb18030 four-byte", BYTES("\x94\x39\xfc\x36\xc2\xed\xcb\xb9"),
     BYTES("😀马斯"), "converted from GB18030", 0, 1},
    {"gb18030 crlf", BYTES("\xc2\xed\r\n\xcb\xb9\r"), BYTES("马\n斯\n"),
     "converted from GB18030", 0, 1},
    {"gb18030 mixed ascii",
     BYTES("OpenAI \xb4\xa8\xc6\xd5\xb5\xda\xd2\xbb\xc8\xce 2025\n"),
     BYTES("OpenAI 川普第一任 2025\n"), "converted from GB18030", 0, 1},

    /* Big5. */
    {"big5 short", BYTES("\xb0\xa8\xb4\xb5\xa7\x4a\xbb\xa1"),
     BYTES("馬斯克說"), "converted from Big5", 0, 1},
    {"big5 sentence",
     BYTES("\xb0\xa8\xb4\xb5\xa7\x4a\xbb\xa1\xa5\x4c\xad\xcc\xb9\xea\xbb\xda"
           "\xa4\x57\xa8\x53\xa6\xb3\xbf\xfa\xa1\x43"),
     BYTES("馬斯克說他們實際上沒有錢。"), "converted from Big5", 0, 1},

    /* Latin-1 text the detector is sure about. */
    {"latin-1",
     BYTES("Caf\xe9 cr\xe8me br\xfbl\xe9\x65 et le th\xe9\xe2tre de la "
           "soci\xe9t\xe9 fran\xe7\x61ise"),
     BYTES("Café crème brûlée et le théâtre de la société française"),
     "converted from ISO-8859-1", 0, 1},

    /* Bytes that are no charset at all. */
    {"junk end", BYTES("abc\xff"), BYTES("abc" FFFD),
     "invalid UTF-8 (1 bad byte); replaced with U+FFFD", 1, 1},
    {"junk line 3", BYTES("a\nb\r\nc\xff\xfe\xff"),
     BYTES("a\nb\nc" FFFD FFFD FFFD),
     "invalid UTF-8 (3 bad bytes)", 3, 1},
    {"junk only", BYTES("\x80\x80\x80"), BYTES(FFFD FFFD FFFD),
     "invalid UTF-8 (3 bad bytes)", 1, 1},

    /* Damaged UTF-8: maximal subparts become one U+FFFD each. */
    {"truncated at end", BYTES(ZH10 "\xe4\xb8"), BYTES(ZH10 FFFD),
     "invalid UTF-8 (2 bad bytes)", 1, 1},
    {"truncated short", BYTES("中\xe4\xb8"), BYTES("中" FFFD),
     "invalid UTF-8 (2 bad bytes)", 1, 1},
    {"truncated emoji", BYTES(ZH10 "\xf0\x9f\x98"), BYTES(ZH10 FFFD),
     "invalid UTF-8 (3 bad bytes)", 1, 1},
    {"truncated middle", BYTES(ZH10 "\xe4\xb8x"), BYTES(ZH10 FFFD "x"),
     "(2 bad bytes)", 1, 1},
    {"bad trail", BYTES(ZH10 "\xe1\x80\x41"), BYTES(ZH10 FFFD "A"),
     "(2 bad bytes)", 1, 1},
    {"overlong 3", BYTES(ZH10 "\xf0\x80\x80"), BYTES(ZH10 FFFD FFFD FFFD),
     "(3 bad bytes)", 1, 1},
    {"overlong 2", BYTES(ZH10 "\xc0\xaf"), BYTES(ZH10 FFFD FFFD),
     "(2 bad bytes)", 1, 1},
    {"surrogate", BYTES(ZH10 "\xed\xa0\x80"), BYTES(ZH10 FFFD FFFD FFFD),
     "(3 bad bytes)", 1, 1},
    {"above 10ffff", BYTES(ZH10 "\xf4\x90\x80\x80"),
     BYTES(ZH10 FFFD FFFD FFFD FFFD), "(4 bad bytes)", 1, 1},
    {"f5", BYTES(ZH10 "\xf5"), BYTES(ZH10 FFFD), "(1 bad byte)", 1, 1},
    {"bad line 4",
     BYTES("中文\n中文\r\n中文\r" ZH10 "\xff\n" ZH10 "\xff"),
     BYTES("中文\n中文\n中文\n" ZH10 FFFD "\n" ZH10 FFFD),
     "invalid UTF-8 (2 bad bytes)", 4, 1},
    {"bad and nul", BYTES(ZH10 "\xff\0"), BYTES(ZH10 FFFD),
     "removed 1 NUL byte", 1, 2},
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const charset_case_t *c = &cases[i];
        PHASE(c->name);
        test_diags_t diags;
        size_t out_len;
        char *out = convert(c->in, c->in_len, &out_len, &diags);
        CHECK_EQ_MEM(out, out_len, c->want, c->want_len);
        if (diags.n != c->n_diags) {
            test_diags_dump(&diags);
            CHECK_EQ_INT(diags.n, c->n_diags);
        }
        if (c->diag != NULL)
            CHECK_DIAG(&diags, c->diag, c->diag_line, 0);
        free(out);
    }
}

/* ------------------------------------------------------------------ */
/* Round trips through ICU-encoded text                               */
/* ------------------------------------------------------------------ */

static const char seed_text[] =
    "马斯克向川普支持的AI计划泼冷水:他们实际上没钱\n\n今日头条\nToutiao\n"
    "最新回复:2025年1月23日 6点43分 PT\n  返回列表\n44192 阅读\n48 评论\n"
    "RFI华语\n\n特朗普周二宣布支持OpenAI、甲骨文(Oracle)和软银的人工智能"
    "合作计划,但马斯克随即对此表示质疑。这是特朗普与马斯克罕见的分歧。\n"
    "旁观者XWY\n1 楼\n川普第一任时也有庞大的基金计划,主要依靠私人投资,"
    "没有资金感兴趣,不了了之。这种新闻听听就好。\n";

static const char seed_text_traditional[] =
    "馬斯克向川普支持的AI計劃潑冷水:他們實際上沒錢\n\n今日頭條\n"
    "最新回覆:2025年1月23日 6點43分 PT\n44192 閱讀\n48 評論\n"
    "特朗普週二宣布支持OpenAI、甲骨文(Oracle)和軟銀的人工智慧合作計劃,"
    "但馬斯克隨即對此表示質疑。這是特朗普與馬斯克罕見的分歧。\n";

/* Encodes UTF-8 text in `charset` with ICU; the caller frees. */
static char *encode(const char *charset, const char *utf8, size_t *len)
{
    UErrorCode err = U_ZERO_ERROR;
    size_t cap = strlen(utf8) * 2 + 16;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    int32_t n = ucnv_convert(charset, "UTF-8", buf, (int32_t)cap, utf8, -1,
                             &err);
    CHECK(U_SUCCESS(err));
    *len = (size_t)n;
    return buf;
}

static void check_round_trip(const char *charset, const char *utf8)
{
    size_t encoded_len, out_len;
    char *encoded = encode(charset, utf8, &encoded_len);
    test_diags_t diags;
    char *out = convert(encoded, encoded_len, &out_len, &diags);
    CHECK_EQ_MEM(out, out_len, utf8, strlen(utf8));
    char want[64];
    snprintf(want, sizeof want, "converted from %s", charset);
    CHECK_EQ_INT(diags.n, 1);
    CHECK_DIAG(&diags, want, 0, 0);
    free(out);
    free(encoded);
}

static void test_round_trips(void)
{
    PHASE("round trips");
    check_round_trip("GB18030", seed_text);
    check_round_trip("Big5", seed_text_traditional);
    check_round_trip("UTF-16LE", seed_text);
    check_round_trip("UTF-16BE", seed_text);

    /* The same with a BOM in front (ICU's "UTF-16" writes one). */
    size_t encoded_len, out_len;
    char *encoded = encode("UTF-16", seed_text, &encoded_len);
    unsigned char first = (unsigned char)encoded[0];
    CHECK(first == 0xFE || first == 0xFF);
    test_diags_t diags;
    char *out = convert(encoded, encoded_len, &out_len, &diags);
    CHECK_EQ_MEM(out, out_len, seed_text, strlen(seed_text));
    CHECK_EQ_INT(diags.n, 1);
    free(out);
    free(encoded);
}

/* ------------------------------------------------------------------ */
/* Arguments and robustness                                           */
/* ------------------------------------------------------------------ */

static void test_arguments(void)
{
    PHASE("arguments");
    char *out = NULL;
    size_t out_len = 99;

    /* NULL bytes with length 0 is an empty file; no diag callback. */
    CHECK_EQ_INT(fsi_text_to_utf8(&out, &out_len, "x", NULL, 0, NULL, NULL),
                 FORUM_OK);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(out_len, 0);
    free(out);

    CHECK_EQ_INT(fsi_text_to_utf8(&out, &out_len, "x", NULL, 5, NULL, NULL),
                 FORUM_EINVAL);
    CHECK(out == NULL);

    /* Warnings without a callback are dropped, not dereferenced. */
    CHECK_EQ_INT(fsi_text_to_utf8(&out, &out_len, NULL, BYTES("a\xff\0"),
                                  NULL, NULL),
                 FORUM_OK);
    CHECK_EQ_MEM(out, out_len, "a" FFFD, 4);
    free(out);

    /* Bytes past len are never read. */
    CHECK_EQ_INT(fsi_text_to_utf8(&out, &out_len, "x", "ab\xff", 2, NULL,
                                  NULL),
                 FORUM_OK);
    CHECK_EQ_STR(out, "ab");
    free(out);
}

/* A small deterministic generator, so failures can be replayed. */
static uint32_t rng_state = 12345;

static uint32_t rng_next(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Random buffers drawn from alphabets that hit every path: pure junk,
 * UTF-8 pieces with damage, legacy-looking bytes, NULs and CRs. */
static void test_random_inputs(void)
{
    PHASE("random inputs");
    static const char *const pieces[] = {
        "中", "文", "a", "\r", "\n", "\0", "\xff", "\xfe", "\x80", "\xe4",
        "\xb8", "\xc2\xed", "\xb0\xa8", "\xa7\x4a", "\x94\x39\xfc\x36",
        "\xef\xbb\xbf", "\xf0\x9f\x98\x80", "\xed\xa0\x80", " ",
    };
    static const size_t piece_len[] = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1,
                                       1, 2, 2, 2, 4, 3, 4, 3, 1};
    size_t n_pieces = sizeof pieces / sizeof pieces[0];
    char buf[1024];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0, target = rng_next() % 200;
        bool raw = round % 3 == 0;
        while (len < target) {
            if (raw) {
                buf[len++] = (char)(rng_next() & 0xFF);
            } else {
                size_t k = rng_next() % n_pieces;
                memcpy(buf + len, pieces[k], piece_len[k]);
                len += piece_len[k];
            }
        }
        test_diags_t diags;
        size_t out_len;
        char *out = convert(buf, len, &out_len, &diags);
        for (size_t i = 0; i < diags.n; i++)
            CHECK_EQ_INT(diags.items[i].is_error, 0);
        free(out);
    }
}

/* ------------------------------------------------------------------ */
/* Huge inputs                                                        */
/* ------------------------------------------------------------------ */

#define HUGE_SIZE (10u * 1024 * 1024)

/* A single line of about 10 MB made of `unit` repeated. */
static char *huge_line(const char *unit, size_t *len)
{
    size_t unit_len = strlen(unit);
    size_t n = HUGE_SIZE / unit_len;
    char *buf = malloc(n * unit_len + 1);
    CHECK(buf != NULL);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * unit_len, unit, unit_len);
    *len = n * unit_len;
    buf[*len] = '\0';
    return buf;
}

static double seconds_since(clock_t start)
{
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void test_huge_inputs(void)
{
    static const char unit[] = "马斯克向川普支持的AI计划泼冷水:他们实际上没钱 ";
    size_t len, out_len;
    test_diags_t diags;

    PHASE("huge valid line");
    char *text = huge_line(unit, &len);
    clock_t start = clock();
    char *out = convert(text, len, &out_len, &diags);
    fprintf(stderr, "  10 MB valid UTF-8: %.3f s\n", seconds_since(start));
    CHECK_EQ_MEM(out, out_len, text, len);
    CHECK_EQ_INT(diags.n, 0);
    free(out);

    PHASE("huge damaged line");
    /* Replace an ASCII letter, so exactly one byte is bad. */
    char *letter = memchr(text + len / 2, 'A', len / 2);
    CHECK(letter != NULL);
    *letter = '\xff';
    out = convert(text, len, &out_len, &diags);
    CHECK_EQ_INT(out_len, len + 2);
    CHECK_DIAG(&diags, "invalid UTF-8 (1 bad byte)", 1, 0);
    free(out);
    free(text);

    PHASE("huge gb18030 line");
    text = huge_line(unit, &len);
    size_t gb_len;
    char *gb = encode("GB18030", text, &gb_len);
    start = clock();
    out = convert(gb, gb_len, &out_len, &diags);
    fprintf(stderr, "  10 MB GB18030: %.3f s\n", seconds_since(start));
    CHECK_EQ_MEM(out, out_len, text, len);
    CHECK_DIAG(&diags, "converted from GB18030", 0, 0);
    free(out);
    free(gb);
    free(text);

    PHASE("huge junk");
    text = malloc(HUGE_SIZE);
    CHECK(text != NULL);
    for (size_t i = 0; i < HUGE_SIZE; i++)
        text[i] = (char)(0x80 | (rng_next() & 0x7F));
    start = clock();
    out = convert(text, HUGE_SIZE, &out_len, &diags);
    fprintf(stderr, "  10 MB junk: %.3f s\n", seconds_since(start));
    CHECK_EQ_INT(diags.n, 1);
    free(out);

    PHASE("huge nul");
    memset(text, 0, HUGE_SIZE);
    out = convert(text, HUGE_SIZE, &out_len, &diags);
    CHECK_EQ_INT(out_len, 0);
    CHECK_DIAG(&diags, "removed 10485760 NUL bytes", 1, 0);
    free(out);
    free(text);
}

int main(void)
{
    test_table();
    test_round_trips();
    test_arguments();
    test_random_inputs();
    test_huge_inputs();
    fprintf(stderr, "test_charset: all passed\n");
    return 0;
}
