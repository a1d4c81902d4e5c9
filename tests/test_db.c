/* The library through its public API: indexing from memory and from
 * disk, searching, ranking, counts, locking, readers during commits,
 * incremental runs. Each test builds its database in a fresh mkdtemp
 * directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <forumsearch.h>

#include "testutil.h"

static char scratch[] = "/tmp/forumsearch-test-XXXXXX";

static void remove_tree(const char *path)
{
    char command[4200];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    CHECK_EQ_INT(system(command), 0);
}

static forum_db_t *open_db(const char *name, forum_db_mode_t mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    char *err = NULL;
    forum_db_t *db = NULL;
    forum_status_t st = forum_db_open(&db, path, mode, &err);
    if (st != FORUM_OK)
        TEST_FAIL("open %s: %s", path, err ? err : "?");
    return db;
}

static const char *thread_text(const char *title, const char *article,
                               const char *replies)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "%s\n\n某论坛\nMouluntan\n最新回复:2025年1月23日 6点43分 PT\n"
             "  返回列表\n10 阅读\n3 评论\n来源\n\n%s\n\n%s", title, article,
             replies);
    return buf;
}

static void add(forum_db_t *db, const char *name, const char *text)
{
    forum_index_stats_t stats;
    forum_status_t st = forum_db_index_buffer(db, name, text, strlen(text),
                                              NULL, &stats);
    if (st != FORUM_OK)
        TEST_FAIL("index %s: %s", name, forum_db_last_error(db));
}

/* Runs q and returns "thread#floor thread#floor ..." in rank order. */
static char *search(forum_db_t *db, const char *q, bool collapse,
                    uint64_t *posts_out)
{
    static char out[8192];
    forum_search_options_t opts = FORUM_SEARCH_OPTIONS_INIT;
    opts.collapse_threads = collapse;
    opts.limit = 100;
    forum_query_t *query;
    forum_results_t *res;
    const forum_hit_t *hit;
    if (forum_query_create(&query, db, q, strlen(q), &opts) != FORUM_OK)
        TEST_FAIL("query %s: %s", q, forum_db_last_error(db));
    CHECK_EQ_INT(forum_query_run(query, &res), FORUM_OK);
    out[0] = '\0';
    forum_status_t st;
    while ((st = forum_results_next(res, &hit)) == FORUM_OK) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s#%d", n ? " " : "",
                 hit->thread_id, hit->floor);
    }
    CHECK_EQ_INT(st, FORUM_ITER_DONE);
    if (posts_out)
        forum_results_counts(res, posts_out, NULL);
    forum_query_destroy(query);
    return out;
}

static int compare_words(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same as search(), sorted: for checks of the set alone. */
static char *search_set(forum_db_t *db, const char *q)
{
    static char out[8192];
    char copy[8192], *words[256], *save = NULL;
    size_t n = 0;
    snprintf(copy, sizeof copy, "%s", search(db, q, false, NULL));
    for (char *w = strtok_r(copy, " ", &save); w && n < 256;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    qsort(words, n, sizeof *words, compare_words);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s", i ? " " : "", words[i]);
    }
    return out;
}

static void test_recall_and_ranking(void)
{
    PHASE("川普 in 马斯克向川普 (ICU: 马|斯克|向川|普) is found");
    forum_db_t *db = open_db("rank", FORUM_DB_WRITE);
    add(db, "a/split.txt", thread_text("新闻", "马斯克向川普表示支持。",
                                       "张三\n1 楼\n没意见。\n"));
    add(db, "a/dialect.txt",
        thread_text("方言", "他说一口四川普通话。", "李四\n1 楼\n好听。\n"));
    add(db, "a/word.txt",
        thread_text("政治", "川普今天发推了,说了很多很多很多很多很多话。",
                    "王五\n1 楼\n看看。\n"));
    add(db, "b/english.txt",
        thread_text("AI", "OpenAI的新模型,ＯｐｅｎＡＩ says hi. 說話算話",
                    "s\nsupernova13\n1 楼\nopenai again\n"));
    char *found = search(db, "川普", false, NULL);
    CHECK(strncmp(found, "a/word#0 ", 9) == 0);
    CHECK(strstr(found, "a/split#0") && strstr(found, "a/dialect#0"));
    CHECK_EQ_INT(strlen(found), strlen("a/word#0 a/split#0 a/dialect#0"));

    PHASE("川普 as a word ranks above 四川普通话 (even in a longer post)");
    char *order = search(db, "川普", false, NULL);
    CHECK(strstr(order, "a/word#0") < strstr(order, "a/dialect#0"));

    PHASE("one-character queries");
    CHECK_EQ_STR(search_set(db, "普"), "a/dialect#0 a/split#0 a/word#0");
    PHASE("Latin inside CJK is a word");
    CHECK_EQ_STR(search_set(db, "openai"), "b/english#0 b/english#1");
    CHECK_EQ_STR(search(db, "OpenAI的", false, NULL), "b/english#0");
    CHECK_EQ_STR(search(db, "open", false, NULL), "");
    PHASE("Traditional and full-width forms");
    CHECK_EQ_STR(search(db, "说话", false, NULL), "b/english#0");
    CHECK_EQ_STR(search_set(db, "ＯＰＥＮＡＩ"), "b/english#0 b/english#1");
    PHASE("the title is searched with the article");
    CHECK_EQ_STR(search(db, "方言", false, NULL), "a/dialect#0");
    PHASE("longer strings are verified: 斯克向川 yes, 克普 no");
    CHECK_EQ_STR(search(db, "斯克向川", false, NULL), "a/split#0");
    CHECK_EQ_STR(search(db, "马斯克向川普表示", false, NULL), "a/split#0");
    CHECK_EQ_STR(search(db, "川普表示支持没有", false, NULL), "");

    PHASE("a post ranks above the replies that merely quote it");
    add(db, "c/quote.txt", thread_text(
        "引用", "正文。",
        "张三\n1 楼\n量子纠缠通信已经商用了。\n"
        "李四\n2 楼\n张三 发表评论于 2025-01-22 13:40:20 "
        "量子纠缠通信已经商用了。 ----- 真的吗?\n"
        "王五\n3 楼\n===== 张三 发表评论于 2025-01-22 13:40:20 "
        "量子纠缠通信已经商用了。\n"));
    CHECK_EQ_STR(search(db, "量子纠缠", false, NULL),
                 "c/quote#1 c/quote#2 c/quote#3");
    CHECK_EQ_STR(search(db, "真的吗", false, NULL), "c/quote#2");

    PHASE("collapsed by thread, with counts");
    uint64_t posts;
    char *best = search(db, "openai", true, &posts);
    CHECK(strcmp(best, "b/english#1") == 0 || strcmp(best, "b/english#0") == 0);
    CHECK_EQ_INT(posts, 2);

    PHASE("a reader sees committed changes; the writer commits");
    CHECK_EQ_INT(forum_db_commit(db), FORUM_OK);
    forum_db_t *reader = open_db("rank", FORUM_DB_READ);
    CHECK_EQ_STR(search(reader, "四川", false, NULL), "a/dialect#0");
    /* Twice: it ranks first by its wdf, whatever the posts' lengths. */
    add(db, "a/more.txt",
        thread_text("又一个", "四川火锅,四川辣。", "赵六\n1 楼\n辣。\n"));
    CHECK_EQ_INT(forum_db_commit(db), FORUM_OK);
    /* The reader reopens before each query. */
    CHECK_EQ_STR(search(reader, "四川", false, NULL),
                 "a/more#0 a/dialect#0");
    PHASE("a reader opened before a thread grew reads all of it");
    forum_db_t *grow = open_db("grow", FORUM_DB_WRITE);
    add(grow, "a/one.txt", thread_text("一", "一楼。", ""));
    CHECK_EQ_INT(forum_db_commit(grow), FORUM_OK);
    forum_db_t *early = open_db("grow", FORUM_DB_READ);
    add(grow, "a/long.txt", thread_text("长帖", "正文。",
        "甲\n1 楼\n一。\n乙\n2 楼\n二。\n丙\n3 楼\n三。\n丁\n4 楼\n四。\n"));
    CHECK_EQ_INT(forum_db_commit(grow), FORUM_OK);
    uint64_t count = 0;
    CHECK_EQ_INT(forum_db_post_count(early, &count), FORUM_OK);
    CHECK_EQ_INT(count, 6);
    forum_thread_t *th = NULL;
    CHECK_EQ_INT(forum_db_thread_open(&th, early, "a/long", NULL), FORUM_OK);
    CHECK_EQ_INT(forum_thread_info(th)->n_posts, 5);
    forum_thread_destroy(th);
    forum_db_destroy(early);
    CHECK_EQ_INT(forum_db_close(grow), FORUM_OK);
    forum_db_destroy(grow);

    PHASE("two files with one thread id: a post replaces its floor");
    forum_db_t *two = open_db("two", FORUM_DB_WRITE);
    static const char *const a_text =
        "{\"id\": \"d/1\", \"title\": \"A\", \"posts\": ["
        "{\"floor\": 0, \"text\": \"alpha0\"}, {\"floor\": 1, \"text\": \"alpha1\"}, "
        "{\"floor\": 2, \"text\": \"alpha2\"}, {\"floor\": 3, \"text\": \"alpha3\"}]}\n";
    static const char *const b_text =
        "{\"id\": \"d/1\", \"title\": \"B\", \"posts\": ["
        "{\"floor\": 0, \"text\": \"beta0\"}, {\"floor\": 1, \"text\": \"beta1\"}]}\n";
    static const char *const c_text =
        "{\"id\": \"d/1\", \"title\": \"C\", \"posts\": ["
        "{\"floor\": 0, \"text\": \"gamma0\"}, {\"floor\": 1, \"text\": \"gamma1\"}, "
        "{\"floor\": 2, \"text\": \"gamma2\"}, {\"floor\": 3, \"text\": \"gamma3\"}]}\n";
    add(two, "a.jsonl", a_text);
    add(two, "b.jsonl", b_text);
    uint64_t posts_now = 0;
    CHECK_EQ_INT(forum_db_post_count(two, &posts_now), FORUM_OK);
    CHECK_EQ_INT(posts_now, 4);
    CHECK_EQ_STR(search(two, "beta0", false, NULL), "d/1#0");
    CHECK_EQ_STR(search(two, "beta1", false, NULL), "d/1#1");
    CHECK_EQ_STR(search(two, "alpha0", false, NULL), "");
    CHECK_EQ_STR(search_set(two, "alpha2 OR alpha3"), "d/1#2 d/1#3");
    add(two, "a.jsonl", c_text); /* a changes: its floors replace b's */
    CHECK_EQ_INT(forum_db_post_count(two, &posts_now), FORUM_OK);
    CHECK_EQ_INT(posts_now, 4);
    CHECK_EQ_STR(search_set(two, "gamma0 OR gamma1 OR gamma2 OR gamma3"),
                 "d/1#0 d/1#1 d/1#2 d/1#3");
    CHECK_EQ_STR(search(two, "beta0 OR beta1 OR alpha2", false, NULL), "");
    uint64_t removed = 9;
    CHECK_EQ_INT(forum_db_remove(two, FORUM_REMOVE_FILE, "b.jsonl", &removed),
                 FORUM_OK);
    CHECK_EQ_INT(removed, 0);
    CHECK_EQ_INT(forum_db_remove(two, FORUM_REMOVE_FILE, "a.jsonl", &removed),
                 FORUM_OK);
    CHECK_EQ_INT(removed, 4);
    CHECK_EQ_INT(forum_db_close(two), FORUM_OK);
    forum_db_destroy(two);

    PHASE("a read-only handle refuses to index");
    CHECK_EQ_INT(forum_db_index_buffer(reader, "x.txt", "t\n\nx", 4, NULL,
                                       NULL), FORUM_EINVAL);
    CHECK(strstr(forum_db_last_error(reader), "read-only") != NULL);
    forum_db_destroy(reader);

    PHASE("a second writer is refused with FORUM_ELOCKED");
    char path[4096], *err = NULL;
    snprintf(path, sizeof path, "%s/rank", scratch);
    forum_db_t *second = NULL;
    CHECK_EQ_INT(forum_db_open(&second, path, FORUM_DB_WRITE, &err),
                 FORUM_ELOCKED);
    CHECK(second == NULL);
    CHECK(strstr(err, "locked") != NULL);
    forum_free(err);

    CHECK_EQ_INT(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
}

static void test_errors(void)
{
    PHASE("opening a missing database for reading");
    char path[4096], *err = NULL;
    snprintf(path, sizeof path, "%s/missing", scratch);
    forum_db_t *db = NULL;
    CHECK_EQ_INT(forum_db_open(&db, path, FORUM_DB_READ, &err),
                 FORUM_ENOTFOUND);
    CHECK(err != NULL);
    forum_free(err);

    PHASE("bad queries report a column");
    db = open_db("errors", FORUM_DB_WRITE);
    forum_query_t *q = NULL;
    CHECK_EQ_INT(forum_query_create(&q, db, "川普 \"open", 11, NULL),
                 FORUM_EQUERY);
    CHECK(q == NULL);
    CHECK_EQ_INT(forum_db_last_error_column(db), 4);
    CHECK(strstr(forum_db_last_error(db), "column 4: unbalanced quote") ==
          forum_db_last_error(db));

    PHASE("indexing a buffer with nothing in it");
    CHECK_EQ_INT(forum_db_index_buffer(db, "e.txt", "", 0, NULL, NULL),
                 FORUM_EPARSE);
    CHECK_EQ_INT(forum_db_index_buffer(db, "/abs.txt", "x", 1, NULL, NULL),
                 FORUM_EINVAL);
    PHASE("the API tolerates NULL where documented");
    CHECK_EQ_INT(forum_db_close(NULL), FORUM_EINVAL);
    forum_db_destroy(NULL);
    forum_query_destroy(NULL);
    forum_results_destroy(NULL);
    forum_snippet_destroy(NULL);
    CHECK(strcmp(forum_status_to_string(FORUM_ELOCKED), "unknown status"));
    CHECK_EQ_STR(forum_status_to_string(FORUM_STATUS_LAST), "unknown status");
    forum_db_destroy(db);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void test_directory_runs(void)
{
    PHASE("index a directory; re-run is incremental; removals delete");
    char dir[4096], sub[4200], file[4300];
    snprintf(dir, sizeof dir, "%s/threads", scratch);
    snprintf(sub, sizeof sub, "%s/tech", dir);
    CHECK(mkdir(dir, 0755) == 0 && mkdir(sub, 0755) == 0);
    snprintf(file, sizeof file, "%s/one.txt", sub);
    write_file(file, thread_text("显卡", "显卡涨价了。", "张三\n1 楼\n贵。\n"));
    char file2[4300];
    snprintf(file2, sizeof file2, "%s/two.txt", sub);
    write_file(file2, thread_text("内存", "内存降价了。", "李四\n1 楼\n好。\n"));

    forum_db_t *db = open_db("dir", FORUM_DB_WRITE);
    forum_index_stats_t stats;
    CHECK_EQ_INT(forum_db_index_path(db, dir, NULL, &stats), FORUM_OK);
    CHECK_EQ_INT(stats.files_indexed, 2);
    CHECK_EQ_INT(stats.posts, 4);
    CHECK_EQ_STR(search(db, "显卡", false, NULL), "tech/one#0");

    CHECK_EQ_INT(forum_db_index_path(db, dir, NULL, &stats), FORUM_OK);
    CHECK_EQ_INT(stats.files_unchanged, 2);
    CHECK_EQ_INT(stats.posts, 0);

    CHECK(unlink(file2) == 0);
    CHECK_EQ_INT(forum_db_index_path(db, dir, NULL, &stats), FORUM_OK);
    CHECK_EQ_INT(stats.files_removed, 1);
    CHECK_EQ_STR(search(db, "内存", false, NULL), "");
    uint64_t count;
    CHECK_EQ_INT(forum_db_post_count(db, &count), FORUM_OK);
    CHECK_EQ_INT(count, 2);

    PHASE("a thread that shrinks loses its old floors");
    sleep(0); /* mtime granularity is nanoseconds; size changes anyway. */
    write_file(file, "显卡\n\n只剩正文了,没有回复。\n");
    CHECK_EQ_INT(forum_db_index_path(db, dir, NULL, &stats), FORUM_OK);
    CHECK_EQ_INT(stats.files_indexed, 1);
    CHECK_EQ_STR(search(db, "贵", false, NULL), "");
    CHECK_EQ_INT(forum_db_post_count(db, &count), FORUM_OK);
    CHECK_EQ_INT(count, 1);

    PHASE("compaction keeps everything, shrinks, and readers carry on");
    forum_db_t *reader = open_db("dir", FORUM_DB_READ);
    CHECK_EQ_STR(search(reader, "显卡", false, NULL), "tech/one#0");
    char gen[4200];
    snprintf(gen, sizeof gen, "%s/dir/g1", scratch);
    CHECK_EQ_INT(access(gen, F_OK), 0);
    CHECK_EQ_INT(forum_db_compact(db), FORUM_OK);
    CHECK(access(gen, F_OK) != 0);
    snprintf(gen, sizeof gen, "%s/dir/g2", scratch);
    CHECK_EQ_INT(access(gen, F_OK), 0);
    CHECK_EQ_STR(search(db, "显卡", false, NULL), "tech/one#0");
    /* The reader had the old generation open: it still answers. */
    CHECK_EQ_STR(search(reader, "显卡", false, NULL), "tech/one#0");
    forum_db_destroy(reader);
    reader = open_db("dir", FORUM_DB_READ);
    CHECK_EQ_STR(search(reader, "显卡", false, NULL), "tech/one#0");
    forum_db_destroy(reader);
    /* The writer still writes after compacting. */
    snprintf(file2, sizeof file2, "%s/three.txt", sub);
    write_file(file2, thread_text("硬盘", "硬盘也涨了。", "周七\n1 楼\n唉。\n"));
    CHECK_EQ_INT(forum_db_index_path(db, dir, NULL, &stats), FORUM_OK);
    CHECK_EQ_STR(search(db, "硬盘", false, NULL), "tech/three#0");

    PHASE("a path that does not exist");
    CHECK_EQ_INT(forum_db_index_path(db, "/nonexistent/forum", NULL, &stats),
                 FORUM_ENOTFOUND);
    CHECK_EQ_INT(forum_db_close(db), FORUM_OK);
    forum_db_destroy(db);
}

static void test_snippets(void)
{
    PHASE("snippets mark the original text (Traditional, full-width)");
    forum_db_t *db = open_db("snip", FORUM_DB_WRITE);
    add(db, "t.txt", thread_text("標題", "馬斯克說ＯｐｅｎＡＩ不行。",
                                 "张三\n1 楼\n嗯。\n"));
    forum_query_t *q;
    forum_results_t *res;
    const forum_hit_t *hit;
    CHECK_EQ_INT(forum_query_create(&q, db, "马斯克 openai", 16, NULL),
                 FORUM_OK);
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    CHECK_EQ_INT(forum_results_next(res, &hit), FORUM_OK);
    forum_snippet_t *snip;
    CHECK_EQ_INT(forum_results_snippet(res, hit, NULL, &snip), FORUM_OK);
    CHECK_EQ_STR(snip->text, "馬斯克說ＯｐｅｎＡＩ不行。");
    CHECK_EQ_INT(snip->n_marks, 2);
    CHECK_EQ_INT(snip->marks[0].start, 0);
    CHECK_EQ_INT(snip->marks[0].end, 9);   /* 馬斯克 */
    CHECK_EQ_INT(snip->marks[1].start, 12);
    CHECK_EQ_INT(snip->marks[1].end, 30);  /* ＯｐｅｎＡＩ */
    forum_snippet_destroy(snip);
    CHECK_EQ_INT(forum_results_title(res, hit, &snip), FORUM_OK);
    CHECK_EQ_STR(snip->text, "標題");
    CHECK_EQ_INT(snip->n_marks, 0);
    forum_snippet_destroy(snip);
    CHECK_EQ_INT(forum_results_next(res, &hit), FORUM_ITER_DONE);
    forum_query_destroy(q); /* Frees res too. */

    PHASE("the title's matches are marked, whole");
    CHECK_EQ_INT(forum_query_create(&q, db, "标题", 6, NULL), FORUM_OK);
    CHECK_EQ_INT(forum_query_run(q, &res), FORUM_OK);
    CHECK_EQ_INT(forum_results_next(res, &hit), FORUM_OK);
    CHECK_EQ_INT(forum_results_title(res, hit, &snip), FORUM_OK);
    CHECK_EQ_STR(snip->text, "標題");
    CHECK_EQ_INT(snip->n_marks, 1);
    CHECK_EQ_INT(snip->marks[0].start, 0);
    CHECK_EQ_INT(snip->marks[0].end, 6);
    forum_snippet_destroy(snip);
    forum_query_destroy(q);
    forum_db_destroy(db);
}

int main(void)
{
    CHECK(mkdtemp(scratch) != NULL);
    test_recall_and_ranking();
    test_errors();
    test_directory_runs();
    test_snippets();
    remove_tree(scratch);
    fprintf(stderr, "test_db: all passed\n");
    return 0;
}
