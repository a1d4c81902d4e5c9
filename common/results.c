/* forumsearch — running a query and its result sets.
 *
 * One total order: every sort ends with the tie-break of the ORDER value
 * (thread id, then floor), unique to each post, so a page is the same
 * slice of one list whatever the limit and offset. Xapian sorts and cuts
 * the page itself, except for threads ranked by relevance: a thread's
 * score adds a bonus for its other matching posts, which Xapian cannot
 * rank by, so every matching thread is ranked here (see arrange_threads).
 *
 * A result set owns everything it shows: the page's documents and thread
 * records are read during the run, from the revision the hits were
 * ranked in, so iterating never touches the database (a writer may
 * commit meanwhile) and outlives forum_db_close().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "highlight.h"
#include "schema.h"
#include "search.h"
#include "thread.h"

struct forum_results {
    forum_query_t *query;
    forum_results_t *prev, *next; /* The query's live result sets. */
    fsi_xresult_t x;              /* The page: documents, thread records. */
    size_t offset;                /* Rank of the first hit. */
    int scored;                   /* Sorted by relevance: scores shown. */
    uint64_t posts, threads;      /* Counts. */
    size_t cursor;                /* Next hit to return. */
    forum_hit_t hit;
    fsi_buf_t strings;            /* The current hit's strings. */
    fsi_normalized_t norm;        /* For snippets. */
};

/* ---- The search's callbacks ---------------------------------------- */

static void restart_run(void *payload)
{
    fsi_run_t *run = payload;
    run->failed = 0;
    run->ranked_all = 0;
}

/* The key of the hit's thread record. */
static size_t thread_record_key(void *payload, const char *data, size_t len,
                                char *key, size_t cap)
{
    fsi_run_t *run = payload;
    fsi_post_record_t rec;
    if (fsi_post_record_decode(&rec, data, len) != FORUM_OK)
        return 0; /* forum_results_next() reports the corrupt document. */
    fsi_buf_t buf = FSI_BUF_INIT;
    fsi_make_key(&buf, FSI_META_THREAD, rec.thread_id.s, rec.thread_id.len);
    size_t n = buf.failed || buf.len > cap ? 0 : buf.len;
    if (buf.failed)
        run->failed = 1;
    if (n)
        memcpy(key, buf.data, n);
    fsi_buf_free(&buf);
    return n;
}

/* Best first; equal scores by ORDER value (thread id, floor), then docid
 * (which only a damaged database could need). */
static int compare_ranked(const void *a, const void *b)
{
    const fsi_xhit_t *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return (x->docid > y->docid) - (x->docid < y->docid);
}

/* Keeps hits [offset, offset + limit) of the list. */
static void keep_page(fsi_xresult_t *x, size_t offset, size_t limit)
{
    size_t first = offset < x->n_hits ? offset : x->n_hits;
    size_t n = x->n_hits - first < limit ? x->n_hits - first : limit;
    for (size_t i = 0; i < x->n_hits; i++)
        if (i < first || i >= first + n)
            fsi_xhit_free(&x->hits[i]);
    memmove(x->hits, x->hits + first, n * sizeof *x->hits);
    x->n_hits = n;
}

/* Threads, not posts, are ranked when collapsing: a thread where many
 * posts match is more about the query than one with a single short
 * reply that happens to mention it. Xapian ranks a thread by its best
 * post; here every matching thread gets a bonus that grows with the log
 * of its other matching posts, and the page is cut from the whole list,
 * so it does not depend on the limit or the offset. */
static int arrange_threads(void *payload, fsi_xresult_t *x)
{
    fsi_run_t *run = payload;
    uint64_t posts = 0;
    for (size_t i = 0; i < x->n_hits; i++) {
        posts += x->hits[i].collapse_count + 1;
        x->hits[i].weight += FSI_THREAD_MATCHES_BOOST *
                             log1p((double)x->hits[i].collapse_count);
    }
    run->ranked_all = 1;
    run->ranked_posts = posts;
    run->ranked_threads = x->n_hits;
    qsort(x->hits, x->n_hits, sizeof *x->hits, compare_ranked);
    keep_page(x, run->offset, run->limit);
    return 0;
}

/* ---- Running ------------------------------------------------------- */

static fsi_xsearch_t search_for(const forum_query_t *q, fsi_run_t *run)
{
    const forum_search_options_t *o = &q->opts;
    int decided = !q->root.exact;
    fsi_xsearch_t s;
    memset(&s, 0, sizeof s);
    s.collapse_slot = o->collapse_threads ? FSI_SLOT_THREAD : -1;
    s.primary_slot = o->sort == FORUM_SORT_DATE    ? FSI_SLOT_DATE
                     : o->sort == FORUM_SORT_FLOOR ? FSI_SLOT_ORDER
                                                   : -1;
    s.primary_descending = o->sort == FORUM_SORT_DATE; /* Newest first. */
    s.tie_slot = FSI_SLOT_ORDER;
    s.offset = o->offset;
    s.limit = o->limit;
    s.decider = decided ? fsi_query_decide : NULL;
    s.decider_payload = run;
    s.exact_counts = o->exact_counts;
    s.payload = run;
    s.restart = restart_run;
    if (o->collapse_threads && o->sort == FORUM_SORT_RELEVANCE)
        s.arrange = arrange_threads;
    s.meta_key = thread_record_key;
    /* Xapian counts posts, and threads only when collapsing and not
     * always exactly: count the distinct threads of every match, unless
     * every thread is ranked anyway. */
    s.count_slot = s.arrange ? -1 : FSI_SLOT_THREAD;
    return s;
}

/* Posts and threads matching: exact when every match was seen. */
static void take_counts(forum_results_t *res, const fsi_run_t *run,
                        const fsi_xsearch_t *s)
{
    const fsi_xresult_t *x = &res->x;
    if (run->ranked_all) {
        res->posts = run->ranked_posts;
        res->threads = run->ranked_threads;
    } else if (x->counted) {
        res->posts = x->counted_docs;
        res->threads = x->counted_values;
    } else if (s->collapse_slot >= 0) {
        res->posts = x->uncollapsed;
        res->threads = x->matches;
    } else {
        /* Estimates without collapsing: the threads are at most the
         * posts, and Xapian saw no more. */
        res->posts = x->uncollapsed;
        res->threads = x->uncollapsed;
    }
}

static void link_results(forum_query_t *q, forum_results_t *res)
{
    res->query = q;
    res->next = q->results;
    if (q->results)
        q->results->prev = res;
    q->results = res;
}

static void unlink_results(forum_results_t *res)
{
    if (res->prev)
        res->prev->next = res->next;
    else
        res->query->results = res->next;
    if (res->next)
        res->next->prev = res->prev;
}

static void results_free(forum_results_t *res)
{
    fsi_xresult_free(&res->x);
    fsi_buf_free(&res->strings);
    fsi_normalized_free(&res->norm);
    free(res);
}

void fsi_query_free_results(forum_query_t *query)
{
    while (query->results) {
        forum_results_t *res = query->results;
        unlink_results(res);
        results_free(res);
    }
}

static forum_status_t run_locked(forum_query_t *q, forum_results_t **out)
{
    forum_db_t *db = q->db;
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    forum_results_t *res = calloc(1, sizeof *res);
    if (res == NULL)
        return FORUM_ENOMEM;
    fsi_run_t run;
    memset(&run, 0, sizeof run);
    run.query = q;
    run.offset = q->opts.offset;
    run.limit = q->opts.limit;
    fsi_xsearch_t search = search_for(q, &run);
    status = fsi_xdb_search(db->x, q->xquery, &search, &res->x);
    if (status != FORUM_OK)
        fsi_db_fail_shim(db, status);
    else if (run.failed)
        status = FORUM_ENOMEM;
    if (status == FORUM_OK)
        take_counts(res, &run, &search);
    if (status != FORUM_OK) {
        results_free(res);
        return status;
    }
    res->offset = q->opts.offset;
    res->scored = q->opts.sort == FORUM_SORT_RELEVANCE;
    link_results(q, res);
    *out = res;
    return FORUM_OK;
}

forum_status_t forum_query_run(forum_query_t *query, forum_results_t **out)
{
    if (query == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    fsi_db_enter(query->db);
    return fsi_db_leave(query->db, run_locked(query, out));
}

void forum_results_counts(const forum_results_t *results, uint64_t *posts_out,
                          uint64_t *threads_out)
{
    /* Fixed by the run: no lock. */
    if (posts_out)
        *posts_out = results ? results->posts : 0;
    if (threads_out)
        *threads_out = results ? results->threads : 0;
}

/* ---- Iterating ----------------------------------------------------- */

/* Copies s into the hit's string arena; returns its offset. */
static size_t keep_string(fsi_buf_t *arena, fsi_str_t s)
{
    size_t at = arena->len;
    fsi_buf_append(arena, s.s, s.len);
    fsi_buf_append_char(arena, '\0');
    return at;
}

static forum_status_t next_locked(forum_results_t *results,
                                  const forum_hit_t **out)
{
    forum_db_t *db = results->query->db;
    if (results->cursor >= results->x.n_hits)
        return FORUM_ITER_DONE;
    const fsi_xhit_t *x = &results->x.hits[results->cursor];
    fsi_post_record_t rec;
    if (fsi_post_record_decode(&rec, x->data, x->data_len) != FORUM_OK)
        return fsi_db_fail(db, FORUM_EIO, "%s: corrupt document %u",
                           db->path, x->docid);
    /* A thread record missing (a damaged database) leaves its fields
     * empty. */
    fsi_thread_record_t thread = {{"", 0}, {"", 0}, {"", 0}, {"", 0},
                                  FSI_NO_DATE};
    if (x->meta_len)
        fsi_thread_record_decode(&thread, x->meta, x->meta_len);

    fsi_buf_t *arena = &results->strings;
    arena->len = 0;
    size_t at_id = keep_string(arena, rec.thread_id);
    size_t at_title = keep_string(arena, thread.title);
    size_t at_board = keep_string(arena, thread.board);
    size_t at_author = keep_string(arena, rec.author);
    size_t at_source = keep_string(arena, thread.source);
    size_t at_path = keep_string(arena, thread.path);
    size_t at_text = keep_string(arena, rec.text);
    if (arena->failed)
        return FORUM_ENOMEM;

    forum_hit_t *hit = &results->hit;
    hit->thread_id = arena->data + at_id;
    hit->title = arena->data + at_title;
    hit->board = arena->data + at_board;
    hit->author = arena->data + at_author;
    hit->source = arena->data + at_source;
    hit->path = arena->data + at_path;
    hit->text = arena->data + at_text;
    hit->text_len = rec.text.len;
    hit->floor = rec.floor;
    hit->date = rec.date != FSI_NO_DATE ? rec.date : rec.thread_date;
    hit->score = results->scored ? x->weight : 0.0;
    hit->thread_matches = x->collapse_count + 1;
    hit->rank = (uint32_t)(results->offset + results->cursor);
    results->cursor++;
    *out = hit;
    return FORUM_OK;
}

forum_status_t forum_results_next(forum_results_t *results,
                                  const forum_hit_t **out)
{
    if (results == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    forum_db_t *db = results->query->db;
    fsi_db_enter(db);
    return fsi_db_leave(db, next_locked(results, out));
}

void forum_results_destroy(forum_results_t *results)
{
    if (results == NULL)
        return;
    forum_db_t *db = results->query->db;
    fsi_db_lock(db);
    unlink_results(results);
    results_free(results);
    fsi_db_unlock(db);
}

/* ---- Snippets ------------------------------------------------------ */

/* Highlights text (borrowed) with the given patterns. */
static forum_status_t highlight_locked(forum_results_t *results,
                                       const char *text, size_t len,
                                       const fsi_pattern_t *marks,
                                       size_t n_marks,
                                       const forum_snippet_options_t *opts,
                                       forum_snippet_t **out)
{
    forum_db_t *db = results->query->db;
    if (opts->version != FORUM_SNIPPET_OPTIONS_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "snippet options: unknown "
                           "version %u (this library knows %u)",
                           opts->version, FORUM_SNIPPET_OPTIONS_VERSION);
    if (opts->max_chars == 0)
        return fsi_db_fail(db, FORUM_EINVAL, "snippet options: max_chars "
                           "is 0");
    forum_status_t status = fsi_normalize(&results->norm, text, len, 1);
    if (status != FORUM_OK)
        return status;
    return fsi_highlight(out, text, len, &results->norm, marks, n_marks,
                         opts);
}

forum_status_t forum_results_snippet(forum_results_t *results,
                                     const forum_hit_t *hit,
                                     const forum_snippet_options_t *opts,
                                     forum_snippet_t **out)
{
    forum_snippet_options_t defaults = FORUM_SNIPPET_OPTIONS_INIT;
    if (out)
        *out = NULL;
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    const forum_query_t *q = results->query;
    fsi_db_enter(q->db);
    return fsi_db_leave(q->db, highlight_locked(
        results, hit->text, hit->text_len, q->text_marks, q->n_text_marks,
        opts ? opts : &defaults, out));
}

forum_status_t forum_results_title(forum_results_t *results,
                                   const forum_hit_t *hit,
                                   forum_snippet_t **out)
{
    /* A title is shown whole, however long the snippet options. */
    forum_snippet_options_t whole = {FORUM_SNIPPET_OPTIONS_VERSION,
                                     (size_t)-1, 1};
    if (out)
        *out = NULL;
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    const forum_query_t *q = results->query;
    fsi_db_enter(q->db);
    return fsi_db_leave(q->db, highlight_locked(
        results, hit->title, strlen(hit->title), q->title_marks,
        q->n_title_marks, &whole, out));
}
