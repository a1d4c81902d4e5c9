/* Contract: forum_db_explain() reports how a query is understood: the
 * parsed tree, each word as typed and normalized (Traditional folded,
 * full width and case folded), its terms with the number of posts that
 * hold each, the candidates Xapian returned and the posts the text check
 * kept, in JSON and in text; a malformed query fails as
 * forum_query_create() does, with its column.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static char *explain(forum_db_t *db, const char *q, forum_report_format_t f)
{
    char *out = NULL;
    forum_status_t st = forum_db_explain(&out, db, q, strlen(q), NULL, f);
    if (st != FORUM_OK) {
        fprintf(stderr, "explain %s: %s\n", q, forum_db_last_error(db));
        exit(1);
    }
    return out;
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    forum_db_t *db = contract_open(path, FORUM_DB_WRITE);
    /* 马斯克向川普 in one post; its bigrams also in another, apart. */
    contract_add(db, "news/a.txt", contract_thread(
        "马斯克", "马斯克向川普告别。", "张三\n1 楼\n马斯克向前走,向川普致意。\n"));
    contract_add(db, "news/b.txt", contract_thread(
        "别的", "ＯｐｅｎＡＩ发布新模型。", "李四\n1 楼\n嗯\n"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);

    char *json = explain(db, "馬斯克向川普", FORUM_REPORT_JSON);
    EXPECT(json[0] == '{' && json[strlen(json) - 1] == '}');
    EXPECT_HAS(json, "\"typed\":\"馬斯克向川普\"");
    EXPECT_HAS(json, "\"normalized\":\"马斯克向川普\"");
    /* The article (its title counts) and the reply. */
    EXPECT_HAS(json, "{\"term\":\"马斯\",\"kind\":\"ngram\",\"posts\":2}");
    EXPECT_HAS(json, "{\"term\":\"向川\",\"kind\":\"ngram\",\"posts\":2}");
    EXPECT_HAS(json, "\"text_check\":true");
    /* Both posts with every bigram are candidates; one holds the text. */
    EXPECT_HAS(json, "\"candidates\":2,");
    EXPECT_HAS(json, "\"posts\":1,\"threads\":1");
    EXPECT_HAS(json, "\"times_ms\":{\"parse\":");
    forum_free(json);

    json = explain(db, "OPENAI title:马斯克 author:张三", FORUM_REPORT_JSON);
    EXPECT_HAS(json, "\"typed\":\"OPENAI\",\"normalized\":\"openai\"");
    EXPECT_HAS(json, "{\"term\":\"openai\",\"kind\":\"word\",\"posts\":1}");
    EXPECT_HAS(json, "\"field\":\"title\"");
    EXPECT_HAS(json, "{\"term\":\"S马斯\",\"kind\":\"ngram\",\"posts\":1}");
    EXPECT_HAS(json, "\"field\":\"author\"");
    EXPECT_HAS(json, "\"posts\":0,\"threads\":0");
    forum_free(json);

    char *text = explain(db, "馬斯克向川普", FORUM_REPORT_TEXT);
    EXPECT_HAS(text, "-> 马斯克向川普");
    EXPECT_HAS(text, "2 posts from Xapian; 1 kept by the text check");
    forum_free(text);

    char *none = (char *)1;
    EXPECT_STATUS(forum_db_explain(&none, db, "川普 \"", 8, NULL,
                                   FORUM_REPORT_JSON), FORUM_EQUERY);
    EXPECT(none == NULL);
    EXPECT(forum_db_last_error_column(db) == 4);
    EXPECT_STATUS(forum_db_explain(&none, db, "川普", 6, NULL,
                                   (forum_report_format_t)7), FORUM_EINVAL);
    EXPECT_STATUS(forum_db_explain(NULL, db, "川普", 6, NULL,
                                   FORUM_REPORT_TEXT), FORUM_EINVAL);
    forum_db_destroy(db);
    fprintf(stderr, "explain: ok\n");
    return 0;
}
