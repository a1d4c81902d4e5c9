/* End-to-end recall and precision, against an oracle that shares no code
 * with forumsearch.
 *
 * The test writes its own corpus and keeps every post's text in memory as
 * it writes it: thread text files and JSON Lines in a nested tree of boards
 * (more than three levels deep; names with - . _ spaces and CJK; names
 * that are prefixes of others: news/a/x.txt next to news/a-b.txt and
 * news/a/x/1.txt). The text is made of the lines of examples/threads,
 * read as plain lines (the thread parser is not used), and of generated
 * text: Traditional, full-width, Latin words, mixed, odd white space.
 *
 * The oracle calls ICU directly: NFKC_Casefold, then the
 * "Traditional-Simplified" transliterator on each character (README's
 * folding is one to one; the transliterator's phrase rules, such as
 * 份子 -> 分子, are not), then every run of white space as one space
 * (README: "How words match"), and scans every post for each
 * query; Latin letters and digits at the ends of a query must not touch
 * another letter or digit (whole words). forum-index indexes the tree and
 * the library (and forum-search, for some queries) must return exactly the
 * oracle's set of posts: recall and precision 1.000. Queries: samples of
 * every 2- and 3-character CJK substring of the corpus, their Traditional
 * and Simplified forms, Latin words in other cases and full width and
 * their prefixes, mixed Latin/CJK, phrases with white space, random
 * character pairs, pairs of words, and operators and fields with their
 * own oracles. Then the tree is edited (files and directories deleted,
 * rewritten, added, a board renamed) and indexed again incrementally, and
 * again without changes, and every query is checked after each run.
 *
 * usage: test_recall FORUM-INDEX FORUM-SEARCH SAMPLES-DIR SCRATCH-DIR
 * FORUM_RECALL_SEED=N picks another corpus (the seed is printed).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#include <forumsearch.h>

#include "testutil.h"

#define NO_DATE INT64_MIN

/* ---- Memory and strings ------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    CHECK(p != NULL);
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    CHECK(d != NULL);
    return d;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = 2 * (b->len + n + 1) + 64;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    CHECK(n >= 0);
    char *tmp = xrealloc(NULL, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, tmp, (size_t)n);
    free(tmp);
}

/* Takes the buffer's string (never NULL). */
static char *sb_take(sbuf_t *b)
{
    char *s = b->s ? b->s : xstrdup("");
    memset(b, 0, sizeof *b);
    return s;
}

typedef struct strv {
    char **v;
    size_t n, cap;
} strv_t;

static void strv_push(strv_t *a, char *s)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = s;
}

static void strv_free(strv_t *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and drops repeats. */
static void strv_uniq(strv_t *a)
{
    if (a->n == 0)
        return;
    qsort(a->v, a->n, sizeof *a->v, cmp_str);
    size_t out = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (out > 0 && strcmp(a->v[out - 1], a->v[i]) == 0)
            free(a->v[i]);
        else
            a->v[out++] = a->v[i];
    }
    a->n = out;
}

/* ---- Randomness: splitmix64, seeded --------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t pick(size_t n)
{
    return (size_t)(rnd() % n);
}

static int chance(int percent)
{
    return (int)(rnd() % 100) < percent;
}

#define PICK(array) ((array)[pick(sizeof(array) / sizeof((array)[0]))])

/* ---- The oracle's text analysis: ICU, directly ---------------------- */

static const UNormalizer2 *nfkc_cf;
static UTransliterator *t2s, *s2t;

static UTransliterator *open_translit(const char *name)
{
    UChar id[64];
    u_uastrcpy(id, name);
    UErrorCode e = U_ZERO_ERROR;
    UTransliterator *t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL,
                                      &e);
    if (U_FAILURE(e))
        TEST_FAIL("utrans_openU(%s): %s", name, u_errorName(e));
    return t;
}

static void icu_init(void)
{
    UErrorCode e = U_ZERO_ERROR;
    nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    CHECK(U_SUCCESS(e));
    t2s = open_translit("Traditional-Simplified");
    s2t = open_translit("Simplified-Traditional");
}

static UChar *to_u16(const char *s, size_t len, int32_t *out_len)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8WithSub(NULL, 0, &n, s, (int32_t)len, 0xFFFD, NULL, &e);
    CHECK(e == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(e));
    UChar *u = xrealloc(NULL, ((size_t)n + 1) * sizeof *u);
    e = U_ZERO_ERROR;
    u_strFromUTF8WithSub(u, n + 1, &n, s, (int32_t)len, 0xFFFD, NULL, &e);
    CHECK(U_SUCCESS(e));
    *out_len = n;
    return u;
}

static char *to_u8(const UChar *u, int32_t n, size_t *out_len)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0;
    u_strToUTF8(NULL, 0, &len, u, n, &e);
    CHECK(e == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(e));
    char *s = xrealloc(NULL, (size_t)len + 1);
    e = U_ZERO_ERROR;
    u_strToUTF8(s, len + 1, &len, u, n, &e);
    CHECK(U_SUCCESS(e));
    if (out_len)
        *out_len = (size_t)len;
    return s;
}

/* Runs a transliterator over the whole string. */
static UChar *transliterate(UTransliterator *t, UChar *u, int32_t *n)
{
    int32_t cap = 4 * *n + 16, len = *n, limit = *n;
    u = xrealloc(u, (size_t)cap * sizeof *u);
    UErrorCode e = U_ZERO_ERROR;
    utrans_transUChars(t, u, &len, cap, 0, &limit, &e);
    CHECK(U_SUCCESS(e));
    *n = len;
    return u;
}

/* UTF-8 through a transliterator (for writing the corpus and queries). */
static char *translit_u8(UTransliterator *t, const char *s)
{
    int32_t n;
    UChar *u = transliterate(t, to_u16(s, strlen(s), &n), &n);
    char *out = to_u8(u, n, NULL);
    free(u);
    return out;
}

/* Traditional-Simplified on one character alone, remembered for the
 * BMP. Alone: the transliterator also has phrase rules (份子 becomes 分子,
 * so 多少份子钱 would lose the 少份 a reader sees in it), which README's
 * normalization does not have: it folds characters, one to one. */
static UChar32 t2s_bmp[0x10000];

static void t2s_char(UChar32 c, UChar *out, int32_t *o)
{
    if (c >= 0 && c < 0x10000 && t2s_bmp[c] > 0) {
        U16_APPEND_UNSAFE(out, *o, t2s_bmp[c]);
        return;
    }
    UChar buf[32];
    int32_t len = 0, limit;
    U16_APPEND_UNSAFE(buf, len, c);
    limit = len;
    UErrorCode e = U_ZERO_ERROR;
    utrans_transUChars(t2s, buf, &len, (int32_t)(sizeof buf / sizeof buf[0]),
                       0, &limit, &e);
    CHECK(U_SUCCESS(e));
    for (int32_t i = 0; i < len; i++)
        out[(*o)++] = buf[i];
    UChar32 single;
    int32_t i = 0;
    U16_NEXT(buf, i, len, single);
    if (i == len && c >= 0 && c < 0x10000)
        t2s_bmp[c] = single;
}

/* A transliterator over each character alone (for writing queries in
 * the other script as a person would: 什么 as 什麼, not ICU's phrase
 * rule 甚麼). */
static char *translit_chars(UTransliterator *t, const char *s)
{
    sbuf_t b = {0};
    int32_t n = (int32_t)strlen(s);
    for (int32_t i = 0; i < n;) {
        int32_t at = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        char *one = xstrndup(s + at, (size_t)(i - at));
        char *done = translit_u8(t, one);
        sb_str(&b, done);
        free(one);
        free(done);
    }
    return sb_take(&b);
}

/* NFKC_Casefold, then Traditional-Simplified character by character,
 * then every run of white space as one space. */
static char *oracle_normalize(const char *s, size_t len, size_t *out_len)
{
    int32_t n;
    UChar *u = to_u16(s, len, &n);
    UErrorCode e = U_ZERO_ERROR;
    int32_t need = unorm2_normalize(nfkc_cf, u, n, NULL, 0, &e);
    CHECK(e == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(e));
    UChar *norm = xrealloc(NULL, ((size_t)need + 1) * sizeof *norm);
    e = U_ZERO_ERROR;
    n = unorm2_normalize(nfkc_cf, u, n, norm, need + 1, &e);
    CHECK(U_SUCCESS(e));
    free(u);
    UChar *out = xrealloc(NULL, (16 * (size_t)n + 1) * sizeof *out);
    int32_t o = 0;
    int space = 0;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U16_NEXT(norm, i, n, c);
        if (u_isUWhiteSpace(c)) {
            if (!space)
                out[o++] = ' ';
            space = 1;
            continue;
        }
        space = 0;
        t2s_char(c, out, &o);
    }
    char *result = to_u8(out, o, out_len);
    free(norm);
    free(out);
    return result;
}

static int is_cjk_script(UChar32 c)
{
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &e);
    return sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA ||
           sc == USCRIPT_KATAKANA || sc == USCRIPT_HANGUL ||
           sc == USCRIPT_BOPOMOFO;
}

/* Latin letters and digits (of any script but CJK) make words. */
static int oracle_word_char(UChar32 c)
{
    return c >= 0 && u_isalnum(c) && !is_cjk_script(c);
}

/* Whether hay contains needle (both normalized), whole words at the
 * needle's Latin ends. */
static int oracle_find(const char *hay, size_t hay_len, const char *needle,
                       size_t n)
{
    if (n == 0 || n > hay_len)
        return 0;
    UChar32 first, last;
    int32_t i = 0, len = (int32_t)n;
    U8_NEXT(needle, i, len, first);
    i = len;
    U8_PREV(needle, 0, i, last);
    int word_start = oracle_word_char(first);
    int word_end = oracle_word_char(last);
    for (const char *p = hay; (size_t)(p - hay) + n <= hay_len; p++) {
        p = memchr(p, needle[0], hay_len - n + 1 - (size_t)(p - hay));
        if (p == NULL)
            return 0;
        if (memcmp(p, needle, n) != 0)
            continue;
        int32_t at = (int32_t)(p - hay), end = at + len;
        int32_t hn = (int32_t)hay_len;
        UChar32 c;
        if (word_start && at > 0) {
            int32_t j = at;
            U8_PREV(hay, 0, j, c);
            if (oracle_word_char(c))
                continue;
        }
        if (word_end && end < hn) {
            int32_t j = end;
            U8_NEXT(hay, j, hn, c);
            if (oracle_word_char(c))
                continue;
        }
        return 1;
    }
    return 0;
}

/* ---- Calendar (the test's own) ---------------------------------------- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t utc(int y, int m, int d, int hh, int mm, int ss)
{
    return days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* The UTC calendar day of t. */
static void civil_of(int64_t t, int *y, int *m, int *d)
{
    int64_t z = (t >= 0 ? t : t - 86399) / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t month_start(int y, int m)
{
    return m > 12 ? utc(y + 1, m - 12, 1, 0, 0, 0) : utc(y, m, 1, 0, 0, 0);
}

/* ---- The corpus model ------------------------------------------------- */

typedef struct post {
    int floor;
    char *author;           /* "" when none. */
    char *text;             /* As written: lines joined by '\n'. */
    int64_t date;           /* The post's own, or NO_DATE. */
    char *n_text, *n_author;
    size_t n_text_len;
} post_t;

typedef struct thread {
    char *id, *board, *title;
    int64_t date;           /* The thread's (last reply), or NO_DATE. */
    int date_offset;        /* Of its Pacific time: -8 or -7 hours. */
    post_t *posts;
    size_t n_posts;
    size_t file;            /* Index into files. */
    int alive;
    char *n_title, *n_board;
    size_t n_title_len;
} thread_t;

typedef struct file {
    char *rel;              /* Path below the root. */
    int jsonl;
    int alive;
} file_t;

static thread_t *threads;
static size_t n_threads, cap_threads;
static file_t *files;
static size_t n_files, cap_files;
static char root[4096];

/* One post as the oracle sees it. */
typedef struct opost {
    const thread_t *t;
    const post_t *p;
    char *key;              /* "thread#floor" */
} opost_t;

static opost_t *oposts;
static size_t n_oposts;

/* ---- Generating text -------------------------------------------------- */

static strv_t pool;          /* Lines of examples/threads. */
static size_t pool_next;

/* Simplified characters, most with a Traditional form. */
static const char han[] =
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成"
    "会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着"
    "等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新"
    "线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公"
    "无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运"
    "农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规"
    "热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美"
    "再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完"
    "类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉"
    "林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委"
    "素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号"
    "率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂"
    "京识适属圆包火住调满县局照参红细引听该铁价严龙飞";

static const char *const latin[] = {
    "OpenAI", "OpenAI's", "ChatGPT", "GPU", "gpus", "Tesla", "nvidia",
    "DeepSeek", "deepseek-r1", "mac", "mini", "macmini", "open", "AI",
    "the", "Trump", "café", "x86_64", "gpt-4", "v2.0", "linux", "Rust",
    "or", "and", "not", "Sam", "iPhone", "RTX4090", "M4", "H20",
};

/* Strings the ranking and the analyzer find hard, planted as written. */
static const char *const planted[] = {
    "四川普通话", "川普今天", "暖和服务", "和服是", "马斯克向川普",
    "用ChatGPT写", "GPU价格", "5000亿美元", "OpenAI的", "ＯｐｅｎＡＩ",
    "ＧＰＵ", "２０２５年", "😂", "mac mini", "MAC  Mini", "馬斯克說",
    "臺灣", "資訊", "軟體", "黃仁勳", "孫正義", "川普 or 拜登",
    "rock and roll", "ｆｕｌｌ ｗｉｄｔｈ", "Ⅻ", "①", "ﾊﾝｶｸ", "ﬁle",
};

static const char *const separators[] = {
    "", "", "", " ", " ", "  ", "\t", "\xE3\x80\x80" /* U+3000 */,
    "\xC2\xA0" /* U+00A0 */, "，", "。", "、",
};

static const char *const authors[] = {
    "旁观者XWY", "supernova13", "Sam Altman", "令胡冲", "令狐沖", "李华",
    "李華", "ｆｕｌｌｗｉｄｔｈ", "FullWidth", "方玉", "user_1", "a-b",
};

static void append_han(sbuf_t *b, size_t n)
{
    size_t count = 0;
    for (const char *p = han; *p; p += 3)
        count++;
    for (size_t i = 0; i < n; i++)
        sb_add(b, han + 3 * pick(count), 3);
}

/* ASCII letters and digits to full width. */
static char *full_width(const char *s)
{
    sbuf_t b = {0};
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9')) {
            char u[4];
            unsigned cp = c + 0xFEE0u;
            u[0] = (char)(0xE0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F));
            sb_add(&b, u, 3);
        } else {
            sb_add(&b, s, 1);
        }
    }
    return sb_take(&b);
}

static char *ascii_case(const char *s, int upper)
{
    char *d = xstrdup(s);
    for (char *p = d; *p; p++) {
        if (upper && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
        else if (!upper && *p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    }
    return d;
}

static void append_segment(sbuf_t *b)
{
    int kind = (int)pick(100);
    if (kind < 45 && pool_next < pool.n) {
        sb_str(b, pool.v[pool_next++]);
    } else if (kind < 60) {
        append_han(b, 2 + pick(5));
    } else if (kind < 68) {
        sbuf_t s = {0};
        append_han(&s, 2 + pick(5));
        char *t = translit_u8(s2t, s.s);
        sb_str(b, t);
        free(t);
        free(s.s);
    } else if (kind < 80) {
        const char *w = PICK(latin);
        char *v = chance(30) ? ascii_case(w, chance(50)) : xstrdup(w);
        if (chance(20)) {
            char *f = full_width(v);
            free(v);
            v = f;
        }
        sb_str(b, v);
        free(v);
    } else if (kind < 88) {
        append_han(b, 1 + pick(2));
        sb_str(b, PICK(latin));
        append_han(b, 1 + pick(2));
    } else if (kind < 95) {
        sb_str(b, PICK(planted));
    } else {
        char num[32];
        snprintf(num, sizeof num, "%u", (unsigned)pick(100000));
        char *v = chance(30) ? full_width(num) : xstrdup(num);
        sb_str(b, v);
        free(v);
        if (chance(50))
            sb_str(b, chance(50) ? "年" : "亿美元");
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* One line of content: never blank, never one character, never white
 * space at either end, never ending in 楼 (a floor line). */
static char *gen_line(void)
{
    sbuf_t b = {0};
    size_t n = 1 + pick(4);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sb_str(&b, PICK(separators));
        append_segment(&b);
    }
    if (code_points(b.s) < 2 || ends_with(b.s, "楼") || ends_with(b.s, "樓"))
        sb_str(&b, "完了");
    return sb_take(&b);
}

static char *gen_text(void)
{
    sbuf_t b = {0};
    size_t n = 1 + pick(3);
    for (size_t i = 0; i < n; i++) {
        char *line = gen_line();
        if (i > 0)
            sb_str(&b, "\n");
        sb_str(&b, line);
        free(line);
    }
    return sb_take(&b);
}

static char *gen_title(void)
{
    if (chance(50) && pool_next < pool.n &&
        strlen(pool.v[pool_next]) < 200)
        return xstrdup(pool.v[pool_next++]);
    sbuf_t b = {0};
    append_han(&b, 3 + pick(6));
    if (chance(30)) {
        sb_str(&b, " ");
        sb_str(&b, PICK(latin));
    }
    if (chance(30)) {
        char *t = translit_u8(s2t, b.s);
        free(b.s);
        return t;
    }
    return sb_take(&b);
}

/* A local time in a month whose US Pacific offset is known without
 * looking at the rules: December to February PST (-8), June to August
 * PDT (-7). */
static int gen_pacific(int *y, int *m, int *d, int *hh, int *mm,
                       int64_t *when)
{
    static const int months[] = {1, 2, 6, 7, 8, 12};
    *y = 2023 + (int)pick(3);
    *m = PICK(months);
    *d = 1 + (int)pick(28);
    *hh = (int)pick(24);
    *mm = (int)pick(60);
    int offset = (*m >= 6 && *m <= 8) ? -7 : -8;
    *when = utc(*y, *m, *d, *hh, *mm, 0) - offset * 3600;
    return offset;
}

/* ---- The tree --------------------------------------------------------- */

static const char *const tree[] = {
    "news/a.txt", "news/a-b.txt", "news/a.b.txt", "news/a b.txt",
    "news/a_b.txt", "news/a/x.txt", "news/a/x-y.txt", "news/a/x.y.txt",
    "news/a/x y.txt", "news/a/x/1.txt", "news/a/x/y.txt", "news/a-b/x.txt",
    "news/a.b/x.txt", "news/a b/x.txt", "news/a_b/c-d/e.f/g h/深.txt",
    "news/a_b/c-d/e.f/g h/帖子 一.txt", "news/a_b/c-d/e.f/x.txt",
    "a/x/1.txt", "a/x/2.txt", "a/x/y/z/1.txt", "a/x/y/z/1-2.txt",
    "a-b/x.txt", "a-b/x/1.txt", "a.b/x.txt", "ab/a.txt", "ab/a b.txt",
    "a b/深 层/第三.层/帖.txt", "a b/深 层/第三.层/帖 2.txt",
    "a b/深 层/x.txt", "新聞 板/子版_1/第三層/一.txt",
    "新聞 板/子版_1/第三層/二.txt", "新聞 板/子版_1/三.txt", "新闻/a.txt",
    "新闻/a-1.txt", "tech_x/2025.01/日-志/a.txt", "tech_x/2025.01/日-志/b.txt",
    "tech_x/2025.01/c.txt",
};

/* Directories that get more threads, with names like the above. */
static const char *const more_dirs[] = {
    "news", "news/a", "news/a-b", "news/a_b/c-d/e.f/g h", "a/x/y/z",
    "a b/深 层/第三.层", "新聞 板/子版_1/第三層", "tech_x/2025.01/日-志",
};
static const char *const more_names[] = {"x", "x-y", "x.y", "x y", "帖"};

static thread_t *new_thread(const char *id, const char *board, size_t file)
{
    if (n_threads == cap_threads) {
        cap_threads = cap_threads ? 2 * cap_threads : 128;
        threads = xrealloc(threads, cap_threads * sizeof *threads);
    }
    thread_t *t = &threads[n_threads++];
    memset(t, 0, sizeof *t);
    t->id = xstrdup(id);
    t->board = xstrdup(board);
    t->file = file;
    t->alive = 1;
    return t;
}

static size_t new_file(const char *rel, int jsonl)
{
    for (size_t i = 0; i < n_files; i++)
        CHECK(!files[i].alive || strcmp(files[i].rel, rel) != 0);
    if (n_files == cap_files) {
        cap_files = cap_files ? 2 * cap_files : 128;
        files = xrealloc(files, cap_files * sizeof *files);
    }
    files[n_files] = (file_t){xstrdup(rel), jsonl, 1};
    return n_files++;
}

/* Fills a thread with an article and replies. json: JSON Lines, where
 * posts may have dates and the article an author. */
static void fill_thread(thread_t *t, int json)
{
    t->title = gen_title();
    int y, m, d, hh, mm;
    t->date = NO_DATE;
    if (chance(88))
        t->date_offset = gen_pacific(&y, &m, &d, &hh, &mm, &t->date);
    t->n_posts = 1 + pick(chance(20) ? 14 : 7);
    t->posts = xrealloc(NULL, t->n_posts * sizeof *t->posts);
    for (size_t i = 0; i < t->n_posts; i++) {
        post_t *p = &t->posts[i];
        memset(p, 0, sizeof *p);
        p->floor = (int)i;
        p->author = xstrdup(i > 0 || (json && chance(50)) ? PICK(authors)
                                                           : "");
        p->text = gen_text();
        p->date = NO_DATE;
        if (json && chance(60))
            gen_pacific(&y, &m, &d, &hh, &mm, &p->date);
    }
}

static void new_txt_thread(const char *rel)
{
    char id[1024];
    CHECK(ends_with(rel, ".txt") && strlen(rel) < sizeof id);
    snprintf(id, sizeof id, "%.*s", (int)(strlen(rel) - 4), rel);
    char board[1024];
    snprintf(board, sizeof board, "%.*s", (int)strcspn(rel, "/"), rel);
    thread_t *t = new_thread(id, board, new_file(rel, 0));
    fill_thread(t, 0);
}

static void new_jsonl_file(const char *rel, const char *id_prefix,
                           const char *board, size_t n)
{
    size_t f = new_file(rel, 1);
    for (size_t i = 0; i < n; i++) {
        char id[256];
        snprintf(id, sizeof id, "%s%zu", id_prefix, i + 1);
        fill_thread(new_thread(id, board, f), 1);
    }
}

/* ---- Writing the files ------------------------------------------------ */

/* root/rel, malloc'd. */
static char *under_root(const char *rel)
{
    sbuf_t b = {0};
    sb_str(&b, root);
    sb_str(&b, "/");
    sb_str(&b, rel);
    return sb_take(&b);
}

static void make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0)
            CHECK(access(buf, F_OK) == 0);
        *p = '/';
    }
}

static void json_string(sbuf_t *b, const char *s)
{
    sb_str(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c == '\n')
            sb_str(b, "\\n");
        else if (c == '\t')
            sb_str(b, "\\t");
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", c);
        else
            sb_add(b, s, 1);
    }
    sb_str(b, "\"");
}

static void format_pacific(sbuf_t *b, int64_t when, int offset)
{
    /* Back to the local time it was made from (see gen_pacific). */
    int y, m, d;
    int64_t local = when + offset * 3600;
    civil_of(local, &y, &m, &d);
    int64_t secs = local - days_from_civil(y, m, d) * 86400;
    sb_printf(b, "最新回复:%d年%d月%d日 %d点%d分 PT\n", y, m, d,
              (int)(secs / 3600), (int)(secs / 60 % 60));
}

static void format_iso(sbuf_t *b, int64_t when)
{
    int y, m, d;
    int form = (int)(when % 3);
    if (form == 1) { /* +08:00 */
        int64_t local = when + 8 * 3600;
        civil_of(local, &y, &m, &d);
        int64_t s = local - days_from_civil(y, m, d) * 86400;
        sb_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02d+08:00\"", y, m, d,
                  (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
        return;
    }
    civil_of(when, &y, &m, &d);
    int64_t s = when - days_from_civil(y, m, d) * 86400;
    sb_printf(b, form == 0 ? "\"%04d-%02d-%02d %02d:%02d:%02d\""
                           : "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"",
              y, m, d, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

static void write_txt(sbuf_t *b, const thread_t *t)
{
    sb_printf(b, "%s\n\n今日头条\nToutiao\n", t->title);
    if (t->date != NO_DATE)
        format_pacific(b, t->date, t->date_offset);
    sb_printf(b, "  返回列表\n%u 阅读\n%zu 评论\nRFI华语\n\n",
              (unsigned)(t->n_posts * 37), t->n_posts - 1);
    for (size_t i = 0; i < t->n_posts; i++) {
        const post_t *p = &t->posts[i];
        if (i > 0) {
            unsigned char c0 = (unsigned char)p->author[0];
            if (c0 < 0x80 && ((c0 | 0x20) >= 'a' && (c0 | 0x20) <= 'z') &&
                i % 2)
                sb_printf(b, "%c\n", c0 | 0x20); /* An avatar letter. */
            sb_printf(b, "%s\n%d 楼\n", p->author, p->floor);
        }
        sb_printf(b, "%s\n", p->text);
    }
}

static void write_jsonl_line(sbuf_t *b, const thread_t *t)
{
    sb_str(b, "{\"id\":");
    json_string(b, t->id);
    sb_str(b, ",\"board\":");
    json_string(b, t->board);
    sb_str(b, ",\"title\":");
    json_string(b, t->title);
    if (t->date != NO_DATE) {
        sb_str(b, ",\"date\":");
        format_iso(b, t->date);
    }
    sb_str(b, ",\"posts\":[");
    for (size_t i = 0; i < t->n_posts; i++) {
        const post_t *p = &t->posts[i];
        sb_printf(b, "%s{\"floor\":%d,\"author\":", i ? "," : "", p->floor);
        json_string(b, p->author);
        if (p->date != NO_DATE) {
            sb_str(b, ",\"date\":");
            format_iso(b, p->date);
        }
        sb_str(b, ",\"text\":");
        json_string(b, p->text);
        sb_str(b, "}");
    }
    sb_str(b, "]}\n");
}

/* Writes every live file; `bump` makes its mtime later than any before. */
static void write_file(size_t f, int bump)
{
    sbuf_t b = {0};
    for (size_t i = 0; i < n_threads; i++) {
        if (!threads[i].alive || threads[i].file != f)
            continue;
        if (files[f].jsonl)
            write_jsonl_line(&b, &threads[i]);
        else
            write_txt(&b, &threads[i]);
    }
    char *path = under_root(files[f].rel);
    make_parents(path);
    FILE *out = fopen(path, "wb");
    CHECK(out != NULL);
    CHECK(fwrite(b.s, 1, b.len, out) == b.len);
    CHECK(fclose(out) == 0);
    free(b.s);
    if (bump) {
        struct timespec times[2] = {{time(NULL) + 1000, 0},
                                    {time(NULL) + 1000, 0}};
        CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
    }
    free(path);
}

static void remove_file(const char *rel)
{
    for (size_t f = 0; f < n_files; f++) {
        if (!files[f].alive || strcmp(files[f].rel, rel) != 0)
            continue;
        files[f].alive = 0;
        for (size_t i = 0; i < n_threads; i++)
            if (threads[i].file == f)
                threads[i].alive = 0;
        char *path = under_root(rel);
        CHECK(remove(path) == 0);
        free(path);
        return;
    }
    TEST_FAIL("no file %s", rel);
}

/* ---- Reading the sample lines ---------------------------------------- */

static int valid_line(const char *s, size_t len)
{
    int32_t n = (int32_t)len;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0x20 || c == 0x7F)
            return 0;
    }
    return 1;
}

/* Trims white space (any Unicode white space) at both ends. */
static void trim(const char **s, size_t *len)
{
    int32_t n = (int32_t)*len, a = 0, z = n;
    while (a < z) {
        int32_t i = a;
        UChar32 c;
        U8_NEXT(*s, i, z, c);
        if (!u_isUWhiteSpace(c))
            break;
        a = i;
    }
    while (z > a) {
        int32_t i = z;
        UChar32 c;
        U8_PREV(*s, a, i, c);
        if (!u_isUWhiteSpace(c))
            break;
        z = i;
    }
    *s += a;
    *len = (size_t)(z - a);
}

static void read_lines(const char *path)
{
    FILE *in = fopen(path, "rb");
    CHECK(in != NULL);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) > 0) {
        const char *s = line;
        size_t len = (size_t)got;
        trim(&s, &len);
        char *l = xstrndup(s, len);
        if (len > 0 && valid_line(l, len) && code_points(l) >= 2 &&
            !ends_with(l, "楼") && !ends_with(l, "樓"))
            strv_push(&pool, l);
        else
            free(l);
    }
    free(line);
    fclose(in);
}

static void read_samples(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    strv_t names = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            strv_push(&names, xstrdup(e->d_name));
    closedir(d);
    strv_uniq(&names); /* A fixed order, whatever readdir's. */
    for (size_t i = 0; i < names.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names.v[i]);
        struct stat st;
        CHECK(stat(path, &st) == 0);
        if (S_ISDIR(st.st_mode))
            read_samples(path);
        else if (ends_with(names.v[i], ".txt"))
            read_lines(path);
    }
    strv_free(&names);
}

/* ---- The oracle's view of the corpus ---------------------------------- */

static void prepare_thread(thread_t *t)
{
    if (t->n_title == NULL) {
        t->n_title = oracle_normalize(t->title, strlen(t->title),
                                      &t->n_title_len);
        t->n_board = oracle_normalize(t->board, strlen(t->board), NULL);
    }
    for (size_t i = 0; i < t->n_posts; i++) {
        post_t *p = &t->posts[i];
        if (p->n_text)
            continue;
        p->n_text = oracle_normalize(p->text, strlen(p->text),
                                     &p->n_text_len);
        p->n_author = oracle_normalize(p->author, strlen(p->author), NULL);
    }
}

static void build_oracle_view(void)
{
    for (size_t i = 0; i < n_oposts; i++)
        free(oposts[i].key);
    free(oposts);
    oposts = NULL;
    n_oposts = 0;
    size_t cap = 0;
    for (size_t i = 0; i < n_threads; i++) {
        thread_t *t = &threads[i];
        if (!t->alive)
            continue;
        prepare_thread(t);
        for (size_t j = 0; j < t->n_posts; j++) {
            if (n_oposts == cap) {
                cap = cap ? 2 * cap : 1024;
                oposts = xrealloc(oposts, cap * sizeof *oposts);
            }
            sbuf_t k = {0};
            sb_printf(&k, "%s#%d", t->id, t->posts[j].floor);
            oposts[n_oposts++] = (opost_t){t, &t->posts[j], sb_take(&k)};
        }
    }
}

/* ---- Queries ------------------------------------------------------- */

enum { Q_WORDS, Q_PHRASE, Q_CUSTOM };

typedef struct query query_t;
struct query {
    char *text;
    const char *family;     /* For the summary. */
    int kind;
    int (*oracle)(const opost_t *, const query_t *);
    const char *a, *b;      /* Words or names for custom oracles. */
    int64_t lo, hi;         /* Ranges for custom oracles. */
    int must_match;         /* Must find something in the first corpus. */
    int via_cli;            /* Also through forum-search. */
    strv_t needles;         /* Q_WORDS, Q_PHRASE: normalized. */
};

static query_t *queries;
static size_t n_queries, cap_queries;

static query_t *add_query(const char *family, const char *text, int kind)
{
    if (n_queries == cap_queries) {
        cap_queries = cap_queries ? 2 * cap_queries : 512;
        queries = xrealloc(queries, cap_queries * sizeof *queries);
    }
    query_t *q = &queries[n_queries++];
    memset(q, 0, sizeof *q);
    q->text = xstrdup(text);
    q->family = family;
    q->kind = kind;
    if (kind == Q_PHRASE) {
        /* "..." around the phrase. */
        size_t n = strlen(text);
        strv_push(&q->needles, oracle_normalize(text + 1, n - 2, NULL));
    } else if (kind == Q_WORDS) {
        char *copy = xstrdup(text), *save = NULL;
        for (char *w = strtok_r(copy, " ", &save); w;
             w = strtok_r(NULL, " ", &save))
            strv_push(&q->needles, oracle_normalize(w, strlen(w), NULL));
        free(copy);
    }
    return q;
}

/* The text of the post, or the title when it is the article. */
static int post_has_norm(const opost_t *p, const char *needle)
{
    size_t n = strlen(needle);
    return oracle_find(p->p->n_text, p->p->n_text_len, needle, n) ||
           (p->p->floor == 0 &&
            oracle_find(p->t->n_title, p->t->n_title_len, needle, n));
}

static int oracle_matches(const opost_t *p, const query_t *q)
{
    if (q->kind == Q_CUSTOM)
        return q->oracle(p, q);
    for (size_t i = 0; i < q->needles.n; i++)
        if (!post_has_norm(p, q->needles.v[i]))
            return 0;
    return 1;
}

/* Words the custom oracles ask for, normalized once. */
static strv_t cache_raw, cache_norm;

static const char *norm_cached(const char *word)
{
    for (size_t i = 0; i < cache_raw.n; i++)
        if (strcmp(cache_raw.v[i], word) == 0)
            return cache_norm.v[i];
    strv_push(&cache_raw, xstrdup(word));
    strv_push(&cache_norm, oracle_normalize(word, strlen(word), NULL));
    return cache_norm.v[cache_norm.n - 1];
}

static int has(const opost_t *p, const char *word)
{
    return post_has_norm(p, norm_cached(word));
}

static int title_has(const opost_t *p, const char *word)
{
    const char *n = norm_cached(word);
    return oracle_find(p->t->n_title, p->t->n_title_len, n, strlen(n));
}

static int author_is(const opost_t *p, const char *name)
{
    return strcmp(p->p->n_author, norm_cached(name)) == 0;
}

static int board_is(const opost_t *p, const char *name)
{
    return strcmp(p->t->n_board, norm_cached(name)) == 0;
}

static int64_t date_of(const opost_t *p)
{
    return p->p->date != NO_DATE ? p->p->date : p->t->date;
}

static int in_dates(const opost_t *p, const query_t *q)
{
    int64_t d = date_of(p);
    return d != NO_DATE && d >= q->lo && d <= q->hi;
}

static int o_or(const opost_t *p, const query_t *q)
{
    return has(p, q->a) || has(p, q->b);
}
static int o_and(const opost_t *p, const query_t *q)
{
    return has(p, q->a) && has(p, q->b);
}
static int o_and_not(const opost_t *p, const query_t *q)
{
    return has(p, q->a) && !has(p, q->b);
}
static int o_group(const opost_t *p, const query_t *q)
{
    (void)q;
    return (has(p, "川普") || has(p, "拜登")) && !has(p, "特朗普");
}
static int o_not_or(const opost_t *p, const query_t *q)
{
    (void)q;
    return has(p, "关税") && !(has(p, "川普") || has(p, "台湾"));
}
static int o_words3(const opost_t *p, const query_t *q)
{
    (void)q;
    return has(p, "川普") && has(p, "or") && has(p, "拜登");
}
static int o_author(const opost_t *p, const query_t *q)
{
    return author_is(p, q->a);
}
static int o_author_and(const opost_t *p, const query_t *q)
{
    return author_is(p, q->a) && has(p, q->b);
}
/* README: title: finds articles whose thread title contains the words. */
static int o_title(const opost_t *p, const query_t *q)
{
    return p->p->floor == 0 && title_has(p, q->a);
}
static int o_title_and(const opost_t *p, const query_t *q)
{
    return p->p->floor == 0 && title_has(p, q->a) && has(p, q->b);
}
static int o_board(const opost_t *p, const query_t *q)
{
    return board_is(p, q->a);
}
static int o_board_or(const opost_t *p, const query_t *q)
{
    return has(p, "的") && (board_is(p, q->a) || board_is(p, q->b));
}
static int o_thread(const opost_t *p, const query_t *q)
{
    return strcmp(p->t->id, q->a) == 0;
}
static int o_floor(const opost_t *p, const query_t *q)
{
    return p->p->floor >= q->lo && p->p->floor <= q->hi &&
           (q->a == NULL || has(p, q->a));
}
static int o_not_floor0(const opost_t *p, const query_t *q)
{
    (void)q;
    return has(p, "川普") && p->p->floor != 0;
}
static int o_date(const opost_t *p, const query_t *q)
{
    return in_dates(p, q) && (q->a == NULL || has(p, q->a));
}
static int o_mixed(const opost_t *p, const query_t *q)
{
    (void)q;
    return (has(p, "奥特曼") || has(p, "孙正义")) && !board_is(p, "news") &&
           p->p->floor >= 1;
}

static query_t *custom(const char *family, const char *text,
                       int (*oracle)(const opost_t *, const query_t *),
                       const char *a, const char *b)
{
    query_t *q = add_query(family, text, Q_CUSTOM);
    q->oracle = oracle;
    q->a = a;
    q->b = b;
    q->must_match = 1;
    /* Every fourth also through forum-search (a process each costs). */
    static unsigned n_custom;
    q->via_cli = n_custom++ % 4 == 0;
    return q;
}

static query_t *ranged(const char *family, const char *text,
                       int (*oracle)(const opost_t *, const query_t *),
                       int64_t lo, int64_t hi, const char *a)
{
    query_t *q = custom(family, text, oracle, a, NULL);
    q->lo = lo;
    q->hi = hi;
    return q;
}

/* The queries of the old test on examples/threads: their text is in
 * the corpus, since every line of the samples is. */
static const char *const fixed_queries[] = {
    "川普", "拜登", "和服", "李华", "关税", "芯片", "台积", "马斯",
    "马斯克", "孙正义", "黄仁勋", "奥特曼", "王小明", "特朗普", "斯克向",
    "馬斯克", "臺灣", "資訊", "軟體", "黃仁勳", "孫正義", "馬斯克說",
    "ＯｐｅｎＡＩ", "ＧＰＵ", "２０２５年",
    "openai", "GPU", "Trump", "deepseek", "Tesla", "nvidia", "ChatGPT",
    "OpenAI的", "用ChatGPT", "GPU价格", "5000亿美元", "AI",
    "一", "和", "楼",
    "四川普通话", "暖和服务", "马斯克向川普", "人工智能", "川普今天",
    "川普 马斯克", "openai 奥特曼", "😂", "台湾 芯片", "the",
    "ⅻ", "1", "ﾊﾝｶｸ", "ハンカク", "file", "CAFÉ",
};

static void add_operator_queries(void)
{
    custom("operators", "川普 OR 拜登", o_or, "川普", "拜登");
    custom("operators", "川普 | 拜登", o_or, "川普", "拜登");
    custom("operators", "川普|拜登", o_or, "川普", "拜登");
    custom("operators", "川普｜拜登", o_or, "川普", "拜登");
    custom("operators", "川普 关税", o_and, "川普", "关税");
    custom("operators", "川普 AND 关税", o_and, "川普", "关税");
    custom("operators", "川普 -马斯克", o_and_not, "川普", "马斯克");
    custom("operators", "川普 NOT 马斯克", o_and_not, "川普", "马斯克");
    custom("operators", "马斯克 -马斯克向川普", o_and_not, "马斯克",
           "马斯克向川普");
    custom("operators", "(川普 OR 拜登) -特朗普", o_group, NULL, NULL);
    custom("operators", "(川普|拜登)-特朗普", o_group, NULL, NULL);
    custom("operators", "关税 -(川普 OR 台湾)", o_not_or, NULL, NULL);
    /* Lower-case operators are words (README). */
    custom("operators", "川普 or 拜登", o_words3, NULL, NULL);
    custom("operators", "\"川普今天\"", o_and, "川普今天", "川普今天");
    custom("operators", "\"MAC  Mini\"", o_and, "mac mini", "mac mini");
    custom("operators", "“马斯克向川普”", o_and, "马斯克向川普",
           "马斯克向川普");

    custom("author", "author:supernova13", o_author, "supernova13", NULL);
    custom("author", "author:SUPERNOVA13", o_author, "supernova13", NULL);
    custom("author", "author:ｓｕｐｅｒｎｏｖａ１３", o_author,
           "supernova13", NULL);
    custom("author", "author:旁观者xwy", o_author, "旁观者XWY", NULL);
    custom("author", "author:\"Sam Altman\"", o_author, "Sam Altman", NULL);
    custom("author", "author:\"sam  ALTMAN\"", o_author, "Sam Altman", NULL);
    custom("author", "author:李华", o_author, "李华", NULL);
    custom("author", "author:令胡冲", o_author, "令胡冲", NULL);
    custom("author", "author:令狐冲", o_author, "令狐沖", NULL);
    custom("author", "author:fullwidth", o_author, "FullWidth", NULL);
    custom("author", "author:a-b", o_author, "a-b", NULL);
    custom("author", "author:user_1 的", o_author_and, "user_1", "的");

    custom("board", "board:news", o_board, "news", NULL);
    custom("board", "board:a", o_board, "a", NULL);
    custom("board", "board:a-b", o_board, "a-b", NULL);
    custom("board", "board:a.b", o_board, "a.b", NULL);
    custom("board", "board:\"a b\"", o_board, "a b", NULL);
    custom("board", "board:ab", o_board, "ab", NULL);
    custom("board", "board:\"新闻 板\"", o_board, "新聞 板", NULL);
    custom("board", "board:新闻", o_board, "新闻", NULL);
    custom("board", "board:tech_x", o_board, "tech_x", NULL);
    custom("board", "board:\"json 板\"", o_board, "json 板", NULL);
    custom("board", "的 (board:a OR board:a-b)", o_board_or, "a", "a-b");
    custom("board", "的 (board:a|board:\"a b\")", o_board_or, "a", "a b");

    custom("thread", "thread:news/a/x", o_thread, "news/a/x", NULL);
    custom("thread", "thread:news/a", o_thread, "news/a", NULL);
    custom("thread", "thread:news/a-b", o_thread, "news/a-b", NULL);
    custom("thread", "thread:news/a/x/1", o_thread, "news/a/x/1", NULL);
    custom("thread", "thread:\"a b/深 层/x\"", o_thread, "a b/深 层/x",
           NULL);
    custom("thread", "thread:\"news/a_b/c-d/e.f/g h/帖子 一\"", o_thread,
           "news/a_b/c-d/e.f/g h/帖子 一", NULL);
    custom("thread", "thread:a/x/y/z/1", o_thread, "a/x/y/z/1", NULL);
    custom("thread", "thread:j/a/1", o_thread, "j/a/1", NULL);

    ranged("floor", "floor:0 川普", o_floor, 0, 0, "川普");
    ranged("floor", "floor:1.. 川普", o_floor, 1, INT64_MAX, "川普");
    ranged("floor", "floor:2..10 马斯克", o_floor, 2, 10, "马斯克");
    ranged("floor", "floor:..3 AI", o_floor, 0, 3, "AI");
    ranged("floor", "floor:1 .. 3 的", o_floor, 1, 3, "的");
    ranged("floor", "floor:1 ..3 的", o_floor, 1, 3, "的");
    ranged("floor", "floor:.. 2 的", o_floor, 0, 2, "的");
    ranged("floor", "floor:12", o_floor, 12, 12, NULL);
    custom("floor", "川普 -floor:0", o_not_floor0, NULL, NULL);
    custom("floor", "(奥特曼 OR 孙正义) -board:news floor:1..", o_mixed,
           NULL, NULL);
}

/* Title queries: words of real titles, as written and in the other
 * script. */
static void add_title_queries(void)
{
    for (size_t k = 0, added = 0; added < 8 && k < 1000; k++) {
        const thread_t *t = &threads[pick(n_threads)];
        int32_t n = (int32_t)strlen(t->title), i = 0;
        /* The first two CJK characters in a row. */
        while (i < n) {
            int32_t at = i, j;
            UChar32 c, d;
            U8_NEXT(t->title, i, n, c);
            j = i;
            if (j >= n)
                break;
            U8_NEXT(t->title, j, n, d);
            if (!is_cjk_script(c) || !is_cjk_script(d))
                continue;
            char *word = xstrndup(t->title + at, (size_t)(j - at));
            char text[256];
            snprintf(text, sizeof text, "title:%s", word);
            custom("title", text, o_title, norm_cached(word), NULL);
            char *other = translit_chars(added % 2 ? t2s : s2t, word);
            snprintf(text, sizeof text, "title:%s 的", other);
            custom("title", text, o_title_and, norm_cached(other), "的")
                ->must_match = 0;
            free(other);
            free(word);
            added++;
            break;
        }
    }
}

static void add_date_queries(void)
{
    /* Dates of real posts, written every way a person might. */
    for (int k = 0; k < 6; k++) {
        int64_t when = NO_DATE;
        while (when == NO_DATE) {
            const thread_t *t = &threads[pick(n_threads)];
            const post_t *p = &t->posts[pick(t->n_posts)];
            when = p->date != NO_DATE ? p->date : t->date;
        }
        int y, m, d;
        civil_of(when, &y, &m, &d);
        char text[128];
        snprintf(text, sizeof text, "date:%d-%d", y, m);
        ranged("date", text, o_date, month_start(y, m),
               month_start(y, m + 1) - 1, NULL);
        snprintf(text, sizeof text, "date:%d-%02d", y, m);
        ranged("date", text, o_date, month_start(y, m),
               month_start(y, m + 1) - 1, NULL);
        snprintf(text, sizeof text, "date:%d-%d-%d", y, m, d);
        ranged("date", text, o_date, utc(y, m, d, 0, 0, 0),
               utc(y, m, d, 0, 0, 0) + 86399, NULL);
        snprintf(text, sizeof text, "date:%d-%02d-%d", y, m, d);
        ranged("date", text, o_date, utc(y, m, d, 0, 0, 0),
               utc(y, m, d, 0, 0, 0) + 86399, NULL);
        snprintf(text, sizeof text, "date:%d年%d月%d日", y, m, d);
        ranged("date", text, o_date, utc(y, m, d, 0, 0, 0),
               utc(y, m, d, 0, 0, 0) + 86399, NULL);
        int y2 = y, m2 = m + 1 + (int)pick(5);
        if (m2 > 12)
            m2 -= 12, y2++;
        snprintf(text, sizeof text, "date:%d-%d-%d..%d-%d", y, m, d, y2, m2);
        ranged("date", text, o_date, utc(y, m, d, 0, 0, 0),
               month_start(y2, m2 + 1) - 1, NULL);
        snprintf(text, sizeof text, "date:%d-%d .. %d-%d-1 的", y, m, y2,
                 m2);
        ranged("date", text, o_date, month_start(y, m),
               utc(y2, m2, 1, 23, 59, 59), "的")->must_match = 0;
        snprintf(text, sizeof text, "date:..%d-%d", y, m);
        ranged("date", text, o_date, INT64_MIN, month_start(y, m + 1) - 1,
               NULL);
        snprintf(text, sizeof text, "date:%d-%d-%d.. 川普", y, m, d);
        ranged("date", text, o_date, utc(y, m, d, 0, 0, 0), INT64_MAX,
               "川普")->must_match = 0;
    }
    ranged("date", "date:2024", o_date, utc(2024, 1, 1, 0, 0, 0),
           utc(2025, 1, 1, 0, 0, 0) - 1, NULL);
    ranged("date", "date:2023..2024 拜登", o_date, utc(2023, 1, 1, 0, 0, 0),
           utc(2025, 1, 1, 0, 0, 0) - 1, "拜登");
    ranged("date", "date:2025-1..", o_date, utc(2025, 1, 1, 0, 0, 0),
           INT64_MAX, NULL);
}

/* Substrings of the corpus: a stretch of code points of raw text. */
typedef struct stretch {
    const char *s;
    size_t len;
} stretch_t;

/* All raw texts of the corpus, for sampling. */
static strv_t raw_texts_of(void)
{
    strv_t all = {0};
    for (size_t i = 0; i < n_threads; i++) {
        strv_push(&all, threads[i].title);
        for (size_t j = 0; j < threads[i].n_posts; j++)
            strv_push(&all, threads[i].posts[j].text);
    }
    return all;
}

/* Whether normalization cannot join the character at s[i] with what
 * precedes it (so the stretch normalizes alone as it does in place). */
static int boundary_at(const char *s, int32_t i, int32_t n)
{
    if (i >= n)
        return 1;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    return unorm2_hasBoundaryBefore(nfkc_cf, c);
}

/* No query syntax inside: a plain word. */
static int plain_word(const char *s, size_t len)
{
    static const char *const syntax[] = {"(", ")", "\"", "|", ":", "“", "”",
                                         "｜", " ", "\t", "\xE3\x80\x80",
                                         "\xC2\xA0", "\n"};
    char *w = xstrndup(s, len);
    int ok = len > 0 && w[0] != '-' && strncmp(w, "..", 2) != 0 &&
             strcmp(w, "OR") != 0 && strcmp(w, "AND") != 0 &&
             strcmp(w, "NOT") != 0;
    for (size_t i = 0; ok && i < sizeof syntax / sizeof syntax[0]; i++)
        ok = strstr(w, syntax[i]) == NULL;
    int32_t n = (int32_t)len;
    for (int32_t i = 0; ok && i < n;) {
        UChar32 c;
        U8_NEXT(w, i, n, c);
        ok = !u_isUWhiteSpace(c);
    }
    free(w);
    return ok;
}

/* Every run of `n` CJK characters in the corpus, as written. */
static void cjk_ngrams(const strv_t *texts, int n, strv_t *out)
{
    for (size_t t = 0; t < texts->n; t++) {
        const char *s = texts->v[t];
        int32_t len = (int32_t)strlen(s);
        int32_t starts[4] = {0};
        int run = 0;
        for (int32_t i = 0; i < len;) {
            int32_t at = i;
            UChar32 c;
            U8_NEXT(s, i, len, c);
            if (!is_cjk_script(c) || c > 0xFFFF) {
                run = 0;
                continue;
            }
            for (int k = 0; k < 3; k++)
                starts[k] = starts[k + 1];
            starts[3] = at;
            if (++run >= n && boundary_at(s, i, len)) {
                int32_t from = starts[4 - n];
                strv_push(out, xstrndup(s + from, (size_t)(i - from)));
            }
        }
    }
    strv_uniq(out);
}

/* Samples k strings of a sorted list, without repeats. */
static void sample(strv_t *from, size_t k, strv_t *out)
{
    for (size_t i = 0; i < k && from->n > 0; i++) {
        size_t j = pick(from->n);
        strv_push(out, from->v[j]);
        from->v[j] = from->v[--from->n];
    }
}

/* Whether position i of s falls between two letters or digits: a
 * stretch cut there would not match as a whole word. */
static int inside_word(const char *s, int32_t i, int32_t n)
{
    if (i == 0 || i >= n)
        return 0;
    int32_t j = i, k = i;
    UChar32 before, after;
    U8_PREV(s, 0, j, before);
    U8_NEXT(s, k, n, after);
    return oracle_word_char(before) && oracle_word_char(after);
}

/* A random stretch of 3..max code points of some text. */
static stretch_t random_stretch(const strv_t *texts, int32_t max)
{
    const char *s = texts->v[pick(texts->n)];
    int32_t len = (int32_t)strlen(s);
    int32_t i = (int32_t)pick((size_t)len + 1);
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    int32_t start = i, want = 3 + (int32_t)pick((size_t)max - 2);
    for (int32_t k = 0; k < want && i < len; k++) {
        UChar32 c;
        U8_NEXT(s, i, len, c);
    }
    if (!boundary_at(s, start, len) || !boundary_at(s, i, len) ||
        inside_word(s, start, len) || inside_word(s, i, len))
        return (stretch_t){s, 0};
    return (stretch_t){s + start, (size_t)(i - start)};
}

static int has_space(const char *s, size_t len)
{
    int32_t n = (int32_t)len;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (u_isUWhiteSpace(c))
            return 1;
    }
    return 0;
}

static int contains_cjk_and_latin(const char *s, size_t len)
{
    int cjk = 0, latin_letter = 0;
    int32_t n = (int32_t)len;
    for (int32_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        cjk |= is_cjk_script(c);
        latin_letter |= c < 0x80 && u_isalpha(c);
    }
    return cjk && latin_letter;
}

static void add_text_queries(void)
{
    for (size_t i = 0; i < sizeof fixed_queries / sizeof fixed_queries[0];
         i++) {
        query_t *q = add_query("fixed", fixed_queries[i], Q_WORDS);
        q->via_cli = i % 4 == 0;
        q->must_match = 1;
    }

    strv_t texts = raw_texts_of();
    for (int n = 2; n <= 3; n++) {
        strv_t all = {0}, picked = {0};
        cjk_ngrams(&texts, n, &all);
        fprintf(stderr, "%zu distinct %d-character CJK strings in the "
                "corpus\n", all.n, n);
        sample(&all, 300, &picked);
        for (size_t i = 0; i < picked.n; i++) {
            const char *s = picked.v[i];
            if (!plain_word(s, strlen(s)))
                continue;
            add_query(n == 2 ? "cjk-2" : "cjk-3", s, Q_WORDS)->must_match = 1;
            /* The other script, both ways. */
            if (i % 2 == 0) {
                char *t = translit_chars(s2t, s);
                char *u = translit_chars(t2s, s);
                if (strcmp(t, s) != 0)
                    add_query("traditional", t, Q_WORDS)->must_match = 1;
                if (strcmp(u, s) != 0)
                    add_query("simplified", u, Q_WORDS)->must_match = 1;
                free(t);
                free(u);
            }
        }
        /* picked's strings are all's: free them through all. */
        for (size_t i = 0; i < picked.n; i++)
            strv_push(&all, picked.v[i]);
        free(picked.v);
        strv_free(&all);
    }

    /* Latin words as written, other cases, full width, prefixes: whole
     * runs of letters and digits that are all ASCII. */
    strv_t words = {0}, picked = {0};
    for (size_t t = 0; t < texts.n; t++) {
        const char *s = texts.v[t];
        int32_t n = (int32_t)strlen(s);
        for (int32_t i = 0; i < n;) {
            int32_t start = i, end = i, ascii = 1;
            UChar32 c;
            while (end < n) {
                int32_t j = end;
                U8_NEXT(s, j, n, c);
                if (!oracle_word_char(c))
                    break;
                ascii &= c < 0x80;
                end = j;
            }
            if (ascii && end - start >= 2 && end - start <= 20)
                strv_push(&words, xstrndup(s + start, (size_t)(end - start)));
            if (end == start)
                U8_NEXT(s, end, n, c);
            i = end;
        }
    }
    strv_uniq(&words);
    fprintf(stderr, "%zu distinct Latin words in the corpus\n", words.n);
    sample(&words, 100, &picked);
    for (size_t i = 0; i < picked.n; i++) {
        const char *w = picked.v[i];
        if (!plain_word(w, strlen(w)))
            continue;
        add_query("latin", w, Q_WORDS)->must_match = 1;
        char *v = i % 3 == 0 ? ascii_case(w, 1)
                  : i % 3 == 1 ? ascii_case(w, 0) : full_width(w);
        add_query("latin-variant", v, Q_WORDS)->must_match = 1;
        free(v);
        if (strlen(w) >= 5) {
            char *prefix = xstrndup(w, 3);
            add_query("latin-prefix", prefix, Q_WORDS);
            free(prefix);
        }
    }
    for (size_t i = 0; i < picked.n; i++)
        strv_push(&words, picked.v[i]);
    free(picked.v);
    strv_free(&words);

    /* Mixed Latin and CJK, as written. */
    for (size_t k = 0, added = 0; added < 100 && k < 200000; k++) {
        stretch_t st = random_stretch(&texts, 8);
        if (st.len == 0 || !plain_word(st.s, st.len) ||
            !contains_cjk_and_latin(st.s, st.len))
            continue;
        char *w = xstrndup(st.s, st.len);
        add_query("mixed", w, Q_WORDS)->must_match = 1;
        free(w);
        added++;
    }

    /* Phrases with white space inside (spaces, tabs, line breaks, the
     * ideographic space), as written. */
    for (size_t k = 0, added = 0; added < 80 && k < 200000; k++) {
        stretch_t st = random_stretch(&texts, 14);
        if (st.len == 0 || memchr(st.s, '"', st.len))
            continue;
        const char *s = st.s;
        size_t len = st.len;
        trim(&s, &len);
        if (len < 3 || !has_space(s, len))
            continue;
        sbuf_t b = {0};
        sb_str(&b, "\"");
        sb_add(&b, s, len);
        sb_str(&b, "\"");
        query_t *q = add_query("phrase", b.s, Q_PHRASE);
        q->via_cli = added % 20 == 0;
        q->must_match = 1;
        free(b.s);
        added++;
    }

    /* CJK, white space, CJK, quoted: the space as written, as another
     * kind of white space (the phrase matches any run of it), and
     * dropped; unquoted, the two sides as two words. The index has a
     * junction term for the two characters either side of the space,
     * which the quoted phrase requires: the posts that hold it with a
     * line break, a tab or U+3000 there must be found too. */
    static const char *const spaces[] = {" ", "  ", "\t", "\n",
                                         "\xE3\x80\x80" /* U+3000 */};
    for (size_t k = 0, added = 0; added < 60 && k < 200000; k++) {
        const char *s = texts.v[pick(texts.n)];
        int32_t len = (int32_t)strlen(s), i = (int32_t)pick((size_t)len);
        while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
            i--;
        /* The first CJK, white space, CJK from i on. */
        int32_t left = -1, gap = -1, right = -1, end = -1;
        for (int32_t at = i, prev = -1; at < len && end < 0;) {
            int32_t here = at;
            UChar32 c;
            U8_NEXT(s, at, len, c);
            if (u_isUWhiteSpace(c)) {
                if (gap < 0 && prev >= 0)
                    left = prev, gap = here;
                prev = -1;
                continue;
            }
            if (is_cjk_script(c)) {
                if (gap >= 0)
                    right = here, end = at;
                prev = here;
            } else {
                prev = -1;
            }
            if (end < 0)
                gap = -1;
        }
        if (end < 0 || !boundary_at(s, left, len) || !boundary_at(s, end, len))
            continue;
        /* One more CJK character on each side when there is one. */
        int32_t a = left, b = end;
        if (a > 0) {
            int32_t j = a;
            UChar32 c;
            U8_PREV(s, 0, j, c);
            if (is_cjk_script(c) && boundary_at(s, j, len))
                a = j;
        }
        if (b < len) {
            int32_t j = b;
            UChar32 c;
            U8_NEXT(s, j, len, c);
            if (is_cjk_script(c) && boundary_at(s, j, len))
                b = j;
        }
        const char *space = spaces[pick(sizeof spaces / sizeof spaces[0])];
        sbuf_t as_written = {0}, other = {0}, joined = {0}, words = {0};
        sb_printf(&as_written, "\"%.*s\"", (int)(b - a), s + a);
        sb_printf(&other, "\"%.*s%s%.*s\"", (int)(gap - a), s + a, space,
                  (int)(b - right), s + right);
        sb_printf(&joined, "\"%.*s%.*s\"", (int)(gap - a), s + a,
                  (int)(b - right), s + right);
        sb_printf(&words, "%.*s %.*s", (int)(gap - a), s + a,
                  (int)(b - right), s + right);
        query_t *q = add_query("cjk-space", as_written.s, Q_PHRASE);
        q->must_match = 1;
        q->via_cli = added % 10 == 0;
        add_query("cjk-space", other.s, Q_PHRASE)->must_match = 1;
        add_query("cjk-space", joined.s, Q_PHRASE);
        if (plain_word(s + a, (size_t)(gap - a)) &&
            plain_word(s + right, (size_t)(b - right)))
            add_query("cjk-space", words.s, Q_WORDS)->must_match = 1;
        free(as_written.s);
        free(other.s);
        free(joined.s);
        free(words.s);
        added++;
    }
    /* A CJK pair written without a space, asked for with one: the
     * junction of a phrase is no bigram (mostly nowhere). */
    strv_t pairs = {0};
    cjk_ngrams(&texts, 2, &pairs);
    for (size_t k = 0; k < 20 && pairs.n > 0; k++) {
        const char *pair = pairs.v[pick(pairs.n)];
        int32_t j = 0, n = (int32_t)strlen(pair);
        UChar32 c;
        U8_NEXT(pair, j, n, c);
        sbuf_t b = {0};
        sb_printf(&b, "\"%.*s %s\"", (int)j, pair, pair + j);
        add_query("cjk-space", b.s, Q_PHRASE);
        free(b.s);
    }
    strv_free(&pairs);

    /* Random pairs of characters: mostly nowhere. */
    for (int k = 0; k < 80; k++) {
        sbuf_t b = {0};
        append_han(&b, 2);
        if (k % 2) {
            char *t = translit_u8(s2t, b.s);
            free(b.s);
            b.s = t;
        }
        add_query("random-pair", b.s, Q_WORDS);
        free(b.s);
    }

    /* Two words of one post, or of two posts. */
    for (int k = 0; k < 80; k++) {
        strv_t one = {0}, first = {0}, second = {0};
        strv_push(&one, texts.v[pick(texts.n)]);
        cjk_ngrams(&one, 2, &first);
        if (k % 2)
            one.v[0] = texts.v[pick(texts.n)];
        cjk_ngrams(&one, 2, &second);
        free(one.v);
        if (first.n > 0 && second.n > 0) {
            const char *a = first.v[pick(first.n)];
            const char *b = second.v[pick(second.n)];
            if (plain_word(a, strlen(a)) && plain_word(b, strlen(b))) {
                sbuf_t q = {0};
                sb_printf(&q, "%s %s", a, b);
                add_query("two-words", q.s, Q_WORDS)->must_match = k % 2 == 0;
                free(q.s);
            }
        }
        strv_free(&first);
        strv_free(&second);
    }
    free(texts.v); /* The strings are the corpus's. */
}

/* ---- Running the engine ----------------------------------------------- */

static forum_db_t *open_db(const char *path)
{
    forum_db_t *db;
    char *err = NULL;
    if (forum_db_open(&db, path, FORUM_DB_READ, &err) != FORUM_OK)
        TEST_FAIL("open %s: %s", path, err ? err : "?");
    return db;
}

/* The keys ("thread#floor", or the thread when collapsing) of every hit,
 * and the counts. */
static void lib_search(forum_db_t *db, const char *query, int collapse,
                       strv_t *keys, uint64_t *posts, uint64_t *threads_out)
{
    forum_search_options_t o;
    CHECK_EQ_INT(forum_search_options_init(&o, FORUM_SEARCH_OPTIONS_VERSION),
                 FORUM_OK);
    o.collapse_threads = collapse;
    o.limit = 100000;
    forum_query_t *q;
    if (forum_query_create(&q, db, query, strlen(query), &o) != FORUM_OK)
        TEST_FAIL("%s: %s", query, forum_db_last_error(db));
    forum_results_t *res;
    if (forum_query_run(q, &res) != FORUM_OK)
        TEST_FAIL("%s: %s", query, forum_db_last_error(db));
    forum_results_counts(res, posts, threads_out);
    const forum_hit_t *hit;
    forum_status_t st;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        sbuf_t k = {0};
        if (collapse)
            sb_str(&k, hit->thread_id);
        else
            sb_printf(&k, "%s#%d", hit->thread_id, hit->floor);
        strv_push(keys, sb_take(&k));
    }
    CHECK_EQ_INT(st, FORUM_ITER_DONE);
    forum_query_destroy(q);
}

/* Single quotes for the shell. */
static void shell_quote(sbuf_t *b, const char *s)
{
    sb_str(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            sb_str(b, "'\\''");
        else
            sb_add(b, s, 1);
    }
    sb_str(b, "'");
}

/* forum-search --posts --json: the thread and floor of each line, and
 * forum-search --count --json. */
static void cli_search(const char *cli, const char *db, const char *query,
                       strv_t *keys, long *posts, long *threads_out)
{
    sbuf_t cmd = {0};
    shell_quote(&cmd, cli);
    sb_str(&cmd, " --posts --json --limit 100000 ");
    shell_quote(&cmd, db);
    sb_str(&cmd, " ");
    shell_quote(&cmd, query);
    FILE *out = popen(cmd.s, "r");
    CHECK(out != NULL);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, out) > 0) {
        char *t = strstr(line, "\"thread\":\"");
        char *f = strstr(line, "\"floor\":");
        CHECK(t && f);
        t += 10;
        char *end = strchr(t, '"');
        CHECK(end != NULL);
        sbuf_t k = {0};
        sb_printf(&k, "%.*s#%d", (int)(end - t), t, atoi(f + 8));
        strv_push(keys, sb_take(&k));
    }
    free(line);
    int rc = pclose(out);
    CHECK(rc != -1);
    free(cmd.s);
    memset(&cmd, 0, sizeof cmd);

    shell_quote(&cmd, cli);
    sb_str(&cmd, " --count --json ");
    shell_quote(&cmd, db);
    sb_str(&cmd, " ");
    shell_quote(&cmd, query);
    out = popen(cmd.s, "r");
    CHECK(out != NULL);
    char buf[256];
    CHECK(fgets(buf, sizeof buf, out) != NULL);
    pclose(out);
    free(cmd.s);
    CHECK(sscanf(buf, "{\"posts\":%ld,\"threads\":%ld}", posts, threads_out)
          == 2);
}

/* Compares sorted found and expected; prints differences (up to 8).
 * Returns the number found that were expected. */
static size_t compare(const char *what, const char *query, strv_t *found,
                      strv_t *expected, int *same)
{
    if (found->n)
        qsort(found->v, found->n, sizeof *found->v, cmp_str);
    if (expected->n)
        qsort(expected->v, expected->n, sizeof *expected->v, cmp_str);
    size_t common = 0, shown = 0;
    for (size_t i = 0, j = 0; i < found->n || j < expected->n;) {
        int c = i == found->n ? 1 : j == expected->n ? -1
                : strcmp(found->v[i], expected->v[j]);
        if (c == 0) {
            common++, i++, j++;
            continue;
        }
        if (shown++ == 0)
            fprintf(stderr, "MISMATCH %s: %s (expected %zu, found %zu)\n",
                    what, query, expected->n, found->n);
        if (shown <= 8)
            fprintf(stderr, "  %s %s\n", c < 0 ? "extra:  " : "missing:",
                    c < 0 ? found->v[i] : expected->v[j]);
        if (c < 0)
            i++;
        else
            j++;
    }
    *same = shown == 0;
    return common;
}

typedef struct tally {
    const char *family;
    size_t queries, expected, found, common, mismatches;
} tally_t;

/* Runs every query; returns the number of mismatches. */
static size_t verify(const char *db_path, const char *cli, int first_round,
                     int with_cli)
{
    build_oracle_view();
    fprintf(stderr, "%zu posts in %zu files for the oracle\n", n_oposts,
            n_files);
    forum_db_t *db = open_db(db_path);
    uint64_t total;
    CHECK_EQ_INT(forum_db_post_count(db, &total), FORUM_OK);
    tally_t tallies[32];
    size_t n_tallies = 0, failures = 0, cli_runs = 0;
    if (total != n_oposts) {
        fprintf(stderr, "MISMATCH: the database holds %llu posts, the "
                "corpus %zu\n", (unsigned long long)total, n_oposts);
        failures++;
    }
    size_t all_expected = 0, all_found = 0, all_common = 0;
    for (size_t qi = 0; qi < n_queries; qi++) {
        query_t *q = &queries[qi];
        test_phase = q->text;
        strv_t expected = {0}, threads_expected = {0}, found = {0};
        for (size_t i = 0; i < n_oposts; i++) {
            if (!oracle_matches(&oposts[i], q))
                continue;
            strv_push(&expected, xstrdup(oposts[i].key));
            strv_push(&threads_expected, xstrdup(oposts[i].t->id));
        }
        strv_uniq(&threads_expected);
        uint64_t posts, n_thr;
        lib_search(db, q->text, 0, &found, &posts, &n_thr);
        int same;
        size_t common = compare("library", q->text, &found, &expected, &same);
        if (same && posts != expected.n) {
            fprintf(stderr, "MISMATCH counts: %s: %llu posts counted, %zu "
                    "expected\n", q->text, (unsigned long long)posts,
                    expected.n);
            same = 0;
        }
        /* Collapsed: one hit per thread, and the thread count. */
        if (same && (qi % 3 == 0 || q->kind == Q_CUSTOM)) {
            strv_t collapsed = {0};
            lib_search(db, q->text, 1, &collapsed, &posts, &n_thr);
            compare("collapsed", q->text, &collapsed, &threads_expected,
                    &same);
            if (same && (posts != expected.n ||
                         n_thr != threads_expected.n)) {
                fprintf(stderr, "MISMATCH counts: %s: %llu posts in %llu "
                        "threads counted, %zu in %zu expected\n", q->text,
                        (unsigned long long)posts, (unsigned long long)n_thr,
                        expected.n, threads_expected.n);
                same = 0;
            }
            strv_free(&collapsed);
        }
        if (same && with_cli && q->via_cli) {
            strv_t cli_found = {0};
            long cli_posts, cli_threads;
            cli_search(cli, db_path, q->text, &cli_found, &cli_posts,
                       &cli_threads);
            compare("forum-search", q->text, &cli_found, &expected, &same);
            if (same && (cli_posts != (long)expected.n ||
                         cli_threads != (long)threads_expected.n)) {
                fprintf(stderr, "MISMATCH forum-search --count: %s: %ld "
                        "posts in %ld threads\n", q->text, cli_posts,
                        cli_threads);
                same = 0;
            }
            strv_free(&cli_found);
            cli_runs++;
        }
        if (first_round && q->must_match && expected.n == 0) {
            fprintf(stderr, "NOTHING TO TEST: %s expects no post\n",
                    q->text);
            same = 0;
        }
        tally_t *t = NULL;
        for (size_t i = 0; i < n_tallies && !t; i++)
            if (strcmp(tallies[i].family, q->family) == 0)
                t = &tallies[i];
        if (t == NULL) {
            CHECK(n_tallies < sizeof tallies / sizeof tallies[0]);
            t = &tallies[n_tallies++];
            *t = (tally_t){q->family, 0, 0, 0, 0, 0};
        }
        t->queries++;
        t->expected += expected.n;
        t->found += found.n;
        t->common += common;
        t->mismatches += !same;
        failures += !same;
        all_expected += expected.n;
        all_found += found.n;
        all_common += common;
        strv_free(&expected);
        strv_free(&threads_expected);
        strv_free(&found);
    }
    forum_db_destroy(db);
    test_phase = "summary";
    for (size_t i = 0; i < n_tallies; i++) {
        const tally_t *t = &tallies[i];
        fprintf(stderr, "  %-14s %4zu queries %6zu posts expected %6zu found "
                "recall %.3f precision %.3f %zu mismatches\n", t->family,
                t->queries, t->expected, t->found,
                t->expected ? (double)t->common / (double)t->expected : 1.0,
                t->found ? (double)t->common / (double)t->found : 1.0,
                t->mismatches);
    }
    fprintf(stderr, "all: %zu queries (%zu also through forum-search), %zu "
            "posts expected, %zu found: recall %.3f precision %.3f, %zu "
            "mismatches\n", n_queries, cli_runs, all_expected, all_found,
            all_expected ? (double)all_common / (double)all_expected : 1.0,
            all_found ? (double)all_common / (double)all_found : 1.0,
            failures);
    return failures;
}

static void run_indexer(const char *indexer, const char *db)
{
    sbuf_t cmd = {0};
    shell_quote(&cmd, indexer);
    sb_str(&cmd, " -q ");
    shell_quote(&cmd, db);
    sb_str(&cmd, " ");
    shell_quote(&cmd, root);
    CHECK_EQ_INT(system(cmd.s), 0);
    free(cmd.s);
}

/* ---- The edits between runs ------------------------------------------- */

static void replace_thread_content(const char *rel)
{
    for (size_t f = 0; f < n_files; f++) {
        if (!files[f].alive || strcmp(files[f].rel, rel) != 0)
            continue;
        size_t before = n_threads;
        for (size_t i = 0; i < before; i++) {
            if (!threads[i].alive || threads[i].file != f)
                continue;
            /* A new thread with the same id replaces the old one. */
            threads[i].alive = 0;
            thread_t *t = new_thread(threads[i].id, threads[i].board, f);
            fill_thread(t, files[f].jsonl);
        }
        write_file(f, 1);
        return;
    }
    TEST_FAIL("no file %s", rel);
}

/* A JSON Lines file loses its last thread. */
static void drop_last_thread(const char *rel)
{
    for (size_t f = 0; f < n_files; f++) {
        if (!files[f].alive || strcmp(files[f].rel, rel) != 0)
            continue;
        for (size_t i = n_threads; i > 0; i--)
            if (threads[i - 1].alive && threads[i - 1].file == f) {
                threads[i - 1].alive = 0;
                break;
            }
        write_file(f, 1);
        return;
    }
    TEST_FAIL("no file %s", rel);
}

static void edit_tree(void)
{
    /* Deleted: the sibling of news/a/ whose name news/a/x's sorts
     * around, a whole directory under a thread of the same name, a
     * file deep down. */
    remove_file("news/a-b.txt");
    remove_file("news/a/x/1.txt");
    remove_file("news/a/x/y.txt");
    char *path = under_root("news/a/x");
    CHECK(rmdir(path) == 0);
    free(path);
    remove_file("a b/深 层/第三.层/帖.txt");
    /* Rewritten: fewer or more posts, other text. */
    replace_thread_content("news/a.txt");
    replace_thread_content("a/x/1.txt");
    replace_thread_content("新聞 板/子版_1/第三層/一.txt");
    replace_thread_content("a/x/more.jsonl");
    drop_last_thread("jsonl/a/list.jsonl");
    /* Added: a file next to a directory of its name, a deep directory
     * under a thread's name. */
    new_txt_thread("a/x.txt");
    write_file(n_files - 1, 1);
    new_txt_thread("news/a-b/c/d/e.txt");
    write_file(n_files - 1, 1);
    new_txt_thread("news/a/x/z.txt");
    write_file(n_files - 1, 1);
    /* A board renamed: ab becomes ab2 (its threads get new ids). */
    for (size_t f = 0; f < n_files; f++) {
        if (!files[f].alive || strncmp(files[f].rel, "ab/", 3) != 0)
            continue;
        char rel[1024];
        snprintf(rel, sizeof rel, "ab2/%s", files[f].rel + 3);
        char *old = xstrdup(files[f].rel);
        remove_file(old);
        free(old);
        new_txt_thread(rel);
        write_file(n_files - 1, 1);
    }
    path = under_root("ab");
    CHECK(rmdir(path) == 0);
    free(path);
}

/* ---- Main -------------------------------------------------------------- */

static void remove_tree(const char *a, const char *b)
{
    sbuf_t cmd = {0};
    sb_str(&cmd, "rm -rf ");
    shell_quote(&cmd, a);
    sb_str(&cmd, " ");
    shell_quote(&cmd, b);
    CHECK_EQ_INT(system(cmd.s), 0);
    free(cmd.s);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_recall INDEXER SEARCHER SAMPLES "
                "SCRATCH\n");
        return 2;
    }
    const char *indexer = argv[1], *searcher = argv[2];
    const char *seed_env = getenv("FORUM_RECALL_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 10) : 20250530;
    rng_state = seed;
    fprintf(stderr, "seed %llu (FORUM_RECALL_SEED)\n",
            (unsigned long long)seed);
    icu_init();

    CHECK(strlen(argv[4]) < 2048);
    char db[4096];
    snprintf(root, sizeof root, "%s/recall.tree", argv[4]);
    snprintf(db, sizeof db, "%s/recall.db", argv[4]);
    remove_tree(root, db);
    CHECK(mkdir(root, 0755) == 0);

    PHASE("write the corpus");
    read_samples(argv[3]);
    fprintf(stderr, "%zu lines from %s\n", pool.n, argv[3]);
    CHECK(pool.n > 1000);
    for (size_t i = pool.n; i > 1; i--) { /* Shuffle. */
        size_t j = pick(i);
        char *t = pool.v[i - 1];
        pool.v[i - 1] = pool.v[j];
        pool.v[j] = t;
    }
    for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++)
        new_txt_thread(tree[i]);
    new_jsonl_file("jsonl/a/list.jsonl", "j/a/", "json 板", 8);
    new_jsonl_file("a/x/more.jsonl", "a/x/j", "a", 6);
    for (size_t i = 0; pool_next < pool.n && i < 1000; i++) {
        char rel[1024];
        snprintf(rel, sizeof rel, "%s/%04zu_%s.txt", PICK(more_dirs), i,
                 PICK(more_names));
        new_txt_thread(rel);
    }
    for (size_t f = 0; f < n_files; f++)
        write_file(f, 0);
    fprintf(stderr, "%zu threads in %zu files\n", n_threads, n_files);

    PHASE("queries");
    add_text_queries();
    add_operator_queries();
    add_title_queries();
    add_date_queries();
    fprintf(stderr, "%zu queries\n", n_queries);

    size_t failures = 0;
    PHASE("index with forum-index, check every query");
    run_indexer(indexer, db);
    failures += verify(db, searcher, 1, 1);

    PHASE("edit the tree, index incrementally, check again");
    edit_tree();
    run_indexer(indexer, db);
    failures += verify(db, searcher, 0, 1);

    PHASE("index again without changes, check again");
    run_indexer(indexer, db);
    failures += verify(db, searcher, 0, 0);

    /* Clean up. */
    for (size_t i = 0; i < n_queries; i++) {
        free(queries[i].text);
        strv_free(&queries[i].needles);
    }
    free(queries);
    for (size_t i = 0; i < n_oposts; i++)
        free(oposts[i].key);
    free(oposts);
    for (size_t i = 0; i < n_threads; i++) {
        thread_t *t = &threads[i];
        for (size_t j = 0; j < t->n_posts; j++) {
            free(t->posts[j].author);
            free(t->posts[j].text);
            free(t->posts[j].n_text);
            free(t->posts[j].n_author);
        }
        free(t->posts);
        free(t->id);
        free(t->board);
        free(t->title);
        free(t->n_title);
        free(t->n_board);
    }
    free(threads);
    for (size_t i = 0; i < n_files; i++)
        free(files[i].rel);
    free(files);
    strv_free(&pool);
    strv_free(&cache_raw);
    strv_free(&cache_norm);
    utrans_close(t2s);
    utrans_close(s2t);
    if (failures == 0)
        remove_tree(root, db);
    fprintf(stderr, "test_recall: %zu mismatches\n", failures);
    return failures ? 1 : 0;
}
