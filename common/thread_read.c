/* forumsearch — reading one thread in floor order (forum_db_thread_open).
 *
 * The posts are found by the thread's boolean term and ordered by the
 * ORDER value (thread id, then floor), the same key forum-search's
 * --sort floor uses, all in one search, so they come from one revision
 * of the database. Everything is copied into the forum_thread_t, which
 * then never goes back to the database.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "highlight.h"
#include "normalize.h"
#include "schema.h"
#include "search.h"
#include "thread.h"

struct forum_thread {
    forum_thread_info_t info;
    forum_post_t *posts;
    size_t cursor;
    char *strings;        /* Every string of the thread, NUL-ended. */
    forum_span_t *spans;  /* Every mark: the title's, then the posts'. */
};

/* While building: strings and spans are offsets into growing buffers,
 * turned into pointers once nothing moves any more. */
typedef struct post_at {
    int floor;
    int64_t date;
    size_t author, text, text_len, first_span, n_spans;
} post_at_t;

typedef struct builder {
    fsi_buf_t strings;
    forum_span_t *spans;
    size_t n_spans, cap_spans;
    int failed;
    fsi_normalized_t norm;
} builder_t;

/* The search's meta_key hook: the thread record's key, once (every post
 * names the same thread). */
typedef struct record_key {
    const char *key;
    size_t len;
    int given;
} record_key_t;

static void forget_record_key(void *payload)
{
    ((record_key_t *)payload)->given = 0;
}

static size_t give_record_key(void *payload, const char *data, size_t len,
                              char *key, size_t cap)
{
    (void)data, (void)len;
    record_key_t *rk = payload;
    if (rk->given || rk->len > cap)
        return 0;
    rk->given = 1;
    memcpy(key, rk->key, rk->len);
    return rk->len;
}

static size_t keep_string(builder_t *b, const char *s, size_t len)
{
    size_t at = b->strings.len;
    fsi_buf_append(&b->strings, s, len);
    fsi_buf_append_char(&b->strings, '\0');
    return at;
}

/* Appends the marks of text (whose matches of the patterns) to the
 * builder's spans, and the text as the highlighter returns it (the whole
 * text as written) to its strings. */
static forum_status_t keep_marked(builder_t *b, const char *text, size_t len,
                                  const fsi_pattern_t *patterns,
                                  size_t n_patterns, size_t *text_at,
                                  size_t *text_len, size_t *first_span,
                                  size_t *n_spans)
{
    *first_span = b->n_spans;
    *n_spans = 0;
    if (n_patterns == 0) {
        *text_at = keep_string(b, text, len);
        *text_len = len;
        return FORUM_OK;
    }
    /* Shown whole: the snippet is the text itself with its marks. */
    forum_snippet_options_t whole = {FORUM_SNIPPET_OPTIONS_VERSION,
                                     (size_t)-1, 1};
    forum_snippet_t *snip = NULL;
    forum_status_t status = fsi_normalize(&b->norm, text, len, 1);
    if (status == FORUM_OK)
        status = fsi_highlight(&snip, text, len, &b->norm, patterns,
                               n_patterns, &whole);
    if (status != FORUM_OK)
        return status;
    if (b->n_spans + snip->n_marks > b->cap_spans) {
        size_t cap = (b->n_spans + snip->n_marks) * 2;
        forum_span_t *grown = realloc(b->spans, cap * sizeof *grown);
        if (grown == NULL) {
            forum_snippet_destroy(snip);
            return FORUM_ENOMEM;
        }
        b->spans = grown;
        b->cap_spans = cap;
    }
    if (snip->n_marks)
        memcpy(b->spans + b->n_spans, snip->marks,
               snip->n_marks * sizeof *snip->marks);
    b->n_spans += snip->n_marks;
    *n_spans = snip->n_marks;
    *text_at = keep_string(b, snip->text, snip->len);
    *text_len = snip->len;
    forum_snippet_destroy(snip);
    return FORUM_OK;
}

/* Searches db for the thread's posts, floor order. */
static forum_status_t find_posts(forum_db_t *db, const char *thread_id,
                                 fsi_xresult_t *x)
{
    fsi_buf_t term = FSI_BUF_INIT, key = FSI_BUF_INIT;
    fsi_make_key(&term, FSI_PREFIX_THREAD, thread_id, strlen(thread_id));
    fsi_make_key(&key, FSI_META_THREAD, thread_id, strlen(thread_id));
    fsi_xquery_t *xq = term.failed ? NULL
                                   : fsi_xq_term(term.data, term.len, 1);
    forum_status_t status = FORUM_ENOMEM;
    if (xq == NULL || key.failed)
        goto out;
    record_key_t rk = {key.data, key.len, 0};
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_ORDER);
    s.primary_slot = FSI_SLOT_ORDER;
    /* Every post: Xapian caps the page at the size of the revision the
     * search reads, which a count taken before it could understate. */
    s.limit = SIZE_MAX;
    s.payload = &rk;
    s.restart = forget_record_key;
    s.meta_key = give_record_key;
    status = fsi_xdb_search(db->x, xq, &s, x);
    if (status != FORUM_OK)
        fsi_db_fail_shim(db, status);
out:
    fsi_xq_destroy(xq);
    fsi_buf_free(&term);
    fsi_buf_free(&key);
    return status;
}

/* Turns the builder's offsets into the thread's pointers. */
static forum_thread_t *assemble(builder_t *b, const post_at_t *at,
                                size_t n_posts, const size_t info_at[5],
                                int64_t date, size_t n_title_spans)
{
    forum_thread_t *th = calloc(1, sizeof *th);
    forum_post_t *posts = calloc(n_posts, sizeof *posts);
    if (th == NULL || posts == NULL) {
        free(th);
        free(posts);
        return NULL;
    }
    th->strings = fsi_buf_steal(&b->strings, NULL);
    th->spans = b->spans;
    b->spans = NULL;
    const char *s = th->strings;
    th->info.thread_id = s + info_at[0];
    th->info.title = s + info_at[1];
    th->info.board = s + info_at[2];
    th->info.source = s + info_at[3];
    th->info.path = s + info_at[4];
    th->info.date = date;
    th->info.n_posts = n_posts;
    th->info.title_marks = n_title_spans ? th->spans : NULL;
    th->info.n_title_marks = n_title_spans;
    for (size_t i = 0; i < n_posts; i++) {
        posts[i].floor = at[i].floor;
        posts[i].date = at[i].date;
        posts[i].author = s + at[i].author;
        posts[i].text = s + at[i].text;
        posts[i].text_len = at[i].text_len;
        posts[i].marks = at[i].n_spans ? th->spans + at[i].first_span
                                       : NULL;
        posts[i].n_marks = at[i].n_spans;
        posts[i].index = i;
    }
    th->posts = posts;
    return th;
}

static forum_status_t open_locked(forum_thread_t **out, forum_db_t *db,
                                  const char *thread_id,
                                  const forum_query_t *query)
{
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    fsi_xresult_t x;
    memset(&x, 0, sizeof x);
    builder_t b;
    memset(&b, 0, sizeof b);
    post_at_t *at = NULL;

    status = find_posts(db, thread_id, &x);
    if (status != FORUM_OK)
        goto out;
    if (x.n_hits == 0) {
        status = fsi_db_fail(db, FORUM_ENOTFOUND, "no thread \"%s\" in %s",
                             thread_id, db->path);
        goto out;
    }
    fsi_thread_record_t rec = {{"", 0}, {"", 0}, {"", 0}, {"", 0},
                               FSI_NO_DATE};
    /* The first post carries the record (see give_record_key); a
     * missing one (a damaged database) leaves the fields empty. */
    if (x.hits[0].meta_len &&
        fsi_thread_record_decode(&rec, x.hits[0].meta,
                                 x.hits[0].meta_len) != FORUM_OK) {
        status = fsi_db_fail(db, FORUM_EIO, "%s: corrupt record of thread "
                             "\"%s\"", db->path, thread_id);
        goto out;
    }
    size_t info_at[5];
    info_at[0] = keep_string(&b, thread_id, strlen(thread_id));
    size_t title_text_len, n_title_spans, first;
    status = keep_marked(&b, rec.title.s, rec.title.len,
                         query ? query->title_marks : NULL,
                         query ? query->n_title_marks : 0, &info_at[1],
                         &title_text_len, &first, &n_title_spans);
    if (status != FORUM_OK)
        goto out;
    info_at[2] = keep_string(&b, rec.board.s, rec.board.len);
    info_at[3] = keep_string(&b, rec.source.s, rec.source.len);
    info_at[4] = keep_string(&b, rec.path.s, rec.path.len);

    at = calloc(x.n_hits, sizeof *at);
    if (at == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < x.n_hits; i++) {
        fsi_post_record_t post;
        if (fsi_post_record_decode(&post, x.hits[i].data,
                                   x.hits[i].data_len) != FORUM_OK) {
            status = fsi_db_fail(db, FORUM_EIO, "%s: corrupt document %u",
                                 db->path, x.hits[i].docid);
            goto out;
        }
        at[i].floor = post.floor;
        at[i].date = post.date != FSI_NO_DATE ? post.date : post.thread_date;
        at[i].author = keep_string(&b, post.author.s, post.author.len);
        status = keep_marked(&b, post.text.s, post.text.len,
                             query ? query->text_marks : NULL,
                             query ? query->n_text_marks : 0, &at[i].text,
                             &at[i].text_len, &at[i].first_span,
                             &at[i].n_spans);
        if (status != FORUM_OK)
            goto out;
    }
    if (b.strings.failed) {
        status = FORUM_ENOMEM;
        goto out;
    }
    *out = assemble(&b, at, x.n_hits, info_at, rec.date, n_title_spans);
    if (*out == NULL)
        status = FORUM_ENOMEM;
out:
    free(at);
    fsi_buf_free(&b.strings);
    free(b.spans);
    fsi_normalized_free(&b.norm);
    fsi_xresult_free(&x);
    return status;
}

forum_status_t forum_db_thread_open(forum_thread_t **out, forum_db_t *db,
                                    const char *thread_id,
                                    const forum_query_t *query)
{
    if (out)
        *out = NULL;
    if (out == NULL || db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    forum_status_t status;
    if (thread_id == NULL || thread_id[0] == '\0')
        status = fsi_db_fail(db, FORUM_EINVAL, "no thread id");
    else if (query != NULL && query->db != db)
        status = fsi_db_fail(db, FORUM_EINVAL, "the query was made from "
                             "another database handle");
    else
        status = open_locked(out, db, thread_id, query);
    return fsi_db_leave(db, status);
}

const forum_thread_info_t *forum_thread_info(const forum_thread_t *thread)
{
    return thread ? &thread->info : NULL;
}

forum_status_t forum_thread_next_post(forum_thread_t *thread,
                                      const forum_post_t **out)
{
    if (out)
        *out = NULL;
    if (thread == NULL || out == NULL)
        return FORUM_EINVAL;
    if (thread->cursor >= thread->info.n_posts)
        return FORUM_ITER_DONE;
    *out = &thread->posts[thread->cursor++];
    return FORUM_OK;
}

void forum_thread_rewind(forum_thread_t *thread)
{
    if (thread)
        thread->cursor = 0;
}

void forum_thread_destroy(forum_thread_t *thread)
{
    if (thread == NULL)
        return;
    free(thread->posts);
    free(thread->strings);
    free(thread->spans);
    free(thread);
}
