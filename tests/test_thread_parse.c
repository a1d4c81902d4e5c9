/* Thread-file reader: the seed format, and every kind of bad input the
 * issue lists (each with its message and line, and what survives). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "fsi_input.h"
#include "fsi_limits.h"
#include "testutil.h"

/* Diagnostics collected as "LINE:E|W:message\n". */
static fsi_buf_t diags = FSI_BUF_INIT;

static void collect(void *payload, const char *path, size_t line,
                    int is_error, const char *message)
{
    (void)payload;
    (void)path;
    fsi_buf_printf(&diags, "%zu:%c:%s\n", line, is_error ? 'E' : 'W',
                   message);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *bytes = malloc((size_t)size + 1);
    CHECK(bytes != NULL);
    CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return bytes;
}

/* Reads, converts and parses like the indexer does. */
static forum_status_t parse_bytes(fsi_thread_t *t, const char *bytes,
                                  size_t len)
{
    char *text;
    size_t text_len;
    diags.len = 0;
    fsi_buf_append(&diags, "", 0);
    fsi_thread_init(t);
    CHECK(fsi_text_to_utf8(&text, &text_len, "f", bytes, len, collect,
                           NULL) == FORUM_OK);
    forum_status_t st = fsi_thread_parse_text(t, "f", text, text_len,
                                              collect, NULL);
    free(text);
    return st;
}

static forum_status_t parse_fixture(fsi_thread_t *t, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FORUM_FIXTURES_DIR, name);
    size_t len;
    char *bytes = read_all(path, &len);
    if (bytes == NULL)
        TEST_FAIL("cannot read %s", path);
    forum_status_t st = parse_bytes(t, bytes, len);
    free(bytes);
    return st;
}

static void check_diags(const char *expected)
{
    if (strcmp(diags.data, expected) != 0)
        TEST_FAIL("diagnostics differ:\n--- got\n%s--- expected\n%s",
                  diags.data, expected);
}

static const fsi_post_t *post_at(const fsi_thread_t *t, int floor)
{
    for (size_t i = 0; i < t->n_posts; i++)
        if (t->posts[i].floor == floor)
            return &t->posts[i];
    TEST_FAIL("no floor %d", floor);
}

/* The author of the first inline quote in a post's text ("" when it
 * quotes nobody), and the quote's date through *date. */
static const char *quoted_author(const fsi_post_t *post, int64_t *date)
{
    static char name[256];
    fsi_quote_t q;
    name[0] = '\0';
    *date = FSI_NO_DATE;
    if (!fsi_quote_find(&q, post->text, post->text_len, 0))
        return name;
    size_t n = q.marker - q.start;
    CHECK(n < sizeof name);
    memcpy(name, post->text + q.start, n);
    name[n] = '\0';
    if (q.end - q.body >= 19)
        fsi_date_parse(date, post->text + q.body, 19);
    return name;
}

static void test_quote_find(void)
{
    PHASE("inline quotes");
    static const char text[] =
        "a\nsupernova13 发表评论于 2025-01-22 13:40:20 关税 ----- 不一定"
        " 发表评论于 x ==== y =====z";
    size_t len = sizeof text - 1;
    fsi_quote_t q;
    CHECK(fsi_quote_find(&q, text, len, 0));
    CHECK_EQ_INT(q.start, 2);
    CHECK_EQ_INT(q.marker, 2 + strlen("supernova13"));
    CHECK(strncmp(text + q.body, "2025-01-22", 10) == 0);
    CHECK(strncmp(text + q.end, "-----", 5) == 0);
    /* The next one quotes 不一定 and ends at "=====", not "====". */
    CHECK(fsi_quote_find(&q, text, len, q.marker + 1));
    CHECK_EQ_INT(q.marker - q.start, strlen("不一定"));
    CHECK(strcmp(text + q.end, "=====z") == 0);
    CHECK(!fsi_quote_find(&q, text, len, q.marker + 1));
    CHECK(!fsi_quote_find(&q, text, len, len));
    /* An empty name, and a quote to the end of the text. */
    static const char bare[] = "x  发表评论于 y";
    CHECK(fsi_quote_find(&q, bare, sizeof bare - 1, 0));
    CHECK_EQ_INT(q.start, 2);
    CHECK_EQ_INT(q.marker, 2);
    CHECK_EQ_INT(q.end, sizeof bare - 1);
}

static void test_good(void)
{
    fsi_thread_t t;
    PHASE("good: header, article, avatar lines, quotes");
    CHECK_EQ_INT(parse_fixture(&t, "good/quotes.txt"), FORUM_OK);
    check_diags("");
    CHECK_EQ_STR(t.title, "川普今天又发推了:关税要加到底");
    CHECK_EQ_STR(t.site, "某论坛");
    CHECK_EQ_STR(t.source, "某论坛新闻");
    CHECK_EQ_INT(t.date, 1737643380); /* Last reply: 2025-01-23 14:43 UTC */
    CHECK_EQ_INT(t.n_posts, 5);
    CHECK_EQ_STR(post_at(&t, 0)->text,
                 "川普今天在社交媒体上宣布,对进口商品加征关税。\n"
                 "马斯克向川普表示支持,但OpenAI的奥特曼没有表态。");
    CHECK_EQ_STR(post_at(&t, 1)->author, "supernova13");
    CHECK_EQ_STR(post_at(&t, 1)->text, "关税最后还是消费者买单。\n价格要涨了。");
    CHECK_EQ_STR(post_at(&t, 2)->author, "令胡冲");
    int64_t date;
    CHECK_EQ_STR(quoted_author(post_at(&t, 2), &date), "supernova13");
    CHECK_EQ_INT(date, 1737553220);
    CHECK_EQ_STR(quoted_author(post_at(&t, 1), &date), "");
    CHECK_EQ_STR(post_at(&t, 3)->author, "kingofLiu");
    CHECK_EQ_STR(post_at(&t, 4)->author, "京城老炮1950");
    CHECK_EQ_INT(post_at(&t, 4)->line, 27);
    fsi_thread_free(&t);
}

static void test_seed(void)
{
    fsi_thread_t t;
    char path[1024];
    snprintf(path, sizeof path, "%s/../../../shared/seed/"
             "000_276368efd83e594f.txt", FORUM_FIXTURES_DIR);
    size_t len;
    char *bytes = read_all(path, &len);
    PHASE("the real seed thread (when ../shared is there)");
    if (bytes == NULL) {
        fprintf(stderr, "skipped: %s not present\n", path);
        return;
    }
    CHECK_EQ_INT(parse_bytes(&t, bytes, len), FORUM_OK);
    check_diags("");
    CHECK_EQ_INT(t.n_posts, 49);
    for (int i = 0; i < 49; i++)
        CHECK_EQ_INT(t.posts[i].floor, i);
    CHECK(strncmp(post_at(&t, 0)->text, "特朗普周二宣布支持OpenAI",
                  strlen("特朗普周二宣布支持OpenAI")) == 0);
    CHECK_EQ_STR(post_at(&t, 1)->author, "旁观者XWY");
    CHECK_EQ_STR(post_at(&t, 3)->author, "supernova13");
    CHECK_EQ_STR(post_at(&t, 8)->author, "FollowNature");
    CHECK_EQ_STR(post_at(&t, 48)->author, "不好吃懒做");
    int64_t date;
    CHECK_EQ_STR(quoted_author(post_at(&t, 11), &date), "令胡冲");
    CHECK_EQ_STR(quoted_author(post_at(&t, 36), &date), "kingofLiu");
    CHECK_EQ_STR(t.source, "RFI华语");
    fsi_thread_free(&t);
    free(bytes);
}

static void test_bad(void)
{
    fsi_thread_t t;

    PHASE("empty file");
    CHECK_EQ_INT(parse_fixture(&t, "bad/empty.txt"), FORUM_EPARSE);
    check_diags("0:E:empty file\n");
    fsi_thread_free(&t);

    PHASE("blank lines only");
    CHECK_EQ_INT(parse_fixture(&t, "bad/blank_only.txt"), FORUM_EPARSE);
    check_diags("0:E:empty file\n");
    fsi_thread_free(&t);

    PHASE("BOM");
    CHECK_EQ_INT(parse_fixture(&t, "bad/bom.txt"), FORUM_OK);
    CHECK_EQ_STR(t.title, "川普今天又发推了:关税要加到底");
    check_diags("0:W:header says 4 replies but 1 floor lines were found\n");
    fsi_thread_free(&t);

    PHASE("CRLF");
    CHECK_EQ_INT(parse_fixture(&t, "bad/crlf.txt"), FORUM_OK);
    check_diags("");
    CHECK_EQ_INT(t.n_posts, 5);
    CHECK_EQ_STR(post_at(&t, 1)->text, "关税最后还是消费者买单。\n价格要涨了。");
    fsi_thread_free(&t);

    PHASE("invalid UTF-8");
    CHECK_EQ_INT(parse_fixture(&t, "bad/invalid_utf8.txt"), FORUM_OK);
    CHECK(strstr(diags.data, "19:W:invalid UTF-8") == diags.data);
    CHECK_EQ_INT(t.n_posts, 5);
    CHECK(strstr(post_at(&t, 1)->text, "\xEF\xBF\xBD price up") != NULL);
    fsi_thread_free(&t);

    PHASE("truncated mid-character and mid-reply");
    CHECK_EQ_INT(parse_fixture(&t, "bad/truncated.txt"), FORUM_OK);
    CHECK_EQ_INT(t.n_posts, 2);
    CHECK(strstr(diags.data, "invalid UTF-8") != NULL);
    CHECK(strstr(diags.data, "header says 4 replies but 1 floor lines")
          != NULL);
    fsi_thread_free(&t);

    PHASE("no floor lines");
    CHECK_EQ_INT(parse_fixture(&t, "bad/no_floors.txt"), FORUM_OK);
    check_diags("0:W:header says 5 replies but 0 floor lines were found\n");
    CHECK_EQ_INT(t.n_posts, 1);
    CHECK_EQ_STR(post_at(&t, 0)->text, "这一帖的回复都丢了。\n这里只剩正文。");
    fsi_thread_free(&t);

    PHASE("a floor line that is not a number");
    CHECK_EQ_INT(parse_fixture(&t, "bad/floor_not_number.txt"), FORUM_OK);
    check_diags("17:E:floor line \"x 楼\" is not a number; reply skipped\n"
                "20:W:floor 3 follows floor 1 (floors missing)\n");
    CHECK_EQ_INT(t.n_posts, 3);
    CHECK_EQ_STR(post_at(&t, 1)->text, "第一条回复。");
    CHECK_EQ_STR(post_at(&t, 3)->author, "王五");
    fsi_thread_free(&t);

    PHASE("floors out of order and repeated");
    CHECK_EQ_INT(parse_fixture(&t, "bad/floors_out_of_order.txt"), FORUM_OK);
    check_diags("17:W:floor 3 follows floor 1 (floors missing)\n"
                "20:W:floor 2 comes after floor 3 (out of order)\n"
                "23:E:floor 3 appears twice; the second is skipped\n");
    CHECK_EQ_INT(t.n_posts, 4);
    CHECK_EQ_STR(post_at(&t, 2)->text, "二楼在三楼后面。");
    CHECK_EQ_STR(post_at(&t, 3)->text, "三楼。");
    fsi_thread_free(&t);

    PHASE("UTF-16LE");
    CHECK_EQ_INT(parse_fixture(&t, "bad/utf16le.txt"), FORUM_OK);
    check_diags("0:W:converted from UTF-16LE\n");
    CHECK_EQ_INT(t.n_posts, 5);
    CHECK_EQ_STR(post_at(&t, 4)->author, "京城老炮1950");
    fsi_thread_free(&t);

    PHASE("GB18030");
    CHECK_EQ_INT(parse_fixture(&t, "bad/gb18030.txt"), FORUM_OK);
    check_diags("0:W:converted from GB18030\n");
    CHECK_EQ_INT(t.n_posts, 5);
    CHECK(strstr(post_at(&t, 3)->text, "马斯克说的对") != NULL);
    fsi_thread_free(&t);

    PHASE("Big5, with a header in Traditional");
    CHECK_EQ_INT(parse_fixture(&t, "bad/big5.txt"), FORUM_OK);
    check_diags("0:W:converted from Big5\n");
    CHECK_EQ_INT(t.date, 1737643380);
    CHECK_EQ_STR(post_at(&t, 1)->text, "馬斯克說的對。");
    fsi_thread_free(&t);

    PHASE("NUL bytes");
    CHECK_EQ_INT(parse_fixture(&t, "bad/nul_bytes.txt"), FORUM_OK);
    check_diags("18:W:removed 4 NUL bytes\n");
    CHECK_EQ_STR(post_at(&t, 1)->text, "关税最后还是消费者买单。\n价格要涨了。");
    fsi_thread_free(&t);
}

static void test_huge_line(void)
{
    PHASE("a 10 MB line");
    fsi_buf_t in = FSI_BUF_INIT;
    fsi_buf_append_str(&in, "标题\n\n正文。\n\n张三\n1 楼\n");
    for (int i = 0; i < 10 * 1024 * 1024 / 3; i++)
        fsi_buf_append(&in, "长", 3);
    fsi_buf_append_str(&in, "\n李四\n2 楼\n短回复。\n");
    CHECK(!in.failed);
    fsi_thread_t t;
    CHECK_EQ_INT(parse_bytes(&t, in.data, in.len), FORUM_OK);
    char expected[128];
    snprintf(expected, sizeof expected,
             "3:W:no header block (last reply, views, replies)\n"
             "7:W:post text truncated to %d bytes\n", FSI_MAX_POST_BYTES);
    check_diags(expected);
    CHECK_EQ_INT(t.n_posts, 3);
    CHECK(post_at(&t, 1)->text_len <= FSI_MAX_POST_BYTES);
    CHECK_EQ_INT(post_at(&t, 1)->text_len % 3, 0); /* Whole characters. */
    CHECK_EQ_STR(post_at(&t, 2)->text, "短回复。");
    fsi_thread_free(&t);
    fsi_buf_free(&in);
}

static void test_edge_shapes(void)
{
    fsi_thread_t t;
    PHASE("no header block, reply without author, 大楼 is content");
    const char *text = "标题\n\n这座大楼很高\n\n3 楼\n内容\n";
    CHECK_EQ_INT(parse_bytes(&t, text, strlen(text)), FORUM_OK);
    check_diags("3:W:no header block (last reply, views, replies)\n"
                "5:W:floor 3 has no author line\n");
    CHECK_EQ_INT(t.n_posts, 2);
    CHECK_EQ_STR(post_at(&t, 0)->text, "这座大楼很高");
    CHECK_EQ_STR(post_at(&t, 3)->author, "");
    CHECK_EQ_STR(post_at(&t, 3)->text, "内容");
    fsi_thread_free(&t);
}

int main(void)
{
    test_quote_find();
    test_good();
    test_seed();
    test_bad();
    test_huge_line();
    test_edge_shapes();
    fsi_buf_free(&diags);
    fprintf(stderr, "test_thread_parse: all passed\n");
    return 0;
}
