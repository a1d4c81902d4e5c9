/* Snippets: exact expected output (string equality) for each case, with
 * the marks rendered as [ and ]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "search.h"
#include "testutil.h"

/* Highlights text for the space-separated query words (a word in
 * double quotes may contain spaces) and renders the marks as [ ]. */
static char *snippet(const char *text, const char *query, size_t max_chars,
                     size_t max_fragments)
{
    fsi_pattern_t patterns[16];
    size_t n = 0;
    for (const char *p = query; *p && n < 16;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *end;
        if (*p == '"') {
            p++;
            end = strchr(p, '"');
        } else {
            end = strchr(p, ' ');
            if (end == NULL)
                end = p + strlen(p);
        }
        CHECK_EQ_INT(fsi_pattern_init(&patterns[n++], p, (size_t)(end - p)),
                     FORUM_OK);
        p = *end == '"' ? end + 1 : end;
    }
    fsi_normalized_t norm = FSI_NORMALIZED_INIT;
    CHECK_EQ_INT(fsi_normalize(&norm, text, strlen(text), 1), FORUM_OK);
    forum_snippet_options_t opts = {FORUM_SNIPPET_OPTIONS_VERSION, max_chars,
                                    max_fragments};
    forum_snippet_t *snip;
    CHECK_EQ_INT(fsi_highlight(&snip, text, strlen(text), &norm, patterns, n,
                               &opts), FORUM_OK);
    fsi_buf_t out = FSI_BUF_INIT;
    size_t pos = 0;
    for (size_t i = 0; i < snip->n_marks; i++) {
        CHECK(snip->marks[i].start >= pos);
        CHECK(snip->marks[i].end > snip->marks[i].start);
        CHECK(snip->marks[i].end <= snip->len);
        fsi_buf_append(&out, snip->text + pos, snip->marks[i].start - pos);
        fsi_buf_append_char(&out, '[');
        fsi_buf_append(&out, snip->text + snip->marks[i].start,
                       snip->marks[i].end - snip->marks[i].start);
        fsi_buf_append_char(&out, ']');
        pos = snip->marks[i].end;
    }
    fsi_buf_append(&out, snip->text + pos, snip->len - pos);
    CHECK(strlen(snip->text) == snip->len);
    forum_snippet_destroy(snip);
    fsi_normalized_free(&norm);
    for (size_t i = 0; i < n; i++)
        free(patterns[i].text);
    return fsi_buf_steal(&out, NULL);
}

static const struct {
    const char *name, *text, *query;
    size_t max_chars, fragments;
    const char *expected;
} cases[] = {
    {"CJK substring inside an ICU word", "马斯克向川普表示支持。", "川普", 120, 3,
     "马斯克向[川普]表示支持。"},
    {"every occurrence", "川普说川普今天不说。", "川普", 120, 3,
     "[川普]说[川普]今天不说。"},
    {"Traditional source, Simplified query", "馬斯克說的對", "马斯克说", 120, 3,
     "[馬斯克說]的對"},
    {"Simplified source, Traditional query", "马斯克说的对", "馬斯克說", 120, 3,
     "[马斯克说]的对"},
    {"full-width source, ASCII query", "ＯｐｅｎＡＩ的新模型", "openai", 120, 3,
     "[ＯｐｅｎＡＩ]的新模型"},
    {"ASCII source, full-width query", "OpenAI的新模型", "ＯＰＥＮＡＩ", 120, 3,
     "[OpenAI]的新模型"},
    {"Latin whole words only", "OpenAI and OpenAIX, openai's", "openai",
     120, 3, "[OpenAI] and OpenAIX, [openai]'s"},
    {"Latin inside CJK", "用ChatGPT写代码", "chatgpt", 120, 3,
     "用[ChatGPT]写代码"},
    {"two terms and a phrase", "马斯克和奥特曼在 Mac mini 上吵架", "奥特曼 \"mac mini\"",
     120, 3, "马斯克和[奥特曼]在 [Mac mini] 上吵架"},
    {"overlapping matches merge", "马斯克向川普", "斯克 克向", 120, 3,
     "马[斯克向]川普"},
    {"match at the start", "川普今天没说话", "川普", 120, 3, "[川普]今天没说话"},
    {"match at the end", "今天说话的是川普", "川普", 120, 3, "今天说话的是[川普]"},
    {"a short post is shown whole, no ellipsis",
     "这是一条短回复,提到了川普。", "川普", 20, 3, "这是一条短回复,提到了[川普]。"},
    {"cut with ellipses around the match",
     "一二三四五六七八九十一二三四五六七八九十川普一二三四五六七八九十一二三四五六七八九十",
     "川普", 20, 1, "…七八九十[川普]一二三四五六七八九十一二三四…"},
    {"match at the start of a long post",
     "川普一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十", "川普", 10, 1,
     "[川普]一二三四五六七八…"},
    {"match at the end of a long post",
     "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十川普", "川普", 10, 1,
     "…三四五六七八九十[川普]"},
    {"far-apart matches get their own fragments",
     "川普开头。一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
     "一二三四五六七八九十一二三四五六七八九十结尾拜登。",
     "川普 拜登", 20, 3, "[川普]开头。一二三四五…六七八九十结尾[拜登]。"},
    {"the window with the most distinct terms wins",
     "川普。一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
     "川普和拜登。一二三四五六七八九十一二三四五六七八九十",
     "川普 拜登", 12, 1, "…九十[川普]和[拜登]。一二三四…"},
    {"no match in the text: the beginning",
     "一二三四五六七八九十一二三四五六七八九十", "川普", 5, 1, "一二三四五…"},
    {"emoji next to a match",
     "😂👍川普👨\xE2\x80\x8D👩\xE2\x80\x8D👧好", "川普", 120, 3,
     "😂👍[川普]👨\xE2\x80\x8D👩\xE2\x80\x8D👧好"},
    {"a cut never splits an emoji sequence",
     "一二三四五六七八九十川普👨\xE2\x80\x8D👩\xE2\x80\x8D👧一二三四五六七八九十一二三四五六七八九十",
     /* Windows are at least 8 code points: one before the match. */
     "川普", 4, 1, "…十[川普]👨\xE2\x80\x8D👩\xE2\x80\x8D👧…"},
    {"combining marks stay with their base",
     "Cafe\xCC\x81 cafe\xCC\x81s caf\xC3\xA9", "café", 120, 3,
     "[Cafe\xCC\x81] cafe\xCC\x81s [caf\xC3\xA9]"},
    {"a cut never lands before a combining mark",
     "aaaa bbbb e\xCC\x81\xCC\x81\xCC\x81 word target", "target", 9, 1,
     "…word [target]"},
    {"Latin cut at word edges",
     "The quick brown fox jumps over the lazy dog near the river bank today",
     "lazy", 24, 1, "…the [lazy] dog near the river…"},
    {"newlines shown as spaces", "第一行\n第二行有川普\n第三行", "川普", 120, 3,
     "第一行 第二行有[川普] 第三行"},
    /* Found by fuzzing: a space and the combining mark after it are one
     * normalization chunk, so the mark starts on the space; trimming
     * the snippet's leading space must not drop it. */
    {"a match that starts on a space", " \xCC\x88x", "\xCC\x88x", 120, 3,
     "[ \xCC\x88x]"},
    /* Found by fuzzing: trimming blanks is not cutting text. */
    {"a short post with blanks at both ends has no ellipsis",
     "  川普 ", "川普", 120, 3, "[川普]"},
    {"invalid bytes stay whole", "坏\xFF字节川普", "川普", 120, 3,
     "坏\xFF字节[川普]"},
};

int main(void)
{
    size_t n = sizeof cases / sizeof cases[0];
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        test_phase = cases[i].name;
        char *got = snippet(cases[i].text, cases[i].query, cases[i].max_chars,
                            cases[i].fragments);
        if (strcmp(got, cases[i].expected) != 0) {
            fprintf(stderr, "%s:\n  got      %s\n  expected %s\n",
                    cases[i].name, got, cases[i].expected);
            wrong++;
        }
        free(got);
    }
    fprintf(stderr, "test_highlight: %zu cases, %zu wrong\n", n, wrong);
    return wrong ? 1 : 0;
}
