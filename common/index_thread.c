/* forumsearch — forum_db_index_thread(): a thread handed over as data
 * (what a scraper has in hand) instead of a file. The input is checked
 * whole before anything is written, so bad input changes nothing; the
 * thread then goes through index.c's own path for a file's threads
 * (index_internal.h), so its posts are the ones an equivalent file
 * gives. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "fsi_limits.h"
#include "index_internal.h"
#include "thread.h"
#include "utf8.h"

/* Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the
 * dates ISO 8601 output (and Python's datetime) can show. */
#define MIN_DATE INT64_C(-62135596800)
#define MAX_DATE INT64_C(253402300799)

/* Why text[0, len) is not acceptable text, or NULL: valid UTF-8 with no
 * NUL byte (every later stage relies on both, as after charset.c). */
static const char *bad_text(const char *text, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        uint32_t c;
        pos += fsi_utf8_decode(text + pos, len - pos, &c);
        if (c == FSI_UTF8_INVALID)
            return "is not valid UTF-8";
        if (c == 0)
            return "holds a NUL byte";
    }
    return NULL;
}

static const char *bad_string(const char *s)
{
    return s ? bad_text(s, strlen(s)) : NULL;
}

static int bad_date(int64_t date)
{
    return date != INT64_MIN && (date < MIN_DATE || date > MAX_DATE);
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static int compare_floors(const void *a, const void *b)
{
    const forum_post_input_t *x = *(const forum_post_input_t *const *)a;
    const forum_post_input_t *y = *(const forum_post_input_t *const *)b;
    return (x->floor > y->floor) - (x->floor < y->floor);
}

/* Checks the thread whole; FORUM_OK or FORUM_EINVAL with a message that
 * names the field, and the post by its index in in->posts. `sorted`
 * receives pointers to the posts in floor order. */
static forum_status_t check_input(forum_db_t *db,
                                  const forum_thread_input_t *in,
                                  const forum_post_input_t **sorted)
{
    const char *why;
    if (in->id == NULL)
        return fsi_db_fail(db, FORUM_EINVAL, "thread: no id");
    if ((why = fsi_index_bad_name(in->id)) != NULL)
        return fsi_db_fail(db, FORUM_EINVAL, "thread id \"%s\" %s", in->id,
                           why);
    if ((why = bad_string(in->id)) != NULL)
        return fsi_db_fail(db, FORUM_EINVAL, "thread id %s", why);
    if (in->title == NULL || is_blank(in->title))
        return fsi_db_fail(db, FORUM_EINVAL, "thread %s: no title", in->id);
    static const char *const names[] = {"title", "board", "source"};
    const char *values[] = {in->title, in->board, in->source};
    for (size_t i = 0; i < 3; i++)
        if ((why = bad_string(values[i])) != NULL)
            return fsi_db_fail(db, FORUM_EINVAL, "thread %s: %s %s", in->id,
                               names[i], why);
    if (bad_date(in->date))
        return fsi_db_fail(db, FORUM_EINVAL, "thread %s: date %lld is out "
                           "of range (years 1 to 9999)", in->id,
                           (long long)in->date);
    if (in->n_posts == 0 || in->posts == NULL)
        return fsi_db_fail(db, FORUM_EINVAL, "thread %s: no posts", in->id);

    for (size_t i = 0; i < in->n_posts; i++) {
        const forum_post_input_t *post = &in->posts[i];
        sorted[i] = post;
        if (post->floor < 0 || post->floor > FSI_MAX_FLOOR)
            return fsi_db_fail(db, FORUM_EINVAL, "thread %s: posts[%zu]: "
                               "floor %d is out of range (0 to %d)", in->id,
                               i, post->floor, FSI_MAX_FLOOR);
        if (post->text == NULL && post->text_len > 0)
            return fsi_db_fail(db, FORUM_EINVAL, "thread %s: posts[%zu]: "
                               "no text given for a length of %zu", in->id,
                               i, post->text_len);
        if ((why = bad_text(post->text, post->text_len)) == NULL &&
            (why = bad_string(post->author)) == NULL && !bad_date(post->date))
            continue;
        if (why == NULL)
            return fsi_db_fail(db, FORUM_EINVAL, "thread %s: posts[%zu]: "
                               "date %lld is out of range (years 1 to "
                               "9999)", in->id, i, (long long)post->date);
        return fsi_db_fail(db, FORUM_EINVAL, "thread %s: posts[%zu]: %s %s",
                           in->id, i,
                           bad_text(post->text, post->text_len) ? "text"
                                                                : "author",
                           why);
    }
    qsort(sorted, in->n_posts, sizeof *sorted, compare_floors);
    for (size_t i = 1; i < in->n_posts; i++) {
        if (sorted[i]->floor != sorted[i - 1]->floor)
            continue;
        size_t a = (size_t)(sorted[i - 1] - in->posts);
        size_t b = (size_t)(sorted[i] - in->posts);
        return fsi_db_fail(db, FORUM_EINVAL, "thread %s: floor %d is given "
                           "twice (posts[%zu] and posts[%zu])", in->id,
                           sorted[i]->floor, a < b ? a : b, a < b ? b : a);
    }
    return FORUM_OK;
}

/* The board when none is given: the first directory of the id, as a
 * file's board is the first directory under the root. */
static char *default_board(const char *id)
{
    const char *slash = strchr(id, '/');
    return slash ? strndup(id, (size_t)(slash - id)) : strdup("");
}

static char *copy_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* Copies the checked input into the model index.c reads. */
static forum_status_t build_thread(fsi_thread_t *thread,
                                   const forum_thread_input_t *in,
                                   const forum_post_input_t *const *sorted,
                                   int *title_cut)
{
    size_t title_len = strlen(in->title);
    *title_cut = title_len > FSI_MAX_TITLE_BYTES;
    if (*title_cut)
        title_len = (size_t)fsi_utf8_clip(in->title, title_len,
                                          FSI_MAX_TITLE_BYTES);
    thread->id = strdup(in->id);
    thread->title = strndup(in->title, title_len);
    thread->board = in->board ? strdup(in->board) : default_board(in->id);
    thread->source = in->source && in->source[0] ? strdup(in->source)
                                                 : NULL;
    thread->date = in->date;
    if (thread->id == NULL || thread->title == NULL ||
        thread->board == NULL || (in->source && in->source[0] &&
                                  thread->source == NULL))
        return FORUM_ENOMEM;
    for (size_t i = 0; i < in->n_posts; i++) {
        const forum_post_input_t *src = sorted[i];
        fsi_post_t *post = fsi_thread_add_post(thread);
        if (post == NULL)
            return FORUM_ENOMEM;
        free(post->author);
        free(post->text);
        post->author = copy_or_empty(src->author);
        post->text = malloc(src->text_len + 1);
        if (post->author == NULL || post->text == NULL)
            return FORUM_ENOMEM;
        if (src->text_len)
            memcpy(post->text, src->text, src->text_len);
        post->text[src->text_len] = '\0';
        post->text_len = src->text_len;
        post->floor = src->floor;
        post->date = src->date;
        post->line = 0;
    }
    return FORUM_OK;
}

static forum_status_t index_thread_input(forum_db_t *db,
                                         const forum_thread_input_t *in,
                                         const forum_index_options_t *opts,
                                         forum_index_stats_t *stats)
{
    forum_index_stats_t scratch;
    if (stats == NULL)
        stats = &scratch;
    memset(stats, 0, sizeof *stats);
    forum_status_t status = fsi_db_check(db);
    if (status != FORUM_OK)
        return status;
    if (!db->writable)
        return fsi_db_fail(db, FORUM_EINVAL, "database is open read-only");
    if (in == NULL)
        return fsi_db_fail(db, FORUM_EINVAL, "no thread given");
    if (in->version != FORUM_THREAD_INPUT_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "thread input version %u; this "
                           "library knows %u", in->version,
                           FORUM_THREAD_INPUT_VERSION);
    const forum_post_input_t **sorted =
        malloc((in->n_posts ? in->n_posts : 1) * sizeof *sorted);
    if (sorted == NULL)
        return fsi_db_fail(db, FORUM_ENOMEM, "out of memory");
    fsi_thread_t thread;
    fsi_thread_init(&thread);
    fsi_buf_t rel = FSI_BUF_INIT;
    int title_cut = 0;
    status = check_input(db, in, sorted);
    if (status == FORUM_OK) {
        status = build_thread(&thread, in, sorted, &title_cut);
        fsi_buf_printf(&rel, "%s.txt", in->id);
        if (status == FORUM_OK && rel.failed)
            status = FORUM_ENOMEM;
        if (status == FORUM_ENOMEM)
            fsi_db_fail(db, status, "out of memory");
    }
    if (status == FORUM_OK)
        status = fsi_index_thread_as(db, &thread, rel.data, opts, stats);
    if (status == FORUM_OK && title_cut) {
        /* As a thread file's title is cut (thread_parse.c). */
        stats->warnings++;
        if (opts && opts->diag)
            opts->diag(opts->diag_payload, rel.data, 0, FORUM_WARNING,
                       "title longer than 1024 bytes; truncated");
    }
    fsi_buf_free(&rel);
    fsi_thread_free(&thread);
    free(sorted);
    return status;
}

forum_status_t forum_db_index_thread(forum_db_t *db,
                                     const forum_thread_input_t *thread,
                                     const forum_index_options_t *opts,
                                     forum_index_stats_t *stats)
{
    if (db == NULL) {
        if (stats)
            memset(stats, 0, sizeof *stats);
        return FORUM_EINVAL;
    }
    fsi_db_enter(db);
    return fsi_db_leave(db, index_thread_input(db, thread, opts, stats));
}
