/* Contract: forum_db_stats() reports what a database holds: posts,
 * threads, authors, boards with their posts and threads, the date
 * range, sizes, shards, generation, versions, and whether a writer holds
 * the lock (a write handle open elsewhere: yes; closed: no), in JSON and
 * in text.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

static char *stats(forum_db_t *db, forum_report_format_t format)
{
    char *out = NULL;
    forum_status_t st = forum_db_stats(&out, db, format);
    if (st != FORUM_OK) {
        fprintf(stderr, "stats: %s\n", forum_db_last_error(db));
        exit(1);
    }
    return out;
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char path[4096];
    snprintf(path, sizeof path, "%s/db", argv[1]);
    char *err = NULL;
    EXPECT_STATUS(forum_db_create(path, 2, &err), FORUM_OK);
    forum_db_t *writer = contract_open(path, FORUM_DB_WRITE);
    contract_add(writer, "news/a.txt", contract_thread(
        "一", "正文。", "张三\n1 楼\n回复。\n李四\n2 楼\n再回复。\n"));
    contract_add(writer, "news/b.txt", contract_thread(
        "二", "正文。", "张三\n1 楼\n嗯。\n"));
    contract_add(writer, "tech/c.txt", contract_thread("三", "正文。", ""));
    EXPECT_STATUS(forum_db_commit(writer), FORUM_OK);

    forum_db_t *reader = contract_open(path, FORUM_DB_READ);
    char *json = stats(reader, FORUM_REPORT_JSON);
    EXPECT(json[0] == '{' && json[strlen(json) - 1] == '}');
    EXPECT_HAS(json, "\"posts\":6,\"threads\":3,\"authors\":");
    EXPECT_HAS(json, "\"boards\":[{\"board\":\"news\",\"posts\":5,"
                     "\"threads\":2},{\"board\":\"tech\",\"posts\":1,"
                     "\"threads\":1}]");
    /* The header's last reply, 2025-01-23 06:43 PT. */
    EXPECT_HAS(json, "\"first_date\":\"2025-01-23T14:43:00Z\"");
    EXPECT_HAS(json, "\"shards\":2,\"generation\":1,");
    EXPECT_HAS(json, "\"writer_lock\":true");
    EXPECT(strstr(json, "\"size_bytes\":0,") == NULL);
    forum_free(json);

    EXPECT_STATUS(forum_db_close(writer), FORUM_OK);
    forum_db_destroy(writer);
    json = stats(reader, FORUM_REPORT_JSON);
    EXPECT_HAS(json, "\"writer_lock\":false");
    forum_free(json);
    char *text = stats(reader, FORUM_REPORT_TEXT);
    EXPECT_HAS(text, "threads      3\nposts        6\n");
    EXPECT_HAS(text, "  news       2 threads, 5 posts\n");
    EXPECT_HAS(text, "writer lock  free\n");
    forum_free(text);

    char *none = (char *)1;
    EXPECT_STATUS(forum_db_stats(&none, reader, (forum_report_format_t)9),
                  FORUM_EINVAL);
    EXPECT(none == NULL);
    EXPECT_STATUS(forum_db_stats(NULL, reader, FORUM_REPORT_TEXT),
                  FORUM_EINVAL);
    EXPECT_STATUS(forum_db_close(reader), FORUM_OK);
    EXPECT_STATUS(forum_db_stats(&none, reader, FORUM_REPORT_TEXT),
                  FORUM_ECLOSED);
    forum_db_destroy(reader);
    fprintf(stderr, "stats: ok\n");
    return 0;
}
