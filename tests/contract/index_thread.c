/* Contract: forum_db_index_thread(), a thread given as data.
 *
 * - The posts are those of the equivalent thread file indexed with
 *   forum_db_index_buffer() as "ID.txt": every field of every post, and
 *   the scores of a word query, are equal in the two databases;
 * - a second call replaces the thread whole (floors it no longer has are
 *   gone), also a thread that came from a file or a JSON Lines line;
 * - bad input (no id, an id leaving the root, no title, no posts, a floor
 *   given twice or out of range, invalid UTF-8 or a NUL byte in any
 *   field, a date out of range, an unknown version, a read-only handle)
 *   fails with FORUM_EINVAL and a message naming the problem, and
 *   changes nothing: the posts and the committed state stay as they
 *   were.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

#define THREAD_DATE 1737643380 /* 2025-01-23 6:43 PT (UTC-8). */

static const char *const replies =
    "旁观者XWY\n1 楼\n楼主说得对,川普这次是认真的。\n"
    "s\nsupernova13\n2 楼\nOpenAI's model agrees 😀 with 馬斯克說\n"
    "老王\n3 楼\n第三楼 没别的话。\n";

/* The thread above, as data: what the text format says it holds. */
static const forum_post_input_t posts_in[] = {
    /* Out of floor order on purpose: the order given does not matter. */
    {2, "supernova13", INT64_MIN,
     "OpenAI's model agrees 😀 with 馬斯克說", 0},
    {0, "", INT64_MIN, "文章正文 川普今天发言。\n第二段 OpenAI 的消息。", 0},
    {3, "老王", INT64_MIN, "第三楼 没别的话。", 0},
    {1, "旁观者XWY", INT64_MIN, "楼主说得对,川普这次是认真的。", 0},
};

static forum_thread_input_t thread_input(forum_post_input_t *posts,
                                         size_t n)
{
    forum_thread_input_t in = {FORUM_THREAD_INPUT_VERSION, "news/t",
                               "王小明的川普观察", NULL, "来源", THREAD_DATE,
                               posts, n};
    return in;
}

static void fill_lengths(forum_post_input_t *posts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        posts[i].text_len = strlen(posts[i].text);
}

static uint64_t count(forum_db_t *db, const char *q)
{
    forum_query_t *query = contract_query(db, q, 0, FORUM_SORT_FLOOR);
    forum_results_t *res;
    EXPECT_STATUS(forum_query_run(query, &res), FORUM_OK);
    uint64_t posts = 0;
    forum_results_counts(res, &posts, NULL);
    forum_query_destroy(query);
    return posts;
}

static uint64_t post_count(forum_db_t *db)
{
    uint64_t n = 0;
    EXPECT_STATUS(forum_db_post_count(db, &n), FORUM_OK);
    return n;
}

static int same(const char *a, const char *b)
{
    return strcmp(a ? a : "(null)", b ? b : "(null)") == 0;
}

/* Every hit of q (posts, in sort order) is equal in a and b, field by
 * field; returns how many there were. */
static size_t compare_hits(forum_db_t *a, forum_db_t *b, const char *q,
                           forum_sort_t sort)
{
    forum_query_t *qa = contract_query(a, q, 0, sort);
    forum_query_t *qb = contract_query(b, q, 0, sort);
    forum_results_t *ra, *rb;
    EXPECT_STATUS(forum_query_run(qa, &ra), FORUM_OK);
    EXPECT_STATUS(forum_query_run(qb, &rb), FORUM_OK);
    const forum_hit_t *ha, *hb;
    size_t n = 0;
    forum_status_t sa, sb;
    while ((sa = forum_results_next(ra, &ha)) == FORUM_OK) {
        EXPECT_STATUS(sb = forum_results_next(rb, &hb), FORUM_OK);
        if (!same(ha->thread_id, hb->thread_id) || !same(ha->title, hb->title)
            || !same(ha->board, hb->board) || !same(ha->author, hb->author)
            || !same(ha->source, hb->source) || ha->floor != hb->floor ||
            ha->date != hb->date || ha->text_len != hb->text_len ||
            memcmp(ha->text, hb->text, ha->text_len) != 0 ||
            ha->score != hb->score) {
            fprintf(stderr, "%s: hit %zu differs:\n file: %s|%s|%s|%s|%s|"
                    "%d|%lld|%.*s|%g\n data: %s|%s|%s|%s|%s|%d|%lld|%.*s|"
                    "%g\n", q, n, ha->thread_id, ha->title, ha->board,
                    ha->author, ha->source, ha->floor, (long long)ha->date,
                    (int)ha->text_len, ha->text, ha->score, hb->thread_id,
                    hb->title, hb->board, hb->author, hb->source, hb->floor,
                    (long long)hb->date, (int)hb->text_len, hb->text,
                    hb->score);
            exit(1);
        }
        n++;
    }
    EXPECT_STATUS(sa, FORUM_ITER_DONE);
    EXPECT_STATUS(forum_results_next(rb, &hb), FORUM_ITER_DONE);
    forum_query_destroy(qa);
    forum_query_destroy(qb);
    return n;
}

/* One bad input: FORUM_EINVAL, a message holding `says`, nothing
 * changed. */
static void expect_refused(forum_db_t *db, const forum_thread_input_t *in,
                           const char *says, const char *what)
{
    uint64_t before = post_count(db);
    uint64_t thread_before = count(db, "thread:news/t");
    forum_index_stats_t stats;
    forum_status_t st = forum_db_index_thread(db, in, NULL, &stats);
    if (st != FORUM_EINVAL) {
        fprintf(stderr, "%s: %s, want EINVAL\n", what,
                forum_status_to_string(st));
        exit(1);
    }
    EXPECT_HAS(forum_db_last_error(db), says);
    EXPECT(post_count(db) == before);
    EXPECT(count(db, "thread:news/t") == thread_before);
    EXPECT(stats.posts == 0 && stats.threads == 0);
}

int main(int argc, char **argv)
{
    char path_file[4096], path_data[4096];
    EXPECT(argc == 2);
    snprintf(path_file, sizeof path_file, "%s/file.db", argv[1]);
    snprintf(path_data, sizeof path_data, "%s/data.db", argv[1]);
    forum_post_input_t posts[4];
    memcpy(posts, posts_in, sizeof posts);
    fill_lengths(posts, 4);

    /* 1. The same posts as the equivalent file. */
    forum_db_t *by_file = contract_open(path_file, FORUM_DB_WRITE);
    forum_db_t *by_data = contract_open(path_data, FORUM_DB_WRITE);
    contract_add(by_file, "news/t.txt",
                 contract_thread("王小明的川普观察",
                                 "文章正文 川普今天发言。\n\n第二段 OpenAI "
                                 "的消息。", replies));
    forum_thread_input_t in = thread_input(posts, 4);
    forum_index_stats_t stats;
    EXPECT_STATUS(forum_db_index_thread(by_data, &in, NULL, &stats),
                  FORUM_OK);
    EXPECT(stats.threads == 1 && stats.posts == 4);
    EXPECT(post_count(by_data) == 4 && post_count(by_file) == 4);
    EXPECT(compare_hits(by_file, by_data, "thread:news/t",
                        FORUM_SORT_FLOOR) == 4);
    EXPECT(compare_hits(by_file, by_data, "川普", FORUM_SORT_RELEVANCE) == 2);
    EXPECT(compare_hits(by_file, by_data, "openai 馬斯克",
                        FORUM_SORT_RELEVANCE) == 1);
    EXPECT(compare_hits(by_file, by_data, "board:news author:supernova13",
                        FORUM_SORT_DATE) == 1);
    EXPECT(compare_hits(by_file, by_data, "title:观察 date:2025-01-23",
                        FORUM_SORT_RELEVANCE) == 1);
    EXPECT(compare_hits(by_file, by_data, "floor:1..2", FORUM_SORT_FLOOR) ==
           2);

    /* 2. Replacing: a thread from a file, then from data again. */
    EXPECT_STATUS(forum_db_index_thread(by_file, &in, NULL, NULL), FORUM_OK);
    EXPECT(post_count(by_file) == 4);
    EXPECT(compare_hits(by_file, by_data, "thread:news/t",
                        FORUM_SORT_FLOOR) == 4);
    forum_post_input_t fewer[2] = {
        {0, "楼主", 1700000000, "换了的正文 拜登", 0},
        {5, "新人", INT64_MIN, "第五楼 拜登", 0}};
    fill_lengths(fewer, 2);
    forum_thread_input_t again = thread_input(fewer, 2);
    again.title = "新标题";
    again.board = "elsewhere";
    EXPECT_STATUS(forum_db_index_thread(by_data, &again, NULL, NULL),
                  FORUM_OK);
    EXPECT(post_count(by_data) == 2);
    EXPECT(count(by_data, "thread:news/t") == 2);
    EXPECT(count(by_data, "川普") == 0);
    EXPECT(count(by_data, "拜登 board:elsewhere") == 2);
    EXPECT(count(by_data, "title:新标题") == 1);
    EXPECT(count(by_data, "floor:1..3") == 0);
    /* A thread that came from a JSON Lines line. */
    const char *jsonl =
        "{\"id\": \"news/t\", \"title\": \"J\", \"posts\": [{\"floor\": 0, "
        "\"text\": \"json 正文\"}, {\"floor\": 9, \"text\": \"json 回复\"}]}\n"
        "{\"id\": \"news/u\", \"title\": \"U\", \"posts\": [{\"floor\": 0, "
        "\"text\": \"另一个\"}]}\n";
    EXPECT_STATUS(forum_db_index_buffer(by_data, "j/all.jsonl", jsonl,
                                        strlen(jsonl), NULL, NULL),
                  FORUM_OK);
    /* Two sources of one thread id overwrite each other's posts by
     * floor (README): floors 0 and 9 from the file, 5 from before. */
    EXPECT(count(by_data, "thread:news/t") == 3 && count(by_data, "json") == 2);
    EXPECT_STATUS(forum_db_index_thread(by_data, &again, NULL, NULL),
                  FORUM_OK);
    EXPECT(count(by_data, "thread:news/t") == 2 && count(by_data, "json") == 0);
    EXPECT(count(by_data, "thread:news/u") == 1);
    /* Removing it as its file or as its thread. */
    uint64_t removed = 0;
    EXPECT_STATUS(forum_db_remove(by_data, FORUM_REMOVE_FILE, "news/t.txt",
                                  &removed), FORUM_OK);
    EXPECT(removed == 2 && count(by_data, "thread:news/t") == 0);
    EXPECT_STATUS(forum_db_index_thread(by_data, &in, NULL, NULL), FORUM_OK);
    EXPECT_STATUS(forum_db_remove(by_data, FORUM_REMOVE_THREAD, "news/t",
                                  &removed), FORUM_OK);
    EXPECT(removed == 4 && count(by_data, "thread:news/t") == 0);
    EXPECT_STATUS(forum_db_index_thread(by_data, &in, NULL, NULL), FORUM_OK);
    EXPECT_STATUS(forum_db_commit(by_data), FORUM_OK);

    /* 3. Bad input changes nothing. */
    const char *const bad_ids[] = {"", "/abs", "../evil", "a/../../evil",
                                   "a//b", "a/", "./b", ".."};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
        forum_thread_input_t bad = in;
        bad.id = bad_ids[i];
        char says[64];
        snprintf(says, sizeof says, "thread id \"%s\"", bad_ids[i]);
        expect_refused(by_data, &bad, says, bad_ids[i]);
    }
    forum_thread_input_t bad = in;
    bad.id = NULL;
    expect_refused(by_data, &bad, "no id", "NULL id");
    const char *const bad_titles[] = {NULL, "", " \t "};
    for (size_t i = 0; i < 3; i++) {
        bad = in;
        bad.title = bad_titles[i];
        expect_refused(by_data, &bad, "news/t: no title", "title");
    }
    bad = in;
    bad.title = "bad \xff title";
    expect_refused(by_data, &bad, "title is not valid UTF-8", "bad title");
    bad = in;
    bad.board = "\xe5\xb7";
    expect_refused(by_data, &bad, "board is not valid UTF-8", "bad board");
    bad = in;
    bad.source = "\xed\xa0\x80"; /* A surrogate. */
    expect_refused(by_data, &bad, "source is not valid UTF-8", "surrogate");
    bad = in;
    bad.id = "news/\xc0\xaf";
    expect_refused(by_data, &bad, "thread id is not valid UTF-8", "bad id");
    bad = in;
    bad.n_posts = 0;
    expect_refused(by_data, &bad, "news/t: no posts", "no posts");
    bad = in;
    bad.posts = NULL;
    expect_refused(by_data, &bad, "news/t: no posts", "NULL posts");
    bad = in;
    bad.version = 99;
    expect_refused(by_data, &bad, "version 99", "version");
    bad = in;
    bad.date = INT64_MAX;
    expect_refused(by_data, &bad, "out of range", "thread date");
    expect_refused(by_data, NULL, "no thread", "NULL input");

    forum_post_input_t broken[4];
    struct {
        int floor;
        const char *author, *text;
        size_t text_len;
        int64_t date;
        const char *says;
    } bad_posts[] = {
        {1, "x", "floor twice", 11, INT64_MIN,
         "floor 1 is given twice (posts[2] and posts[3])"},
        {-1, "x", "negative", 8, INT64_MIN, "posts[2]: floor -1 is out of"},
        {1000001, "x", "too far", 7, INT64_MIN, "floor 1000001 is out of"},
        {7, "x", "bad \xe4\xb8 text", 11, INT64_MIN,
         "posts[2]: text is not valid UTF-8"},
        {7, "x", "nul\0byte", 8, INT64_MIN, "posts[2]: text holds a NUL"},
        {7, "bad\x80", "text", 4, INT64_MIN,
         "posts[2]: author is not valid UTF-8"},
        {7, "x", NULL, 3, INT64_MIN, "posts[2]: no text given"},
        {7, "x", "text", 4, INT64_C(300000000000),
         "posts[2]: date 300000000000 is out of range"},
    };
    for (size_t i = 0; i < sizeof bad_posts / sizeof *bad_posts; i++) {
        memcpy(broken, posts, sizeof broken);
        broken[2].floor = bad_posts[i].floor;
        broken[2].author = bad_posts[i].author;
        broken[2].text = bad_posts[i].text;
        broken[2].text_len = bad_posts[i].text_len;
        broken[2].date = bad_posts[i].date;
        bad = in;
        bad.posts = broken;
        expect_refused(by_data, &bad, bad_posts[i].says, bad_posts[i].says);
    }
    /* The failures left the committed state, and nothing pending. */
    forum_db_destroy(by_data);
    by_data = contract_open(path_data, FORUM_DB_READ);
    EXPECT(post_count(by_data) == 5);
    EXPECT(compare_hits(by_file, by_data, "thread:news/t",
                        FORUM_SORT_FLOOR) == 4);
    /* A read-only handle. */
    expect_refused(by_data, &in, "read-only", "read-only");
    forum_db_destroy(by_data);
    forum_db_destroy(by_file);
    puts("index_thread: ok");
    return 0;
}
