/* Contract: forum_db_thread_open() reads one thread whole, in floor
 * order (reply 10 after reply 9, not after 1), with its title, board,
 * source and path, each post's floor, author, date and text as written;
 * a query's words are marked in the whole text (Traditional folded) and
 * in the title, and its filters select nothing; a thread id with spaces
 * works; the thread outlives its database handle and query; a missing
 * thread is FORUM_ENOTFOUND, an empty id or another handle's query
 * FORUM_EINVAL; the same on a database of three shards.
 *
 * contract-args: SCRATCH
 * Uses <forumsearch.h> only.
 */
#define _POSIX_C_SOURCE 200809L
#include "contract.h"

#include <stdint.h>

#define N_REPLIES 12

static const char *reply_text(int floor)
{
    static char buf[64];
    /* Reply 10 speaks Traditional: 關稅 is 关税 folded. */
    snprintf(buf, sizeof buf, floor == 10 ? "第%d楼說關稅很高" :
             "第%d楼的回复", floor);
    return buf;
}

static void fill(forum_db_t *db)
{
    char replies[4096] = "";
    for (int f = 1; f <= N_REPLIES; f++) {
        size_t n = strlen(replies);
        snprintf(replies + n, sizeof replies - n, "用户%d\n%d 楼\n%s\n", f,
                 f, reply_text(f));
    }
    contract_add(db, "news/tariff talk.txt",
                 contract_thread("关税的讨论", "今天说关税。", replies));
    contract_add(db, "tech/other.txt",
                 contract_thread("别的", "关税也提到了。", "王五\n1 楼\n嗯\n"));
    EXPECT_STATUS(forum_db_commit(db), FORUM_OK);
}

/* The span's text equals want. */
static void expect_span(const char *text, const forum_span_t *span,
                        const char *want)
{
    size_t n = span->end - span->start;
    if (n != strlen(want) || memcmp(text + span->start, want, n) != 0) {
        fprintf(stderr, "mark [%zu,%zu) of \"%s\" is not \"%s\"\n",
                span->start, span->end, text, want);
        exit(1);
    }
}

static void check_db(forum_db_t *db, forum_db_t *other)
{
    forum_thread_t *th = NULL;
    const forum_post_t *post;

    /* Without a query: everything, in floor order, no marks. */
    EXPECT_STATUS(forum_db_thread_open(&th, db, "news/tariff talk", NULL),
                  FORUM_OK);
    const forum_thread_info_t *info = forum_thread_info(th);
    EXPECT(strcmp(info->thread_id, "news/tariff talk") == 0);
    EXPECT(strcmp(info->title, "关税的讨论") == 0);
    EXPECT(strcmp(info->board, "news") == 0);
    EXPECT(strcmp(info->path, "news/tariff talk.txt") == 0);
    EXPECT(info->source != NULL);
    EXPECT(info->n_posts == N_REPLIES + 1);
    EXPECT(info->n_title_marks == 0);
    /* 2025-01-23 06:43 PT is after 2025-01-23 00:00 UTC. */
    EXPECT(info->date >= 1737590400);
    int want_floor = 0;
    forum_status_t st;
    while ((st = forum_thread_next_post(th, &post)) == FORUM_OK) {
        EXPECT(post->floor == want_floor);
        EXPECT(post->index == (size_t)want_floor);
        EXPECT(post->n_marks == 0 && post->marks == NULL);
        EXPECT(strlen(post->text) == post->text_len);
        if (post->floor == 0) {
            EXPECT_HAS(post->text, "今天说关税。");
        } else {
            char author[32];
            snprintf(author, sizeof author, "用户%d", post->floor);
            EXPECT(strcmp(post->author, author) == 0);
            EXPECT(strcmp(post->text, reply_text(post->floor)) == 0);
        }
        EXPECT(post->date == info->date); /* No dates of their own. */
        want_floor++;
    }
    EXPECT_STATUS(st, FORUM_ITER_DONE);
    EXPECT(want_floor == N_REPLIES + 1);
    EXPECT_STATUS(forum_thread_next_post(th, &post), FORUM_ITER_DONE);
    forum_thread_rewind(th);
    EXPECT_STATUS(forum_thread_next_post(th, &post), FORUM_OK);
    EXPECT(post->floor == 0);
    forum_thread_destroy(th);

    /* With a query: its words marked, its filter selecting nothing. */
    forum_query_t *q = contract_query(db, "关税 author:nobody", 1,
                                      FORUM_SORT_RELEVANCE);
    EXPECT_STATUS(forum_db_thread_open(&th, db, "news/tariff talk", q),
                  FORUM_OK);
    info = forum_thread_info(th);
    EXPECT(info->n_posts == N_REPLIES + 1);
    EXPECT(info->n_title_marks == 1);
    expect_span(info->title, &info->title_marks[0], "关税");
    size_t marked = 0;
    while (forum_thread_next_post(th, &post) == FORUM_OK) {
        if (post->floor == 10) {
            EXPECT(post->n_marks == 1);
            EXPECT(strcmp(post->text, reply_text(10)) == 0);
            expect_span(post->text, &post->marks[0], "關稅");
        } else if (post->floor == 0) {
            EXPECT(post->n_marks == 1);
            expect_span(post->text, &post->marks[0], "关税");
        } else {
            EXPECT(post->n_marks == 0);
        }
        marked += post->n_marks;
    }
    EXPECT(marked == 2);
    /* The thread is the caller's: it outlives the query. */
    forum_query_destroy(q);
    forum_thread_rewind(th);
    EXPECT_STATUS(forum_thread_next_post(th, &post), FORUM_OK);
    expect_span(post->text, &post->marks[0], "关税");

    /* Failures. */
    forum_thread_t *none = (forum_thread_t *)1;
    EXPECT_STATUS(forum_db_thread_open(&none, db, "news/tariff", NULL),
                  FORUM_ENOTFOUND);
    EXPECT(none == NULL);
    EXPECT_HAS(forum_db_last_error(db), "news/tariff");
    EXPECT_STATUS(forum_db_thread_open(&none, db, "", NULL), FORUM_EINVAL);
    EXPECT_STATUS(forum_db_thread_open(&none, db, NULL, NULL),
                  FORUM_EINVAL);
    EXPECT_STATUS(forum_db_thread_open(NULL, db, "tech/other", NULL),
                  FORUM_EINVAL);
    forum_query_t *foreign = contract_query(other, "关税", 1,
                                            FORUM_SORT_RELEVANCE);
    EXPECT_STATUS(forum_db_thread_open(&none, db, "tech/other", foreign),
                  FORUM_EINVAL);
    EXPECT(none == NULL);
    forum_query_destroy(foreign);
    EXPECT_STATUS(forum_thread_next_post(NULL, &post), FORUM_EINVAL);
    EXPECT(forum_thread_info(NULL) == NULL);
    forum_thread_destroy(NULL);
    forum_thread_rewind(NULL);

    /* The thread outlives the database handle too. */
    forum_db_destroy(db);
    int n = 0;
    forum_thread_rewind(th);
    while (forum_thread_next_post(th, &post) == FORUM_OK)
        n++;
    EXPECT(n == N_REPLIES + 1);
    forum_thread_destroy(th);
}

int main(int argc, char **argv)
{
    EXPECT(argc >= 2);
    char one[4096], three[4096];
    snprintf(one, sizeof one, "%s/one", argv[1]);
    snprintf(three, sizeof three, "%s/three", argv[1]);

    forum_db_t *db = contract_open(one, FORUM_DB_WRITE);
    fill(db);
    forum_db_destroy(db);
    char *err = NULL;
    EXPECT_STATUS(forum_db_create(three, 3, &err), FORUM_OK);
    db = contract_open(three, FORUM_DB_WRITE);
    fill(db);
    forum_db_destroy(db);

    forum_db_t *reader_one = contract_open(one, FORUM_DB_READ);
    forum_db_t *reader_three = contract_open(three, FORUM_DB_READ);
    check_db(reader_one, reader_three);   /* Destroys reader_one. */
    reader_one = contract_open(one, FORUM_DB_READ);
    check_db(reader_three, reader_one);   /* Destroys reader_three. */
    forum_db_destroy(reader_one);

    /* A closed handle. */
    db = contract_open(one, FORUM_DB_READ);
    EXPECT_STATUS(forum_db_close(db), FORUM_OK);
    forum_thread_t *th = NULL;
    EXPECT_STATUS(forum_db_thread_open(&th, db, "tech/other", NULL),
                  FORUM_ECLOSED);
    forum_db_destroy(db);
    fprintf(stderr, "thread_read: ok\n");
    return 0;
}
