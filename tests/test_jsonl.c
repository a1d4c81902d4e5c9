/* forumsearch — tests for common/jsonl_parse.c (fsi_jsonl_parse). */
#include "fsi_input.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>

#define FFFD "\xEF\xBF\xBD"

/* ------------------------------------------------------------------ */
/* Running the parser                                                 */
/* ------------------------------------------------------------------ */

#define MAX_THREADS 16

/* Everything one parse produced. The threads are moved out of the
 * parser's callback (which the callback contract allows). */
typedef struct run {
    forum_status_t status;
    fsi_thread_t threads[MAX_THREADS];
    size_t n_threads;
    test_diags_t diags;
    int stop_after;  /* Return 42 from the callback after this many. */
} run_t;

static int collect_thread(void *payload, fsi_thread_t *thread)
{
    run_t *run = payload;
    CHECK(run->n_threads < MAX_THREADS);
    /* Take everything; the parser then frees an empty thread. */
    run->threads[run->n_threads++] = *thread;
    fsi_thread_init(thread);
    if (run->stop_after > 0 && (int)run->n_threads == run->stop_after)
        return 42;
    return 0;
}

static void run_parse(run_t *run, const char *text, size_t len)
{
    memset(run, 0, sizeof *run);
    run->status = fsi_jsonl_parse("t.jsonl", text, len, collect_thread, run,
                                  test_diag_record, &run->diags);
}

static void run_parse_str(run_t *run, const char *text)
{
    run_parse(run, text, strlen(text));
}

static void run_free(run_t *run)
{
    for (size_t i = 0; i < run->n_threads; i++)
        fsi_thread_free(&run->threads[i]);
    run->n_threads = 0;
}

/* The one diagnostic a run must have produced. */
#define CHECK_ONLY_DIAG(run, needle, line, is_error)                      \
    do {                                                                  \
        if ((run)->diags.n != 1)                                          \
            test_diags_dump(&(run)->diags);                               \
        CHECK_EQ_INT((run)->diags.n, 1);                                  \
        CHECK_DIAG(&(run)->diags, (needle), (line), (is_error));          \
    } while (0)

/* A thread line around a posts array and extra members. */
#define THREAD(extra, posts)                                              \
    "{\"id\": \"b/1\", \"title\": \"T\"" extra ", \"posts\": [" posts "]}"
#define POST0 "{\"floor\": 0, \"text\": \"x\"}"

/* ------------------------------------------------------------------ */
/* A complete, valid file                                             */
/* ------------------------------------------------------------------ */

static void test_good_thread(void)
{
    PHASE("good thread");
    static const char text[] =
        "{\"id\": \"tech/123\", \"board\": \"tech\", \"title\": \"马斯克\","
        " \"source\": \"RFI华语\", \"url\": \"https://example.com/t/123\","
        " \"date\": \"2025-01-22T10:00:00Z\", \"views\": 44192,"
        " \"unknown\": {\"nested\": [1, 2.5e-3, true, false, null]},"
        " \"posts\": ["
        "{\"floor\": 2, \"author\": \"蓝靛厂\", \"text\": \"不许抢我的B200。\","
        " \"date\": \"2025年1月23日 6点43分 PT\"},"
        "{\"floor\": 0, \"author\": \"\", \"text\": \"正文\\n第二段\"},"
        "{\"floor\": 1, \"author\": \"旁观者XWY\","
        " \"date\": \"2025-01-22 13:40:20\", \"text\": \"川普第一任时\"}]}\n";
    run_t run;
    run_parse(&run, text, sizeof text - 1);
    CHECK_EQ_INT(run.status, FORUM_OK);
    if (run.diags.n != 0)
        test_diags_dump(&run.diags);
    CHECK_EQ_INT(run.diags.n, 0);
    CHECK_EQ_INT(run.n_threads, 1);

    fsi_thread_t *t = &run.threads[0];
    CHECK_EQ_STR(t->id, "tech/123");
    CHECK_EQ_STR(t->board, "tech");
    CHECK_EQ_STR(t->title, "马斯克");
    CHECK_EQ_STR(t->source, "RFI华语");
    CHECK(t->site == NULL);
    CHECK_EQ_INT(t->date, 1737540000);

    CHECK_EQ_INT(t->n_posts, 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ_INT(t->posts[i].floor, (int)i);
        CHECK_EQ_INT(t->posts[i].line, 1);
        CHECK_EQ_INT(strlen(t->posts[i].text), t->posts[i].text_len);
    }
    CHECK_EQ_STR(t->posts[0].text, "正文\n第二段");
    CHECK_EQ_STR(t->posts[0].author, "");
    CHECK_EQ_INT(t->posts[0].date, FSI_NO_DATE);
    CHECK_EQ_STR(t->posts[1].author, "旁观者XWY");
    CHECK_EQ_INT(t->posts[1].date, 1737553220);
    CHECK_EQ_STR(t->posts[2].text, "不许抢我的B200。");
    CHECK_EQ_INT(t->posts[2].date, 1737643380);
    run_free(&run);
}

/* Blank lines, CRLF and line numbers across several threads. */
static void test_several_lines(void)
{
    PHASE("several lines");
    static const char text[] =
        "\n"
        THREAD("", POST0) "\r\n"
        "   \t\n"
        "{\"id\": \"b/2\", \"posts\": [{\"floor\": 0, \"text\": \"y\"}]}\n"
        "not json\n"
        "{\"id\": \"b/3\", \"title\": \"三\", \"posts\": ["
        "{\"floor\": 5, \"text\": \"z\"}]}";
    run_t run;
    run_parse(&run, text, sizeof text - 1);
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 3);
    CHECK_EQ_STR(run.threads[0].id, "b/1");
    CHECK_EQ_INT(run.threads[0].posts[0].line, 2);
    CHECK_EQ_STR(run.threads[1].id, "b/2");
    CHECK_EQ_STR(run.threads[1].title, "");
    /* Absent optional strings stay NULL: the indexer fills the board
     * from the file's directory. */
    CHECK(run.threads[1].board == NULL);
    CHECK(run.threads[1].source == NULL);
    CHECK_EQ_INT(run.threads[1].posts[0].line, 4);
    CHECK_EQ_STR(run.threads[2].id, "b/3");
    CHECK_EQ_INT(run.threads[2].posts[0].line, 6);
    CHECK_EQ_INT(run.threads[2].posts[0].floor, 5);
    CHECK_EQ_INT(run.diags.n, 2);
    CHECK_DIAG(&run.diags, "thread has no \"title\"", 4, 0);
    CHECK_DIAG(&run.diags, "invalid JSON at column 1: expected a value", 5,
               1);
    run_free(&run);
}

/* ------------------------------------------------------------------ */
/* Lines that are skipped                                             */
/* ------------------------------------------------------------------ */

typedef struct bad_line {
    const char *line;
    const char *message;
} bad_line_t;

static const bad_line_t bad_lines[] = {
    /* Not JSON. */
    {"{\"id\": \"a\" \"posts\": []}",
     "invalid JSON at column 12: expected ',' or '}'"},
    {"{\"id\" \"a\"}", "invalid JSON at column 7: expected ':'"},
    {"{\"id\": \"a\",}", "invalid JSON at column 12: expected a string key"},
    {"{id: 1}", "invalid JSON at column 2: expected a string key"},
    {"{\"id\": \"a\", \"posts\": [1,]}",
     "invalid JSON at column 25: expected a value"},
    {"{\"id\": \"a\", \"posts\": [1 2]}",
     "invalid JSON at column 25: expected ',' or ']'"},
    {"{\"id\": \"a\\q\"}", "invalid JSON at column 10: invalid escape"},
    {"{\"id\": \"a\\u12G4\"}",
     "invalid JSON at column 12: invalid \\u escape"},
    {"{\"id\": \"a\\u12\"}", "invalid JSON at column 12: invalid \\u escape"},
    {"{\"id\": \"abc", "invalid JSON at column 12: unterminated string"},
    {"{\"id\": \"abc\\", "invalid JSON at column 13: unterminated string"},
    {"{\"id\": \"a\tb\"}",
     "invalid JSON at column 10: control character in string"},
    {"{\"id\": \"a\xff\"}", "invalid JSON at column 10: invalid UTF-8"},
    {"{\"id\": \"a\xe4\xb8\"}", "invalid JSON at column 10: invalid UTF-8"},
    {"{\"id\": \"a\xed\xa0\x80\"}",
     "invalid JSON at column 10: invalid UTF-8"},
    {"{\"views\": 01}", "invalid JSON at column 12: expected ',' or '}'"},
    {"{\"views\": -}", "invalid JSON at column 12: invalid number"},
    {"{\"views\": 1.}", "invalid JSON at column 13: invalid number"},
    {"{\"views\": 1e}", "invalid JSON at column 13: invalid number"},
    {"{\"views\": .5}", "invalid JSON at column 11: expected a value"},
    {"{\"views\": +1}", "invalid JSON at column 11: expected a value"},
    {"{\"a\": tru}", "invalid JSON at column 7: expected a value"},
    {"{\"a\": nul}", "invalid JSON at column 7: expected a value"},
    {"{\"a\": True}", "invalid JSON at column 7: expected a value"},
    {"{\"a\": 'x'}", "invalid JSON at column 7: expected a value"},
    {"{\"a\": NaN}", "invalid JSON at column 7: expected a value"},
    {"{\"a\": 1", "invalid JSON at column 8: expected ',' or '}'"},
    {"{\"a\":", "invalid JSON at column 6: unexpected end of line"},
    {"{", "invalid JSON at column 2: expected a string key"},
    {"}", "invalid JSON at column 1: expected a value"},
    {THREAD("", POST0) " x",
     "unexpected characters after the JSON value"},
    {THREAD("", POST0) "}", "unexpected characters after the JSON value"},
    {THREAD("", POST0) THREAD("", POST0),
     "unexpected characters after the JSON value"},
    {"{\"title\": \"马斯克\", \"id\" 1}",
     "invalid JSON at column 23: expected ':'"},
    {"\xEF\xBB\xBF{}", "invalid JSON at column 1: expected a value"},
    /* JSON, but not a thread. */
    {"[1, 2]", "line is not a JSON object; skipped"},
    {"\"just a string\"", "line is not a JSON object; skipped"},
    {"42", "line is not a JSON object; skipped"},
    {"null", "line is not a JSON object; skipped"},
    {"{}", "thread has no \"id\"; skipped"},
    {"{\"posts\": [" POST0 "]}", "thread has no \"id\"; skipped"},
    {"{\"id\": null, \"posts\": [" POST0 "]}",
     "thread has no \"id\"; skipped"},
    {"{\"id\": 5, \"posts\": [" POST0 "]}",
     "\"id\" is not a string; thread skipped"},
    {"{\"id\": [\"a\"], \"posts\": [" POST0 "]}",
     "\"id\" is not a string; thread skipped"},
    {"{\"id\": \"\", \"posts\": [" POST0 "]}",
     "\"id\" is empty; thread skipped"},
    {"{\"id\": \"a\", \"title\": \"t\"}", "thread has no \"posts\"; skipped"},
    {"{\"id\": \"a\", \"posts\": {}}",
     "\"posts\" is not an array; thread skipped"},
    {"{\"id\": \"a\", \"posts\": \"x\"}",
     "\"posts\" is not an array; thread skipped"},
    {"{\"id\": \"a\", \"title\": \"t\", \"posts\": []}",
     "thread has no usable posts; skipped"},
};

static void test_bad_lines(void)
{
    PHASE("bad lines");
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        const bad_line_t *c = &bad_lines[i];
        /* A good line first, so the bad one is line 2 and the file as a
         * whole still parses. */
        char text[1024];
        snprintf(text, sizeof text, "%s\n%s\n", THREAD("", POST0), c->line);
        run_t run;
        run_parse_str(&run, text);
        if (run.diags.n != 1 || test_diags_find(&run.diags, c->message) < 0) {
            fprintf(stderr, "line: %s\n", c->line);
            test_diags_dump(&run.diags);
        }
        CHECK_EQ_INT(run.status, FORUM_OK);
        CHECK_EQ_INT(run.n_threads, 1);
        CHECK_ONLY_DIAG(&run, c->message, 2, 1);
        run_free(&run);

        /* Alone, nothing is usable. */
        run_parse_str(&run, c->line);
        CHECK_EQ_INT(run.status, FORUM_EPARSE);
        CHECK_EQ_INT(run.n_threads, 0);
        CHECK_ONLY_DIAG(&run, c->message, 1, 1);
    }
}

/* An embedded NUL byte is just a bad character, not the end. */
static void test_nul_in_line(void)
{
    PHASE("nul in line");
    static const char text[] = "{\"id\": \"a\0\"}\n{\0}";
    run_t run;
    run_parse(&run, text, sizeof text - 1);
    CHECK_EQ_INT(run.status, FORUM_EPARSE);
    CHECK_EQ_INT(run.diags.n, 2);
    CHECK_DIAG(&run.diags, "column 10: control character in string", 1, 1);
    CHECK_DIAG(&run.diags, "column 2: expected a string key", 2, 1);
}

/* Nesting: 64 levels parse, 65 do not, and a million do not crash. */
static char *nested(size_t depth, const char *prefix, const char *suffix)
{
    size_t prefix_len = strlen(prefix), suffix_len = strlen(suffix);
    char *s = malloc(prefix_len + 2 * depth + suffix_len + 1);
    CHECK(s != NULL);
    memcpy(s, prefix, prefix_len);
    memset(s + prefix_len, '[', depth);
    memset(s + prefix_len + depth, ']', depth);
    memcpy(s + prefix_len + 2 * depth, suffix, suffix_len + 1);
    return s;
}

static void test_nesting(void)
{
    PHASE("nesting");
    run_t run;
    /* The thread object is level 1, so 63 arrays inside it make 64. */
    const char *prefix = "{\"id\": \"a\", \"title\": \"t\", \"x\": ";
    const char *suffix = ", \"posts\": [" POST0 "]}";
    char *line = nested(63, prefix, suffix);
    run_parse_str(&run, line);
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    CHECK_EQ_INT(run.diags.n, 0);
    run_free(&run);
    free(line);

    line = nested(64, prefix, suffix);
    run_parse_str(&run, line);
    CHECK_EQ_INT(run.status, FORUM_EPARSE);
    /* The 65th '[' is at byte 31 + 63 = 94, column 95. */
    CHECK_ONLY_DIAG(&run, "invalid JSON at column 95: nested deeper than 64",
                    1, 1);
    free(line);

    line = nested(64, "", "");
    run_parse_str(&run, line);
    CHECK_ONLY_DIAG(&run, "line is not a JSON object", 1, 1);
    free(line);

    line = nested(1000000, "", "");
    run_parse_str(&run, line);
    CHECK_ONLY_DIAG(&run, "nested deeper than 64", 1, 1);
    free(line);

    /* Deep objects too, unterminated. */
    char *objects = malloc(6 * 1000 + 1);
    CHECK(objects != NULL);
    for (size_t i = 0; i < 1000; i++)
        memcpy(objects + 6 * i, "{\"a\": ", 6);
    objects[6 * 1000] = '\0';
    run_parse_str(&run, objects);
    CHECK_ONLY_DIAG(&run, "column 385: nested deeper than 64", 1, 1);
    free(objects);
}

/* ------------------------------------------------------------------ */
/* Posts that are skipped, and warnings                               */
/* ------------------------------------------------------------------ */

typedef struct post_case {
    const char *posts;      /* The posts array holds POST0 and this. */
    const char *message;
    int is_error;
    size_t n_posts;         /* Posts in the delivered thread. */
} post_case_t;

static const post_case_t post_cases[] = {
    {"42", "posts[1]: not an object; post skipped", 1, 1},
    {"[]", "posts[1]: not an object; post skipped", 1, 1},
    {"null", "posts[1]: not an object; post skipped", 1, 1},
    {"{\"text\": \"y\"}", "posts[1]: no \"floor\"; post skipped", 1, 1},
    {"{\"floor\": -1, \"text\": \"y\"}",
     "posts[1]: \"floor\" is not an integer >= 0; post skipped", 1, 1},
    {"{\"floor\": 1.5, \"text\": \"y\"}", "\"floor\" is not an integer", 1,
     1},
    {"{\"floor\": 1.0, \"text\": \"y\"}", "\"floor\" is not an integer", 1,
     1},
    {"{\"floor\": 1e2, \"text\": \"y\"}", "\"floor\" is not an integer", 1,
     1},
    {"{\"floor\": \"1\", \"text\": \"y\"}", "\"floor\" is not an integer", 1,
     1},
    {"{\"floor\": null, \"text\": \"y\"}", "\"floor\" is not an integer", 1,
     1},
    {"{\"floor\": 2147483648, \"text\": \"y\"}",
     "\"floor\" is not an integer", 1, 1},
    {"{\"floor\": 99999999999999999999999, \"text\": \"y\"}",
     "\"floor\" is not an integer", 1, 1},
    {"{\"floor\": 1}", "posts[1]: no \"text\"; post skipped", 1, 1},
    {"{\"floor\": 1, \"text\": 7}",
     "posts[1]: \"text\" is not a string; post skipped", 1, 1},
    {"{\"floor\": 1, \"text\": null}", "\"text\" is not a string", 1, 1},
    {"{\"floor\": 0, \"text\": \"again\"}",
     "posts[1]: floor 0 appears twice; the later post is dropped", 1, 1},
    {"{\"floor\": 2147483647, \"text\": \"y\"}",
     "posts[1]: floor 2147483647 is out of range; post skipped", 1, 1},
    {"{\"floor\": 1000001, \"text\": \"y\"}",
     "posts[1]: floor 1000001 is out of range; post skipped", 1, 1},
    /* Warnings: the post stays. */
    {"{\"floor\": 1000000, \"text\": \"y\"}", NULL, 0, 2},
    {"{\"floor\": 1, \"text\": \"y\", \"author\": 5}",
     "posts[1]: \"author\" is not a string; ignored", 0, 2},
    {"{\"floor\": 1, \"text\": \"y\", \"date\": \"yesterday\"}",
     "posts[1]: cannot read \"date\" \"yesterday\"; ignored", 0, 2},
    {"{\"floor\": 1, \"text\": \"y\", \"date\": 1737553220}",
     "posts[1]: \"date\" is not a string; ignored", 0, 2},
    {"{\"floor\": 1, \"text\": \"y\", \"text\": \"z\"}",
     "posts[1]: duplicate key \"text\"; the last one is used", 0, 2},
    {"{\"floor\": 1, \"text\": \"y\", \"author\": null, \"date\": null,"
     " \"extra\": {\"deep\": [null]}}",
     NULL, 0, 2},
};

static void test_posts(void)
{
    PHASE("posts");
    for (size_t i = 0; i < sizeof post_cases / sizeof post_cases[0]; i++) {
        const post_case_t *c = &post_cases[i];
        char line[1024];
        snprintf(line, sizeof line, "\n" THREAD("", POST0 ", %s"),
                 c->posts);
        run_t run;
        run_parse_str(&run, line);
        CHECK_EQ_INT(run.status, FORUM_OK);
        CHECK_EQ_INT(run.n_threads, 1);
        if (c->message == NULL) {
            CHECK_EQ_INT(run.diags.n, 0);
        } else {
            if (run.diags.n != 1)
                fprintf(stderr, "posts: %s\n", c->posts);
            CHECK_ONLY_DIAG(&run, c->message, 2, c->is_error);
        }
        CHECK_EQ_INT(run.threads[0].n_posts, c->n_posts);
        CHECK_EQ_STR(run.threads[0].posts[0].text, "x");
        run_free(&run);
    }
}

/* Floors are sorted; of equal floors the first in the array is kept. */
static void test_floor_order(void)
{
    PHASE("floor order");
    static const char line[] = THREAD(
        "",
        "{\"floor\": 3, \"text\": \"three\"},"
        "{\"floor\": 1, \"text\": \"one\"},"
        "{\"floor\": 3, \"text\": \"three again\"},"
        "{\"floor\": 0, \"text\": \"zero\"},"
        "{\"floor\": 1, \"text\": \"one again\"},"
        "{\"floor\": 10, \"text\": \"ten\"},"
        "{\"floor\": 3, \"text\": \"three thrice\"}");
    run_t run;
    run_parse_str(&run, line);
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    fsi_thread_t *t = &run.threads[0];
    CHECK_EQ_INT(t->n_posts, 4);
    CHECK_EQ_STR(t->posts[0].text, "zero");
    CHECK_EQ_STR(t->posts[1].text, "one");
    CHECK_EQ_STR(t->posts[2].text, "three");
    CHECK_EQ_STR(t->posts[3].text, "ten");
    CHECK_EQ_INT(run.diags.n, 3);
    CHECK_DIAG(&run.diags, "posts[4]: floor 1 appears twice", 1, 1);
    CHECK_DIAG(&run.diags, "posts[2]: floor 3 appears twice", 1, 1);
    CHECK_DIAG(&run.diags, "posts[6]: floor 3 appears twice", 1, 1);
    run_free(&run);

    /* Only bad posts: the thread goes. */
    run_parse_str(&run, THREAD("", "{\"floor\": -1, \"text\": \"a\"}"));
    CHECK_EQ_INT(run.status, FORUM_EPARSE);
    CHECK_EQ_INT(run.diags.n, 2);
    CHECK_DIAG(&run.diags, "thread has no usable posts", 1, 1);
}

typedef struct thread_warning {
    const char *extra;      /* Members added to a good thread. */
    const char *message;    /* The one warning, or NULL for none. */
} thread_warning_t;

static const thread_warning_t thread_warnings[] = {
    {", \"board\": 1", "\"board\" is not a string; ignored"},
    {", \"source\": {}", "\"source\" is not a string; ignored"},
    {", \"title\": 3", "\"title\" is not a string; ignored"},
    {", \"title\": null", "thread has no \"title\""},
    {", \"date\": \"2025-02-30\"",
     "cannot read \"date\" \"2025-02-30\"; ignored"},
    {", \"date\": \"一个非常非常非常非常非常非常非常长的日期字符串\"",
     "cannot read \"date\" \"一个非常非常非常非常非常非…\"; ignored"},
    {", \"date\": 5", "\"date\" is not a string; ignored"},
    {", \"id\": \"b/2\"", "duplicate key \"id\"; the last one is used"},
    {", \"board\": null, \"date\": null", NULL},
    /* Keys nothing reads are ignored, whatever their value ("views" and
     * "url" were read once). */
    {", \"views\": -1, \"url\": [], \"views\": \"12\"", NULL},
    {", \"views\": 9223372036854775808, \"url\": \"https://x/\"", NULL},
};

static void test_thread_warnings(void)
{
    PHASE("thread warnings");
    for (size_t i = 0;
         i < sizeof thread_warnings / sizeof thread_warnings[0]; i++) {
        const thread_warning_t *c = &thread_warnings[i];
        char line[1024];
        const char *title = strstr(c->extra, "title") ? ""
                                                        : ", \"title\": \"T\"";
        snprintf(line, sizeof line, "{\"id\": \"b/1\"%s%s, \"posts\": [%s]}",
                 title, c->extra, POST0);
        run_t run;
        run_parse_str(&run, line);
        CHECK_EQ_INT(run.status, FORUM_OK);
        CHECK_EQ_INT(run.n_threads, 1);
        if (c->message == NULL) {
            if (run.diags.n != 0)
                test_diags_dump(&run.diags);
            CHECK_EQ_INT(run.diags.n, 0);
        } else {
            CHECK_ONLY_DIAG(&run, c->message, 1, 0);
        }
        fsi_thread_t *t = &run.threads[0];
        CHECK(t->title != NULL);
        if (strstr(c->extra, "\"board\"") != NULL)
            CHECK(t->board == NULL);
        if (strstr(c->extra, "date") != NULL)
            CHECK_EQ_INT(t->date, FSI_NO_DATE);
        run_free(&run);
    }

    run_t run;
    run_parse_str(&run, THREAD(", \"id\": \"b/2\"", POST0));
    CHECK_EQ_STR(run.threads[0].id, "b/2");
    run_free(&run);
}

/* ------------------------------------------------------------------ */
/* Strings                                                            */
/* ------------------------------------------------------------------ */

typedef struct string_case {
    const char *json;   /* The inside of a JSON string literal. */
    const char *want;
    size_t want_len;
} string_case_t;

#define WANT(s) s, sizeof(s) - 1

static const string_case_t string_cases[] = {
    {"plain", WANT("plain")},
    {"", WANT("")},
    {"\\\"\\\\\\/\\b\\f\\n\\r\\t", WANT("\"\\/\b\f\n\r\t")},
    {"\\u4e2d\\u6587", WANT("中文")},
    {"\\u4E2D", WANT("中")},
    {"\\u0041\\u00e9\\u20AC", WANT("Aé€")},
    {"\\uD83D\\uDE00", WANT("😀")},
    {"\\ud83d\\ude00!", WANT("😀!")},
    {"a\\uD800b", WANT("a" FFFD "b")},
    {"a\\uDC00b", WANT("a" FFFD "b")},
    {"\\uD800", WANT(FFFD)},
    {"\\uD800\\uD800", WANT(FFFD FFFD)},
    {"\\uD800\\uD83D\\uDE00", WANT(FFFD "😀")},
    {"\\uDE00\\uD83D", WANT(FFFD FFFD)},
    {"\\uD800\\n", WANT(FFFD "\n")},
    {"\\uD800\\u0041", WANT(FFFD "A")},
    {"a\\u0000b", WANT("ab")},
    {"马斯克😀", WANT("马斯克😀")},
    {"\\uFFFF\\uFFFE", WANT("\xEF\xBF\xBF\xEF\xBF\xBE")},
};

static void test_strings(void)
{
    PHASE("strings");
    for (size_t i = 0; i < sizeof string_cases / sizeof string_cases[0];
         i++) {
        const string_case_t *c = &string_cases[i];
        char line[512];
        snprintf(line, sizeof line,
                 "{\"id\": \"a\", \"title\": \"\", "
                 "\"posts\": [{\"floor\": 0, \"text\": \"%s\"}]}",
                 c->json);
        run_t run;
        run_parse_str(&run, line);
        if (run.n_threads != 1) {
            fprintf(stderr, "string: %s\n", c->json);
            test_diags_dump(&run.diags);
        }
        CHECK_EQ_INT(run.n_threads, 1);
        CHECK_EQ_INT(run.diags.n, 0);
        const fsi_post_t *post = &run.threads[0].posts[0];
        CHECK_EQ_MEM(post->text, post->text_len, c->want, c->want_len);
        CHECK_EQ_INT(post->text[post->text_len], '\0');
        run_free(&run);
    }
}

/* ------------------------------------------------------------------ */
/* The file as a whole                                                */
/* ------------------------------------------------------------------ */

static void test_empty_files(void)
{
    static const char *const empties[] = {"", "\n", "\n\n  \n\t\r\n", " "};
    PHASE("empty files");
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        run_t run;
        run_parse_str(&run, empties[i]);
        CHECK_EQ_INT(run.status, FORUM_EPARSE);
        CHECK_EQ_INT(run.n_threads, 0);
        CHECK_ONLY_DIAG(&run, "empty file", 0, 1);
    }

    run_t run;
    memset(&run, 0, sizeof run);
    CHECK_EQ_INT(fsi_jsonl_parse("x", NULL, 0, collect_thread, &run, NULL,
                                 NULL),
                 FORUM_EPARSE);
    CHECK_EQ_INT(fsi_jsonl_parse("x", NULL, 3, collect_thread, &run, NULL,
                                 NULL),
                 FORUM_EINVAL);
}

/* Bad lines with no diag callback, and only bad lines. */
static void test_without_diag(void)
{
    PHASE("without diag");
    static const char text[] = "nope\n{\"id\": 1}\n" THREAD("", POST0);
    run_t run;
    memset(&run, 0, sizeof run);
    CHECK_EQ_INT(fsi_jsonl_parse("x", text, sizeof text - 1, collect_thread,
                                 &run, NULL, NULL),
                 FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    run_free(&run);

    run_parse_str(&run, "nope\n{\"id\": 1}\n");
    CHECK_EQ_INT(run.status, FORUM_EPARSE);
    CHECK_EQ_INT(run.diags.n, 2);
}

/* A nonzero callback return stops the parse and comes back unchanged. */
static void test_callback_stops(void)
{
    PHASE("callback stops");
    static const char text[] = THREAD("", POST0) "\n" THREAD("", POST0)
        "\n" THREAD("", POST0) "\nbad\n";
    run_t run;
    memset(&run, 0, sizeof run);
    run.stop_after = 2;
    forum_status_t status = fsi_jsonl_parse("x", text, sizeof text - 1,
                                            collect_thread, &run,
                                            test_diag_record, &run.diags);
    CHECK_EQ_INT(status, 42);
    CHECK_EQ_INT(run.n_threads, 2);
    CHECK_EQ_INT(run.diags.n, 0);
    run_free(&run);
}

/* The parser respects len: nothing after it is read. */
static void test_length(void)
{
    PHASE("length");
    static const char text[] = THREAD("", POST0) "garbage";
    run_t run;
    run_parse(&run, text, sizeof text - 1 - strlen("garbage"));
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    run_free(&run);

    /* A copy without a terminating NUL, checked by ASan. */
    size_t len = sizeof text - 1 - strlen("garbage");
    char *exact = malloc(len);
    CHECK(exact != NULL);
    memcpy(exact, text, len);
    run_parse(&run, exact, len);
    CHECK_EQ_INT(run.n_threads, 1);
    run_free(&run);
    for (size_t cut = 0; cut < len; cut++) {
        run_parse(&run, exact, cut);
        CHECK_EQ_INT(run.status, FORUM_EPARSE);
        CHECK_EQ_INT(run.n_threads, 0);
        CHECK_EQ_INT(run.diags.n, 1);
    }
    free(exact);
}

/* ------------------------------------------------------------------ */
/* Huge and random input                                              */
/* ------------------------------------------------------------------ */

static void test_huge_post(void)
{
    PHASE("huge post");
    const size_t text_size = 10u * 1024 * 1024;
    const char *head = "{\"id\": \"big\", \"title\": \"大\", \"posts\": "
                       "[{\"floor\": 0, \"text\": \"";
    const char *tail = "\"}]}\n";
    size_t head_len = strlen(head), tail_len = strlen(tail);
    char *line = malloc(head_len + text_size + tail_len + 1);
    CHECK(line != NULL);
    memcpy(line, head, head_len);
    /* Mixed content: Chinese, ASCII and escapes. */
    static const char unit[] = "马斯克\\n川普\\u4e2d\\\"ok\\\" ";
    size_t unit_len = sizeof unit - 1, n = text_size / unit_len;
    for (size_t i = 0; i < n; i++)
        memcpy(line + head_len + i * unit_len, unit, unit_len);
    size_t len = head_len + n * unit_len;
    memcpy(line + len, tail, tail_len + 1);
    len += tail_len;

    run_t run;
    run_parse(&run, line, len);
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    const fsi_post_t *post = &run.threads[0].posts[0];
    static const char decoded[] = "马斯克\n川普中\"ok\" ";
    CHECK_EQ_INT(post->text_len, n * (sizeof decoded - 1));
    CHECK(memcmp(post->text, decoded, sizeof decoded - 1) == 0);
    CHECK_EQ_INT(strlen(post->text), post->text_len);
    run_free(&run);
    free(line);
}

/* Values under unknown keys are checked but not kept: a line with a
 * 10 MB unknown array parses, and its syntax errors are still found. */
static void test_unknown_keys(void)
{
    PHASE("unknown keys");
    const size_t count = 5u * 1024 * 1024;
    const char *head = "{\"id\": \"a\", \"title\": \"t\", \"junk\": [";
    const char *tail = "1], \"posts\": [" POST0 "]}";
    size_t head_len = strlen(head), tail_len = strlen(tail);
    char *line = malloc(head_len + 2 * count + tail_len + 1);
    CHECK(line != NULL);
    memcpy(line, head, head_len);
    for (size_t i = 0; i < count; i++)
        memcpy(line + head_len + 2 * i, "1,", 2);
    memcpy(line + head_len + 2 * count, tail, tail_len + 1);
    size_t len = head_len + 2 * count + tail_len;

    run_t run;
    run_parse(&run, line, len);
    CHECK_EQ_INT(run.status, FORUM_OK);
    CHECK_EQ_INT(run.n_threads, 1);
    CHECK_EQ_INT(run.diags.n, 0);
    run_free(&run);

    /* Break the junk near its end. */
    line[head_len + 2 * count - 1] = ':';
    run_parse(&run, line, len);
    CHECK_EQ_INT(run.status, FORUM_EPARSE);
    CHECK_ONLY_DIAG(&run, "expected ',' or ']'", 1, 1);
    free(line);

    /* Known keys inside unknown values are not picked up. */
    run_parse_str(&run, "{\"x\": {\"id\": \"a\", \"posts\": [" POST0 "]}}");
    CHECK_ONLY_DIAG(&run, "thread has no \"id\"", 1, 1);
}

static uint32_t rng_state = 4242;

static uint32_t rng_next(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Mutates a good line at random; every outcome is fine except a crash,
 * a leak or an invalid thread. */
static void test_random_mutations(void)
{
    PHASE("random mutations");
    static const char good[] =
        "{\"id\": \"b/1\", \"title\": \"马斯克\", \"views\": 12, \"posts\": ["
        "{\"floor\": 1, \"author\": \"a\","
        " \"text\": \"x\\u4e2d\\uD83D\\uDE00\"},"
        "{\"floor\": 0, \"date\": \"2025-01-22\", \"text\": \"y\","
        " \"x\": [1, {\"k\": \"v\"}]}],"
        " \"extra\": {\"a\": [true, null, -1.5e3, \"s\\n\"], \"b\": {}}}";
    static const char alphabet[] = "{}[]\":,\\u0123456789eE.-+ntfalsr \xff\xe4";
    char line[sizeof good + 8];
    for (int round = 0; round < 20000; round++) {
        memcpy(line, good, sizeof good);
        size_t len = sizeof good - 1;
        int mutations = 1 + (int)(rng_next() % 4);
        for (int m = 0; m < mutations; m++) {
            size_t at = rng_next() % len;
            line[at] = alphabet[rng_next() % (sizeof alphabet - 1)];
        }
        run_t run;
        run_parse(&run, line, len);
        CHECK(run.status == FORUM_OK || run.status == FORUM_EPARSE);
        CHECK_EQ_INT(run.status == FORUM_OK, run.n_threads == 1);
        for (size_t i = 0; i < run.n_threads; i++) {
            const fsi_thread_t *t = &run.threads[i];
            CHECK(t->id != NULL && t->id[0] != '\0' && t->title != NULL);
            CHECK(t->n_posts >= 1);
            for (size_t k = 0; k < t->n_posts; k++) {
                CHECK(t->posts[k].text != NULL && t->posts[k].author != NULL);
                CHECK(k == 0 || t->posts[k - 1].floor < t->posts[k].floor);
            }
        }
        run_free(&run);
    }
}

int main(void)
{
    test_good_thread();
    test_several_lines();
    test_bad_lines();
    test_nul_in_line();
    test_nesting();
    test_posts();
    test_floor_order();
    test_thread_warnings();
    test_strings();
    test_empty_files();
    test_without_diag();
    test_callback_stops();
    test_length();
    test_huge_post();
    test_unknown_keys();
    test_random_mutations();
    fprintf(stderr, "test_jsonl: all passed\n");
    return 0;
}
