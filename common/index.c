/* forumsearch — the indexer: walks directories, reads thread files and
 * writes one Xapian document per post (schema in schema.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "fsi_input.h"
#include "fsi_limits.h"
#include "index_internal.h"
#include "schema.h"
#include "thread.h"

#define MAX_DEPTH 64

typedef struct file_list {
    char **rel;
    size_t n, cap;
} file_list_t;

/* What the workers of one sharded run share (see index_path()). */
typedef struct shared {
    pthread_mutex_t lock;  /* Serializes the caller's callbacks. */
    uint64_t files_done;   /* Each file counted by its owner. */
    uint64_t files_total;
    int cancelled;         /* The progress callback said stop. */
} shared_t;

typedef struct run {
    forum_db_t *db;
    /* The shard this run writes: the database itself when it has one
     * shard. A thread lives in shard fsi_shard_of(id) (schema.h). */
    fsi_xdb_t *x;
    unsigned shard, n_shards;
    shared_t *shared;      /* NULL when the run is alone. */
    /* This shard reports the current file's own problems and counts it:
     * a text file is read by its thread's shard only, a JSON Lines file
     * by every shard (each indexes its own threads) and owned by one. */
    int owns_file;
    size_t file_threads;   /* Threads of the current file, all shards. */
    uint64_t files_done;   /* For the progress callback, when alone. */
    /* A worker keeps its failure here: the handle's error slot belongs
     * to the calling thread. */
    char error[1024];
    const forum_index_options_t *opts;
    forum_index_stats_t *stats;
    forum_tokenizer_t *tok;
    fsi_xdoc_t *doc;
    fsi_buf_t scratch;     /* Term building. */
    fsi_buf_t data;        /* Document data. */
    const char *rel;       /* The file being indexed, root-relative. */
    const char *display;   /* The file as the user named it. */
    size_t file_posts;
    int prefix_title;      /* Emitting title terms. */
    /* Inline quotes of other posts in the current text, as normalized
     * byte ranges: found on the first token of each text. */
    int quotes_found;
    size_t quotes[FSI_MAX_QUOTES][2];
    size_t n_quotes;
    /* Paths below the root that could not be read this run: the posts
     * indexed from them before are kept, not taken for deleted. */
    file_list_t unreadable;
    const file_list_t *kept;   /* The first run's unreadable, for all. */
    /* The current file's earlier posts are deleted just before its first
     * new thread is written, so a file that yields nothing can keep them
     * (keep_old_posts: forum_db_index_buffer's "a failed call changes
     * nothing") or lose them (a tree's file must match a clean index). */
    int old_posts_deleted;
    int keep_old_posts;
    /* The posts the current thread already has in this shard, from
     * other files or earlier in this one, by floor: a post of the same
     * floor replaces that document (a thread id names one thread). */
    struct floor_doc {
        int floor;
        uint32_t docid;
    } *floors;
    size_t n_floors, cap_floors;
    /* The current thread's number in this shard (schema.h,
     * FSI_SLOT_NUMBERED_FLOOR), when it has one; and whether some of its
     * posts here were indexed before threads had numbers. */
    uint32_t thread_number;
    int thread_numbered;
    int unnumbered_posts;
    /* The open batch of forum_db_index_path() (none for a buffer). */
    int in_batch;
    uint64_t batch_start_posts;
    uint64_t batch_start_bytes;
    size_t batch_files;
    forum_index_stats_t scratch_stats; /* When the caller wants none. */
} run_t;

static void file_list_free(file_list_t *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->rel[i]);
    free(list->rel);
}

/* Adds a copy of bytes [0, len) plus a NUL. */
static int file_list_add_bytes(file_list_t *list, const char *bytes,
                               size_t len)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        char **grown = realloc(list->rel, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        list->rel = grown;
        list->cap = cap;
    }
    if ((list->rel[list->n] = malloc(len + 1)) == NULL)
        return -1;
    memcpy(list->rel[list->n], bytes, len);
    list->rel[list->n][len] = '\0';
    list->n++;
    return 0;
}

static int file_list_add(file_list_t *list, const char *rel)
{
    return file_list_add_bytes(list, rel, strlen(rel));
}


static void lock_shared(run_t *run)
{
    if (run->shared)
        pthread_mutex_lock(&run->shared->lock);
}

static void unlock_shared(run_t *run)
{
    if (run->shared)
        pthread_mutex_unlock(&run->shared->lock);
}

static void deliver_diag(run_t *run, const char *path, size_t line,
                         int is_error, const char *message)
{
    if (is_error)
        run->stats->errors++;
    else
        run->stats->warnings++;
    /* run->display names the file in the user's terms; the parsers'
     * own path is the same string or, outside a file, nothing. */
    const char *where = run->display ? run->display : path ? path : "";
    if (run->opts->diag) {
        lock_shared(run);
        run->opts->diag(run->opts->diag_payload, where, line,
                        is_error ? FORUM_ERROR : FORUM_WARNING, message);
        unlock_shared(run);
    }
}

/* A problem of the current file (from the readers and parsers): told
 * once, by the shard that owns the file. */
static void diag_forward(void *payload, const char *path, size_t line,
                         int is_error, const char *message)
{
    run_t *run = payload;
    if (run->owns_file)
        deliver_diag(run, path, line, is_error, message);
}

static void report(run_t *run, size_t line, int is_error, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
static void report(run_t *run, size_t line, int is_error, const char *fmt,
                   ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    diag_forward(run, run->display, line, is_error, message);
}

/* A problem of one thread: only its shard sees the thread. */
static void report_thread(run_t *run, size_t line, int is_error,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report_thread(run_t *run, size_t line, int is_error,
                          const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    deliver_diag(run, run->display, line, is_error, message);
}

/* Records a failure of the run: on the handle when the run is alone,
 * else in the run, for index_path() to pass on. */
static forum_status_t run_fail(run_t *run, forum_status_t status,
                               const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static forum_status_t run_fail(run_t *run, forum_status_t status,
                               const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (run->shared)
        snprintf(run->error, sizeof run->error, "%s", message);
    else
        fsi_db_fail(run->db, status, "%s", message);
    return status;
}

static forum_status_t run_fail_shim(run_t *run, forum_status_t status)
{
    return run_fail(run, status, "%s", fsi_xdb_error(run->x));
}

/* Finds the inline quotes "NAME 发表评论于 DATE …" of a normalized text
 * (fsi_quote_find: from the name to the next separator or the end). */
static void find_quotes(run_t *run, const fsi_normalized_t *norm)
{
    fsi_quote_t quote;
    run->n_quotes = 0;
    for (size_t from = 0; run->n_quotes < FSI_MAX_QUOTES &&
         fsi_quote_find(&quote, norm->text, norm->len, from);
         from = quote.marker + 1) {
        run->quotes[run->n_quotes][0] = quote.start;
        run->quotes[run->n_quotes][1] = quote.end;
        run->n_quotes++;
        if (quote.end == norm->len)
            break;
    }
    run->quotes_found = 1;
}

static int in_quote(const run_t *run, size_t pos)
{
    for (size_t i = 0; i < run->n_quotes; i++)
        if (pos >= run->quotes[i][0] && pos < run->quotes[i][1])
            return 1;
    return 0;
}

static int add_token(void *payload, forum_token_kind_t kind,
                     const fsi_normalized_t *norm, size_t start, size_t end)
{
    run_t *run = payload;
    fsi_buf_t *term = &run->scratch;
    if (!run->quotes_found)
        find_quotes(run, norm);
    /* Quoted text still matches, but weighs nothing: the post that
     * said it ranks above the posts that quote it. */
    int quoted = in_quote(run, start);
    if (quoted && kind == FORUM_TOKEN_ALIGNED)
        return 0;
    term->len = 0;
    unsigned wdf = quoted ? 0 : 1;
    if (run->prefix_title) {
        /* Title queries need neither (compile_title). */
        if (kind == FORUM_TOKEN_ALIGNED || kind == FORUM_TOKEN_JUNCTION)
            return 0;
        fsi_buf_append_str(term, FSI_PREFIX_TITLE);
    } else if (kind == FORUM_TOKEN_ALIGNED) {
        if (FSI_ALIGNED_WDF)
            wdf = FSI_ALIGNED_WDF;
        else
            fsi_buf_append_str(term, FSI_PREFIX_ALIGNED);
    }
    fsi_buf_append(term, norm->text + start, end - start);
    if (term->failed)
        return FORUM_ENOMEM;
    fsi_xdoc_add_term(run->doc, term->data, term->len, wdf);
    return 0;
}

static int analyze_into_doc(run_t *run, const char *text, size_t len,
                            int as_title)
{
    run->prefix_title = as_title;
    run->quotes_found = 0;
    int rc = fsi_analyze(run->tok, text, len, FORUM_TOKENIZE_DOCUMENT, 0,
                         add_token, run);
    run->prefix_title = 0;
    return rc;
}

static void add_boolean(run_t *run, const char *prefix, const char *value,
                        size_t len)
{
    fsi_make_key(&run->scratch, prefix, value, len);
    fsi_xdoc_add_boolean_term(run->doc, run->scratch.data, run->scratch.len);
}

/* Boolean terms for names the user types (author, board) go through the
 * normalizer, so Traditional, Simplified and full-width forms agree. */
static forum_status_t add_name_term(run_t *run, const char *prefix,
                                    const char *name)
{
    if (name == NULL || name[0] == '\0')
        return FORUM_OK;
    char *norm;
    size_t len;
    forum_status_t status = forum_normalize(&norm, &len, name, strlen(name));
    if (status != FORUM_OK)
        return status;
    add_boolean(run, prefix, norm, len);
    free(norm);
    return FORUM_OK;
}

static void add_sortable(run_t *run, unsigned slot, double value)
{
    char bytes[16];
    size_t n = fsi_sortable_serialise(value, bytes);
    fsi_xdoc_set_value(run->doc, slot, bytes, n);
}

static struct floor_doc *find_floor(run_t *run, int floor)
{
    for (size_t i = run->n_floors; i-- > 0;) /* Floors mostly ascend. */
        if (run->floors[i].floor == floor)
            return &run->floors[i];
    return NULL;
}

static int remember_floor(run_t *run, int floor, uint32_t docid)
{
    if (run->n_floors == run->cap_floors) {
        size_t cap = run->cap_floors ? run->cap_floors * 2 : 64;
        struct floor_doc *grown = realloc(run->floors, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        run->floors = grown;
        run->cap_floors = cap;
    }
    run->floors[run->n_floors].floor = floor;
    run->floors[run->n_floors].docid = docid;
    run->n_floors++;
    return 0;
}

static int collect_floor(void *payload, uint32_t docid, const char *value,
                         size_t len)
{
    int floor = (int)fsi_sortable_unserialise(value, len);
    return remember_floor(payload, floor, docid);
}

static int collect_numbered_floor(void *payload, uint32_t docid,
                                  const char *value, size_t len)
{
    run_t *run = payload;
    if (len <= FSI_THREAD_NUMBER_BYTES) {
        run->unnumbered_posts = 1;
        return 0;
    }
    run->thread_number = fsi_thread_number_get(value);
    run->thread_numbered = 1;
    int floor = (int)fsi_sortable_unserialise(value + FSI_THREAD_NUMBER_BYTES,
                                              len - FSI_THREAD_NUMBER_BYTES);
    return remember_floor(run, floor, docid);
}

/* A number for a thread new to this shard: the next of FSI_META_THREADS,
 * which then counts it. None when they are all handed out, or the count
 * is unreadable (a damaged database: a guess could give two threads one
 * number): its posts are then ranked by their ORDER value instead. */
static forum_status_t new_thread_number(run_t *run)
{
    char *value = NULL;
    size_t len = 0;
    forum_status_t status = fsi_xdb_get_metadata(
        run->x, FSI_META_THREADS, strlen(FSI_META_THREADS), &value, &len);
    if (status != FORUM_OK)
        return status == FORUM_ENOMEM ? status : run_fail_shim(run, status);
    uint64_t next = 0;
    int valid = len <= 10;
    for (size_t i = 0; valid && i < len; i++) {
        valid = value[i] >= '0' && value[i] <= '9';
        next = next * 10 + (uint64_t)(value[i] - '0');
    }
    free(value);
    run->thread_numbered = valid && next <= UINT32_MAX;
    if (!run->thread_numbered)
        return FORUM_OK;
    char count[16];
    int n = snprintf(count, sizeof count, "%" PRIu64, next + 1);
    status = fsi_xdb_set_metadata(run->x, FSI_META_THREADS,
                                  strlen(FSI_META_THREADS), count, (size_t)n);
    if (status != FORUM_OK)
        return status == FORUM_ENOMEM ? status : run_fail_shim(run, status);
    run->thread_number = (uint32_t)next;
    return FORUM_OK;
}

/* Loads the floors thread `id` already has in this shard (none, and no
 * postings read, for a thread seen for the first time), and its number
 * here: the one its posts have, else a new one. */
static forum_status_t find_thread_floors(run_t *run, const char *id)
{
    run->n_floors = 0;
    run->thread_numbered = run->unnumbered_posts = 0;
    fsi_make_key(&run->scratch, FSI_PREFIX_THREAD, id, strlen(id));
    if (run->scratch.failed)
        return FORUM_ENOMEM;
    uint64_t posts = 0;
    forum_status_t status = fsi_xdb_termfreq(run->x, run->scratch.data,
                                             run->scratch.len, &posts);
    if (status == FORUM_OK && posts > 0)
        status = fsi_xdb_term_values(run->x, run->scratch.data,
                                     run->scratch.len,
                                     FSI_SLOT_NUMBERED_FLOOR,
                                     collect_numbered_floor, run);
    if (status == FORUM_OK && run->unnumbered_posts) {
        /* Posts from before thread numbers: every floor from its own
         * value. */
        run->n_floors = 0;
        status = fsi_xdb_term_values(run->x, run->scratch.data,
                                     run->scratch.len, FSI_SLOT_FLOOR,
                                     collect_floor, run);
    }
    if (status == FORUM_OK && posts > 0 && run->n_floors < posts)
        status = FORUM_ENOMEM; /* A collector stopped the walk. */
    if (status != FORUM_OK && status != FORUM_ENOMEM)
        return run_fail_shim(run, status);
    if (status == FORUM_OK && !run->thread_numbered)
        status = new_thread_number(run);
    return status;
}

/* Writes run->doc as the post at floor of the current thread. */
static forum_status_t write_post(run_t *run, int floor)
{
    struct floor_doc *earlier = find_floor(run, floor);
    forum_status_t status;
    if (earlier) {
        status = fsi_xdb_replace_document(run->x, earlier->docid, run->doc);
    } else {
        uint32_t docid = 0;
        status = fsi_xdb_add_document(run->x, run->doc, &docid);
        if (status == FORUM_OK && remember_floor(run, floor, docid) != 0)
            return FORUM_ENOMEM;
    }
    return status == FORUM_OK ? status : run_fail_shim(run, status);
}

static forum_status_t index_post(run_t *run, const fsi_thread_t *thread,
                                 const fsi_post_t *post)
{
    forum_status_t status = FORUM_OK;
    if (run->doc == NULL && (run->doc = fsi_xdoc_new()) == NULL)
        return FORUM_ENOMEM;
    fsi_xdoc_clear(run->doc);

    int rc = analyze_into_doc(run, post->text, post->text_len, 0);
    if (rc == 0 && post->floor == 0) {
        /* The title is part of the article's text and a field of its
         * own, with a boost (schema.h). */
        size_t title_len = strlen(thread->title);
        rc = analyze_into_doc(run, thread->title, title_len, 0);
        if (rc == 0)
            rc = analyze_into_doc(run, thread->title, title_len, 1);
    }
    if (rc != 0)
        return rc == FORUM_ENOMEM ? FORUM_ENOMEM : FORUM_EINTERNAL;

    size_t id_len = strlen(thread->id);
    add_boolean(run, FSI_PREFIX_FILE, run->rel, strlen(run->rel));
    add_boolean(run, FSI_PREFIX_THREAD, thread->id, id_len);
    fsi_xdoc_add_boolean_term(run->doc, post->floor == 0 ? FSI_TERM_ARTICLE
                                                        : FSI_TERM_REPLY, 2);
    status = add_name_term(run, FSI_PREFIX_AUTHOR, post->author);
    if (status == FORUM_OK)
        status = add_name_term(run, FSI_PREFIX_BOARD, thread->board);
    if (status != FORUM_OK)
        return status;

    int64_t date = post->date != FSI_NO_DATE ? post->date : thread->date;
    if (date != FSI_NO_DATE)
        add_sortable(run, FSI_SLOT_DATE, (double)date);
    add_sortable(run, FSI_SLOT_FLOOR, post->floor);
    if (run->thread_numbered) {
        char numbered[FSI_THREAD_NUMBER_BYTES + 16];
        fsi_thread_number_put(run->thread_number, numbered);
        size_t n = FSI_THREAD_NUMBER_BYTES +
                   fsi_sortable_serialise(post->floor,
                                          numbered + FSI_THREAD_NUMBER_BYTES);
        fsi_xdoc_set_value(run->doc, FSI_SLOT_NUMBERED_FLOOR, numbered, n);
    }
    fsi_xdoc_set_value(run->doc, FSI_SLOT_THREAD, thread->id, id_len);
    fsi_buf_t order = FSI_BUF_INIT;
    char floor_key[16];
    size_t floor_key_len = fsi_sortable_serialise(post->floor, floor_key);
    fsi_buf_append(&order, thread->id, id_len);
    fsi_buf_append_char(&order, '\0');
    fsi_buf_append(&order, floor_key, floor_key_len);
    fsi_xdoc_set_value(run->doc, FSI_SLOT_ORDER, order.data ? order.data : "",
                       order.len);
    int order_failed = order.failed;
    fsi_buf_free(&order);

    fsi_post_record_t rec = {
        {thread->id, id_len},
        {post->author, strlen(post->author)},
        {post->text, post->text_len},
        {post->floor == 0 ? thread->title : "",
         post->floor == 0 ? strlen(thread->title) : 0},
        {thread->board, strlen(thread->board)},
        post->floor,
        post->date,
        thread->date};
    run->data.len = 0;
    fsi_post_record_encode(&run->data, &rec);
    if (run->data.failed || run->scratch.failed || order_failed)
        return FORUM_ENOMEM;
    fsi_xdoc_set_data(run->doc, run->data.data, run->data.len);

    status = fsi_xdoc_status(run->doc);
    if (status != FORUM_OK)
        return run_fail(run, status, "cannot build document");
    status = write_post(run, post->floor);
    if (status != FORUM_OK)
        return status;
    run->stats->posts++;
    run->stats->text_bytes += post->text_len;
    run->file_posts++;
    return FORUM_OK;
}

static forum_status_t store_thread_record(run_t *run,
                                          const fsi_thread_t *thread)
{
    const char *source = thread->source ? thread->source
                         : thread->site ? thread->site : "";
    fsi_thread_record_t rec = {
        {thread->title, strlen(thread->title)},
        {thread->board, strlen(thread->board)},
        {source, strlen(source)},
        {run->rel, strlen(run->rel)},
        thread->date};
    fsi_buf_t key = FSI_BUF_INIT;
    fsi_make_key(&key, FSI_META_THREAD, thread->id, strlen(thread->id));
    run->data.len = 0;
    fsi_thread_record_encode(&run->data, &rec);
    forum_status_t status = FORUM_ENOMEM;
    if (!key.failed && !run->data.failed)
        status = fsi_xdb_set_metadata(run->x, key.data, key.len,
                                      run->data.data, run->data.len);
    fsi_buf_free(&key);
    if (status != FORUM_OK && status != FORUM_ENOMEM)
        return run_fail_shim(run, status);
    return status;
}

/* Fills the fields every thread needs and that the reader may lack. */
static forum_status_t complete_thread(run_t *run, fsi_thread_t *thread,
                                      const char *id, const char *board)
{
    if (thread->id == NULL && (thread->id = strdup(id)) == NULL)
        return FORUM_ENOMEM;
    if (thread->board == NULL && (thread->board = strdup(board)) == NULL)
        return FORUM_ENOMEM;
    if (thread->title == NULL && (thread->title = strdup("")) == NULL)
        return FORUM_ENOMEM;
    (void)run;
    return FORUM_OK;
}

/* The same bound for every input format (the text reader cuts as it
 * reads; JSON strings arrive whole). */
static void bound_post(run_t *run, fsi_post_t *post)
{
    if (post->text_len <= FSI_MAX_POST_BYTES)
        return;
    size_t keep = FSI_MAX_POST_BYTES;
    while (keep > 0 && ((unsigned char)post->text[keep] & 0xC0) == 0x80)
        keep--;
    post->text[keep] = '\0';
    post->text_len = keep;
    report_thread(run, post->line, 0, "post text truncated to %d bytes",
           FSI_MAX_POST_BYTES);
}

static forum_status_t delete_file_posts(run_t *run, const char *rel);

/* Commits the open batch and opens the next one. */
static forum_status_t next_batch(run_t *run)
{
    fsi_xdb_t *x = run->x;
    forum_status_t status = fsi_xdb_end_batch(x, 1);
    run->in_batch = 0;
    if (status == FORUM_OK) {
        status = fsi_xdb_begin_batch(x);
        run->in_batch = status == FORUM_OK;
    }
    run->batch_start_posts = run->stats->posts;
    run->batch_start_bytes = run->stats->text_bytes;
    run->batch_files = 0;
    return status == FORUM_OK ? status : run_fail_shim(run, status);
}

/* Memory stays bounded by the posts of a batch, however large a file:
 * a file of more than FSI_BATCH_POSTS posts is committed in pieces of
 * whole threads (a killed run redoes the file: its stamp is written
 * after its last thread). */
static forum_status_t bound_batch(run_t *run)
{
    if (run->in_batch &&
        (run->stats->posts - run->batch_start_posts >= FSI_BATCH_POSTS ||
         run->stats->text_bytes - run->batch_start_bytes >=
             FSI_BATCH_TEXT_BYTES))
        return next_batch(run);
    return FORUM_OK;
}

static forum_status_t index_thread(run_t *run, fsi_thread_t *thread)
{
    forum_status_t status = FORUM_OK;
    if (!run->old_posts_deleted) {
        status = delete_file_posts(run, run->rel);
        run->old_posts_deleted = 1;
    }
    if (status == FORUM_OK)
        status = find_thread_floors(run, thread->id);
    for (size_t i = 0; status == FORUM_OK && i < thread->n_posts; i++) {
        bound_post(run, &thread->posts[i]);
        status = index_post(run, thread, &thread->posts[i]);
    }
    if (status == FORUM_OK)
        status = store_thread_record(run, thread);
    if (status == FORUM_OK)
        run->stats->threads++;
    return status;
}

/* The shard of a thread id, or of a JSON Lines file's name for owning
 * the file: FNV-1a 64 of the bytes, modulo the number of shards. */
static unsigned shard_of(const run_t *run, const char *key)
{
    return run->n_shards <= 1
               ? 0
               : (unsigned)(fsi_hash64(key, strlen(key)) % run->n_shards);
}

typedef struct jsonl_ctx {
    run_t *run;
    const char *board;
    forum_status_t status;
    /* Thread ids of this file so far, each followed by its line as
     * "id\0line": a repeated id replaces the earlier thread whole. */
    file_list_t seen;
} jsonl_ctx_t;

static size_t thread_line(const fsi_thread_t *thread)
{
    return thread->n_posts ? thread->posts[0].line : 0;
}

/* A repeated id in one file: the later thread wins, as it would if the
 * file were read by a person top to bottom; the earlier one's posts go
 * (replacing by post id alone would leave its extra floors behind). */
static forum_status_t forget_repeated_id(jsonl_ctx_t *ctx,
                                         const fsi_thread_t *thread)
{
    run_t *run = ctx->run;
    for (size_t i = 0; i < ctx->seen.n; i++) {
        if (strcmp(ctx->seen.rel[i], thread->id) != 0)
            continue;
        const char *earlier = ctx->seen.rel[i] + strlen(thread->id) + 1;
        report_thread(run, thread_line(thread), 0, "thread id \"%s\" repeats line "
               "%s; this later thread replaces it", thread->id, earlier);
        fsi_make_key(&run->scratch, FSI_PREFIX_THREAD, thread->id,
                     strlen(thread->id));
        if (run->scratch.failed)
            return FORUM_ENOMEM;
        /* The summary counts what the file holds, not what was written. */
        uint64_t replaced = 0;
        forum_status_t status = fsi_xdb_termfreq(
            run->x, run->scratch.data, run->scratch.len, &replaced);
        if (status == FORUM_OK)
            status = fsi_xdb_delete_by_term(run->x, run->scratch.data,
                                            run->scratch.len);
        if (status != FORUM_OK)
            return run_fail_shim(run, status);
        run->stats->threads--;
        run->stats->posts -= replaced < run->stats->posts ? replaced
                                                          : run->stats->posts;
        return FORUM_OK;
    }
    fsi_buf_t entry = FSI_BUF_INIT;
    fsi_buf_append_str(&entry, thread->id);
    fsi_buf_printf(&entry, "%c%zu", '\0', thread_line(thread));
    int failed = entry.failed || file_list_add_bytes(&ctx->seen, entry.data,
                                                     entry.len) != 0;
    fsi_buf_free(&entry);
    return failed ? FORUM_ENOMEM : FORUM_OK;
}

static int on_json_thread(void *payload, fsi_thread_t *thread)
{
    jsonl_ctx_t *ctx = payload;
    ctx->status = complete_thread(ctx->run, thread, "", ctx->board);
    ctx->run->file_threads++;
    if (ctx->status == FORUM_OK &&
        shard_of(ctx->run, thread->id) != ctx->run->shard)
        return 0; /* Another shard's thread. */
    if (ctx->status == FORUM_OK)
        ctx->status = forget_repeated_id(ctx, thread);
    if (ctx->status == FORUM_OK)
        ctx->status = index_thread(ctx->run, thread);
    if (ctx->status == FORUM_OK)
        ctx->status = bound_batch(ctx->run);
    /* A failure here is the database's, not the line's: stop. */
    return ctx->status != FORUM_OK;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Thread id and board from the root-relative path. */
static forum_status_t names_from_path(const char *rel, char **id,
                                      char **board)
{
    *id = strdup(rel);
    const char *slash = strchr(rel, '/');
    *board = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
    if (*id == NULL || *board == NULL) {
        free(*id);
        free(*board);
        return FORUM_ENOMEM;
    }
    char *dot = strrchr(*id, '.');
    char *last_slash = strrchr(*id, '/');
    if (dot && (last_slash == NULL || dot > last_slash) && dot != *id)
        *dot = '\0';
    return FORUM_OK;
}

/* Sets run->owns_file for `rel`; false when this shard has nothing to
 * do with it (a text file is its thread, which lives elsewhere). */
static int take_file(run_t *run, const char *rel)
{
    run->owns_file = 1;
    if (run->n_shards <= 1)
        return 1;
    if (has_suffix(rel, ".jsonl")) {
        run->owns_file = shard_of(run, rel) == run->shard;
        return 1;
    }
    char *id = NULL, *board = NULL;
    if (names_from_path(rel, &id, &board) != FORUM_OK)
        return 1; /* Let the file's own pass fail on memory. */
    int mine = shard_of(run, id) == run->shard;
    free(id);
    free(board);
    run->owns_file = mine;
    return mine;
}

static int collect_value(void *payload, uint32_t docid, const char *value,
                         size_t len)
{
    (void)docid;
    file_list_t *list = payload;
    char *copy = strndup(value, len);
    int failed = copy == NULL || file_list_add(list, copy) != 0;
    free(copy);
    return failed;
}

/* Deletes the posts indexed from file `rel`, and the records of the
 * threads that have no posts left (a clean index would have none). */
static forum_status_t delete_file_posts(run_t *run, const char *rel)
{
    fsi_xdb_t *x = run->x;
    file_list_t threads = {0};
    fsi_buf_t term = FSI_BUF_INIT;
    fsi_make_key(&term, FSI_PREFIX_FILE, rel, strlen(rel));
    forum_status_t status = term.failed ? FORUM_ENOMEM
        : fsi_xdb_term_values(x, term.data, term.len, FSI_SLOT_THREAD,
                              collect_value, &threads);
    if (status == FORUM_OK)
        status = fsi_xdb_delete_by_term(x, term.data, term.len);
    for (size_t i = 0; status == FORUM_OK && i < threads.n; i++) {
        const char *id = threads.rel[i];
        uint64_t left = 0;
        fsi_make_key(&term, FSI_PREFIX_THREAD, id, strlen(id));
        status = term.failed ? FORUM_ENOMEM
                 : fsi_xdb_termfreq(x, term.data, term.len, &left);
        if (status != FORUM_OK || left > 0)
            continue;
        fsi_make_key(&term, FSI_META_THREAD, id, strlen(id));
        status = term.failed ? FORUM_ENOMEM
                 : fsi_xdb_set_metadata(x, term.data, term.len, "", 0);
    }
    fsi_buf_free(&term);
    file_list_free(&threads);
    if (status != FORUM_OK && status != FORUM_ENOMEM)
        status = run_fail_shim(run, status);
    return status;
}

/* Indexes one file's bytes as root-relative `rel`. Deletes what the
 * file produced before. Returns a database failure only; problems of
 * the file itself are reported and counted. */
static forum_status_t index_bytes(run_t *run, const char *bytes, size_t len)
{
    char *text = NULL, *id = NULL, *board = NULL;
    size_t text_len = 0;
    fsi_thread_t thread;
    fsi_thread_init(&thread);
    uint64_t errors_before = run->stats->errors;

    forum_status_t status = names_from_path(run->rel, &id, &board);
    if (status != FORUM_OK)
        goto out;
    run->old_posts_deleted = 0;

    status = fsi_text_to_utf8(&text, &text_len, run->display, bytes, len,
                              diag_forward, run);
    if (status != FORUM_OK)
        goto out;
    run->file_posts = 0;
    run->file_threads = 0;
    int jsonl = has_suffix(run->rel, ".jsonl");
    if (jsonl) {
        jsonl_ctx_t ctx = {run, board, FORUM_OK, {0}};
        status = fsi_jsonl_parse(run->display, text, text_len,
                                 on_json_thread, &ctx, diag_forward, run);
        file_list_free(&ctx.seen);
        if (ctx.status != FORUM_OK)
            status = ctx.status;
        else if (status == FORUM_EPARSE)
            status = FORUM_OK;
    } else {
        status = fsi_thread_parse_text(&thread, run->display, text, text_len,
                                       diag_forward, run);
        if (status == FORUM_EPARSE) {
            status = FORUM_OK; /* Reported by the parser. */
        } else if (status == FORUM_OK) {
            status = complete_thread(run, &thread, id, board);
            if (status == FORUM_OK)
                status = index_thread(run, &thread);
        }
    }
    if (status == FORUM_OK && !run->old_posts_deleted && !run->keep_old_posts)
        status = delete_file_posts(run, run->rel);
    /* Other shards may hold the posts of a JSON Lines file. */
    int has_posts = run->file_posts > 0 ||
                    (jsonl && run->n_shards > 1 && run->file_threads > 0);
    if (status == FORUM_OK && run->owns_file) {
        if (!has_posts) {
            run->stats->files_skipped++;
            if (run->stats->errors == errors_before)
                report(run, 0, 1, "no posts found; file skipped");
        } else {
            run->stats->files_indexed++;
        }
    }
out:
    fsi_thread_free(&thread);
    free(text);
    free(id);
    free(board);
    return status;
}

/* ---- Directory walking and incremental bookkeeping ---------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_thread_file(const char *name)
{
    return has_suffix(name, ".txt") || has_suffix(name, ".jsonl");
}

/* Collects thread files below root/rel, sorted, skipping hidden names
 * and not following symbolic links to directories (no loops). */
static forum_status_t walk(run_t *run, const char *root, const char *rel,
                           int depth, file_list_t *out)
{
    fsi_buf_t path = FSI_BUF_INIT;
    fsi_buf_printf(&path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    if (path.failed)
        return FORUM_ENOMEM;
    DIR *dir = opendir(path.data);
    if (dir == NULL) {
        run->display = path.data;
        report(run, 0, 1, "cannot read directory: %s; the posts indexed "
               "from it before are kept", strerror(errno));
        forum_status_t status = file_list_add(&run->unreadable, rel) == 0
                                    ? FORUM_OK : FORUM_ENOMEM;
        run->display = NULL;
        fsi_buf_free(&path);
        return status;
    }
    file_list_t names = {0};
    forum_status_t status = FORUM_OK;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (file_list_add(&names, entry->d_name) != 0) {
            status = FORUM_ENOMEM;
            break;
        }
    }
    closedir(dir);
    if (names.n > 1) /* qsort's base may not be NULL, even for 0. */
        qsort(names.rel, names.n, sizeof *names.rel, compare_names);

    for (size_t i = 0; status == FORUM_OK && i < names.n; i++) {
        fsi_buf_t child = FSI_BUF_INIT, full = FSI_BUF_INIT;
        fsi_buf_printf(&child, "%s%s%s", rel, rel[0] ? "/" : "",
                       names.rel[i]);
        fsi_buf_printf(&full, "%s/%s", root, child.data ? child.data : "");
        struct stat st;
        if (child.failed || full.failed) {
            status = FORUM_ENOMEM;
        } else if (lstat(full.data, &st) != 0) {
            run->display = full.data;
            report(run, 0, 1, "cannot stat: %s; the posts indexed from it "
                   "before are kept", strerror(errno));
            if (file_list_add(&run->unreadable, child.data) != 0)
                status = FORUM_ENOMEM;
        } else if (S_ISDIR(st.st_mode)) {
            if (depth >= MAX_DEPTH) {
                run->display = full.data;
                report(run, 0, 1, "directories nested deeper than %d; "
                       "skipped", MAX_DEPTH);
            } else {
                status = walk(run, root, child.data, depth + 1, out);
            }
        } else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
                   is_thread_file(names.rel[i])) {
            if (file_list_add(out, child.data) != 0)
                status = FORUM_ENOMEM;
        }
        fsi_buf_free(&child);
        fsi_buf_free(&full);
    }
    run->display = NULL; /* It pointed into buffers freed here. */
    file_list_free(&names);
    fsi_buf_free(&path);
    return status;
}

static char *read_file(run_t *run, const char *path, size_t size,
                       size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        report(run, 0, 1, "cannot open: %s", strerror(errno));
        return NULL;
    }
    char *bytes = malloc(size + 1);
    size_t got = bytes ? fread(bytes, 1, size, f) : 0;
    int failed = bytes == NULL || ferror(f);
    fclose(f);
    if (failed) {
        report(run, 0, 1, "cannot read: %s",
               bytes ? strerror(errno) : "out of memory");
        free(bytes);
        return NULL;
    }
    /* The file may have shrunk since stat(); use what was read. */
    *len_out = got;
    return bytes;
}

/* The metadata of an indexed file: key F<root hash>:<file> (shortened
 * like any key), value "<mtime> <size>" NUL <file>, so the file's name
 * survives a shortened key. Keys of one root share the prefix. */
static void root_prefix(fsi_buf_t *out, const char *root_key)
{
    out->len = 0;
    fsi_buf_printf(out, "%s%016llx:", FSI_META_FILE,
                   (unsigned long long)fsi_hash64(root_key,
                                                  strlen(root_key)));
}

static void file_key(fsi_buf_t *key, const char *root_key, const char *rel)
{
    fsi_buf_t prefix = FSI_BUF_INIT;
    root_prefix(&prefix, root_key);
    if (prefix.failed)
        key->failed = 1;
    else
        fsi_make_key(key, prefix.data, rel, strlen(rel));
    fsi_buf_free(&prefix);
}

static forum_status_t index_file(run_t *run, const char *root,
                                 const char *root_key, const char *rel)
{
    fsi_buf_t full = FSI_BUF_INIT, key = FSI_BUF_INIT;
    char *stored = NULL, *bytes = NULL;
    forum_status_t status = FORUM_OK;

    fsi_buf_printf(&full, "%s/%s", root, rel);
    file_key(&key, root_key, rel);
    if (full.failed || key.failed) {
        status = FORUM_ENOMEM;
        goto out;
    }
    run->rel = rel;
    run->display = full.data;
    if (!take_file(run, rel))
        goto out;
    struct stat st;
    int stat_failed = stat(full.data, &st) != 0;
    if (stat_failed || !S_ISREG(st.st_mode)) {
        report(run, 0, 1, "cannot read: %s",
               stat_failed ? strerror(errno) : "not a regular file");
        run->stats->files_skipped += run->owns_file;
        goto out;
    }
    char stamp[64];
    snprintf(stamp, sizeof stamp, "%lld.%09ld %lld",
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
             (long long)st.st_size);
    size_t stored_len = 0;
    status = fsi_xdb_get_metadata(run->x, key.data, key.len, &stored,
                                  &stored_len);
    if (status != FORUM_OK) {
        status = run_fail_shim(run, status);
        goto out;
    }
    if (!run->opts->force && strcmp(stored, stamp) == 0) {
        run->stats->files_unchanged += run->owns_file;
        goto out;
    }
    if ((uint64_t)st.st_size > FSI_MAX_FILE_BYTES) {
        report(run, 0, 1, "file is larger than %d MiB; skipped",
               FSI_MAX_FILE_BYTES >> 20);
        run->stats->files_skipped += run->owns_file;
        goto out;
    }
    size_t len = 0;
    bytes = read_file(run, full.data, (size_t)st.st_size, &len);
    if (bytes == NULL) {
        run->stats->files_skipped += run->owns_file;
        goto out;
    }
    status = index_bytes(run, bytes, len);
    if (status == FORUM_OK) {
        fsi_buf_t value = FSI_BUF_INIT;
        fsi_buf_append(&value, stamp, strlen(stamp) + 1);
        fsi_buf_append_str(&value, rel);
        status = value.failed ? FORUM_ENOMEM
                 : fsi_xdb_set_metadata(run->x, key.data, key.len,
                                        value.data, value.len);
        fsi_buf_free(&value);
        if (status != FORUM_OK && status != FORUM_ENOMEM)
            status = run_fail_shim(run, status);
    }
out:
    run->display = NULL; /* It pointed into `full`. */
    free(bytes);
    free(stored);
    fsi_buf_free(&full);
    fsi_buf_free(&key);
    return status;
}

/* Whether a list sorted with compare_names holds rel. */
static int file_list_has(const file_list_t *sorted, const char *rel)
{
    return sorted->n > 0 && bsearch(&rel, sorted->rel, sorted->n, sizeof(char *),
                   compare_names) != NULL;
}

/* Whether rel is one of dirs, or lies below one of them ("" is the
 * root, above everything). */
static int under_any(const file_list_t *dirs, const char *rel)
{
    for (size_t i = 0; i < dirs->n; i++) {
        size_t n = strlen(dirs->rel[i]);
        if (n == 0 || (strncmp(rel, dirs->rel[i], n) == 0 &&
                       (rel[n] == '\0' || rel[n] == '/')))
            return 1;
    }
    return 0;
}

typedef struct removal {
    run_t *run;
    const file_list_t *present;   /* Sorted by compare_names. */
    forum_status_t status;
} removal_t;

/* Deletes the posts of a file that was indexed before and is gone. */
static int remove_if_gone(void *payload, const char *key, size_t key_len)
{
    removal_t *r = payload;
    char *value = NULL;
    size_t value_len = 0;
    r->status = fsi_xdb_get_metadata(r->run->x, key, key_len, &value,
                                     &value_len);
    if (r->status != FORUM_OK) {
        if (r->status != FORUM_ENOMEM)
            r->status = run_fail_shim(r->run, r->status);
        return 1;
    }
    size_t stamp_len = strnlen(value, value_len);
    char *name = stamp_len < value_len ? value + stamp_len + 1 : NULL;
    int present = name == NULL || file_list_has(r->present, name);
    /* Every shard keeps a stamp of a JSON Lines file; one counts it. */
    int counts = name == NULL || !has_suffix(name, ".jsonl") ||
                 shard_of(r->run, name) == r->run->shard;
    if (!present && under_any(r->run->kept, name)) {
        r->run->stats->files_kept += counts;
        present = 1;
    }
    if (!present) {
        r->status = delete_file_posts(r->run, name);
        if (r->status == FORUM_OK) {
            r->status = fsi_xdb_set_metadata(r->run->x, key, key_len,
                                             "", 0);
            if (r->status != FORUM_OK)
                r->status = run_fail_shim(r->run, r->status);
        }
        if (r->status == FORUM_OK)
            r->run->stats->files_removed += counts;
    }
    free(value);
    return r->status != FORUM_OK;
}

/* Starts a run; NULL options and stats mean the defaults and a scratch
 * record owned by the run. */
static forum_status_t prepare_run(run_t *run, forum_db_t *db,
                                  const forum_index_options_t *opts,
                                  forum_index_stats_t *stats)
{
    static const forum_index_options_t defaults = FORUM_INDEX_OPTIONS_INIT;
    memset(run, 0, sizeof *run);
    if (stats == NULL)
        stats = &run->scratch_stats;
    memset(stats, 0, sizeof *stats);
    run->db = db;
    run->opts = opts ? opts : &defaults;
    run->stats = stats;
    run->kept = &run->unreadable;
    run->n_shards = 1;
    forum_status_t usable = fsi_db_check(db);
    if (usable != FORUM_OK)
        return usable; /* FORUM_ECLOSED or FORUM_EIO, with a message. */
    if (run->opts->version != FORUM_INDEX_OPTIONS_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "index options version %u; "
                           "this library knows %u (use "
                           "forum_index_options_init)", run->opts->version,
                           FORUM_INDEX_OPTIONS_VERSION);
    if (!db->writable)
        return fsi_db_fail(db, FORUM_EINVAL, "database is open read-only");
    run->x = fsi_xdb_shard(db->x, 0);
    run->n_shards = fsi_xdb_shard_count(db->x);
    return fsi_db_tokenizer(db, &run->tok);
}

static void finish_run(run_t *run)
{
    file_list_free(&run->unreadable);
    fsi_xdoc_destroy(run->doc);
    fsi_buf_free(&run->scratch);
    fsi_buf_free(&run->data);
    free(run->floors);
    run->floors = NULL;
    run->n_floors = run->cap_floors = 0;
}

/* What every shard's pass of one forum_db_index_path() reads. */
typedef struct walk_result {
    const char *path;         /* As the caller named it. */
    const char *root, *root_key;
    const file_list_t *files; /* Sorted by compare_names. */
    int is_dir;
} walk_result_t;

/* Tells the caller one more file is done; nonzero means stop. */
static int file_done(run_t *run)
{
    if (!run->owns_file || run->opts->progress == NULL) {
        if (run->shared == NULL)
            return 0;
        lock_shared(run); /* Another shard may be setting it. */
        int stop = run->shared->cancelled;
        unlock_shared(run);
        return stop;
    }
    lock_shared(run);
    int stop;
    if (run->shared) {
        run->shared->files_done++;
        stop = run->shared->cancelled ||
               run->opts->progress(run->opts->progress_payload,
                                   run->shared->files_done,
                                   run->shared->files_total) != 0;
        run->shared->cancelled |= stop;
    } else {
            stop = run->opts->progress(run->opts->progress_payload,
                                   ++run->files_done,
                                   run->stats->files_seen) != 0;
    }
    unlock_shared(run);
    return stop;
}

/* One shard's pass over the files: its threads in batches, then the
 * files that are gone. Files are indexed in batches that become
 * visible whole: a killed run leaves the last batch, never part of a
 * thread, and part of a file only when the file alone holds more than a
 * batch (see bound_batch). A batch ends every commit_every_files files,
 * or sooner at FSI_BATCH_POSTS posts or FSI_BATCH_TEXT_BYTES of text. */
static forum_status_t index_shard(run_t *run, const walk_result_t *w)
{
    const forum_index_options_t *opts = run->opts;
    fsi_buf_t prefix = FSI_BUF_INIT;
    forum_status_t status = fsi_xdb_begin_batch(run->x);
    if (status != FORUM_OK)
        return run_fail_shim(run, status);
    run->in_batch = 1;
    int cancelled = 0;
    for (size_t i = 0; status == FORUM_OK && !cancelled && i < w->files->n;
         i++) {
        run->owns_file = 0;
        status = index_file(run, w->root, w->root_key, w->files->rel[i]);
        run->batch_files += run->owns_file;
        if (status == FORUM_OK && opts->commit_every_files &&
            run->batch_files >= opts->commit_every_files)
            status = next_batch(run);
        else if (status == FORUM_OK)
            status = bound_batch(run);
        if (status == FORUM_OK && file_done(run))
            cancelled = 1;
    }
    /* A cancelled run keeps the whole files it indexed, like a batch
     * boundary, and skips the removal pass (it saw only part of PATH). */
    if (status == FORUM_OK && cancelled) {
        status = fsi_xdb_end_batch(run->x, 1);
        run->in_batch = 0;
        return status == FORUM_OK ? FORUM_ECANCELLED
                                  : run_fail_shim(run, status);
    }
    /* Files indexed under this root before but gone now. */
    if (status == FORUM_OK && w->is_dir) {
        root_prefix(&prefix, w->root_key);
        removal_t r = {run, w->files, FORUM_OK};
        status = prefix.failed ? FORUM_ENOMEM
                 : fsi_xdb_metadata_keys(run->x, prefix.data, prefix.len,
                                         remove_if_gone, &r);
        if (status != FORUM_OK && status != FORUM_ENOMEM)
            status = run_fail_shim(run, status);
        else if (status == FORUM_OK)
            status = r.status;
    }
    fsi_buf_free(&prefix);
    if (status == FORUM_OK) {
        status = fsi_xdb_end_batch(run->x, 1);
        run->in_batch = 0;
        if (status != FORUM_OK)
            status = run_fail_shim(run, status);
    }
    /* A failed run leaves the shard as its last complete batch. */
    if (run->in_batch)
        fsi_xdb_end_batch(run->x, 0);
    run->in_batch = 0;
    return status;
}

typedef struct worker {
    run_t run;
    const walk_result_t *walk;
    forum_index_stats_t stats;
    forum_status_t status;
    pthread_t thread;
} worker_t;

static void *run_worker(void *payload)
{
    worker_t *w = payload;
    w->status = forum_tokenizer_create(&w->run.tok);
    if (w->status != FORUM_OK)
        snprintf(w->run.error, sizeof w->run.error,
                 "cannot create ICU word breaker");
    else
        w->status = index_shard(&w->run, w->walk);
    if (w->status == FORUM_ENOMEM && w->run.error[0] == '\0')
        snprintf(w->run.error, sizeof w->run.error, "out of memory");
    forum_tokenizer_destroy(w->run.tok);
    w->run.tok = NULL;
    return NULL;
}

static void add_stats(forum_index_stats_t *to, const forum_index_stats_t *s)
{
    to->files_indexed += s->files_indexed;
    to->files_unchanged += s->files_unchanged;
    to->files_skipped += s->files_skipped;
    to->files_removed += s->files_removed;
    to->threads += s->threads;
    to->posts += s->posts;
    to->text_bytes += s->text_bytes;
    to->warnings += s->warnings;
    to->errors += s->errors;
    to->files_kept += s->files_kept;
}

/* Every shard at once, one thread each: shards share nothing but the
 * file list and the caller's callbacks (called one at a time). */
static forum_status_t index_shards(run_t *run, const walk_result_t *w)
{
    unsigned n = run->n_shards;
    worker_t *workers = calloc(n, sizeof *workers);
    if (workers == NULL)
        return FORUM_ENOMEM;
    shared_t shared = {PTHREAD_MUTEX_INITIALIZER, 0, w->files->n, 0};
    forum_status_t status = FORUM_OK;
    unsigned started = 0;
    for (unsigned k = 0; k < n; k++) {
        worker_t *wk = &workers[k];
        wk->run.db = run->db;
        wk->run.opts = run->opts;
        wk->run.stats = &wk->stats;
        wk->run.kept = run->kept;
        wk->run.x = fsi_xdb_shard(run->db->x, k);
        wk->run.shard = k;
        wk->run.n_shards = n;
        wk->run.shared = &shared;
        wk->walk = w;
        if (pthread_create(&wk->thread, NULL, run_worker, wk) != 0) {
            status = fsi_db_fail(run->db, FORUM_EINTERNAL, "cannot start "
                                 "an indexing thread: %s", strerror(errno));
            break;
        }
        started++;
    }
    for (unsigned k = 0; k < started; k++)
        pthread_join(workers[k].thread, NULL);
    /* The first failure is the run's; cancelling is not a failure of
     * the others. */
    for (unsigned k = 0; k < started; k++) {
        worker_t *wk = &workers[k];
        add_stats(run->stats, &wk->stats);
        if (status == FORUM_OK && wk->status != FORUM_OK &&
            wk->status != FORUM_ECANCELLED)
            status = fsi_db_fail(run->db, wk->status, "%s", wk->run.error);
        finish_run(&wk->run);
    }
    for (unsigned k = 0; status == FORUM_OK && k < started; k++)
        if (workers[k].status == FORUM_ECANCELLED)
            status = FORUM_ECANCELLED;
    free(workers);
    pthread_mutex_destroy(&shared.lock);
    return status;
}

static forum_status_t index_path(forum_db_t *db, const char *path,
                                 const forum_index_options_t *opts,
                                 forum_index_stats_t *stats)
{
    run_t run;
    file_list_t files = {0};
    char *root = NULL, *root_key = NULL;

    if (db == NULL || path == NULL)
        return FORUM_EINVAL;
    forum_status_t status = prepare_run(&run, db, opts, stats);
    if (status != FORUM_OK)
        return status;
    stats = run.stats;

    struct stat st;
    if (stat(path, &st) != 0) {
        status = fsi_db_fail(db, errno == ENOENT ? FORUM_ENOTFOUND
                                                 : FORUM_EIO,
                             "%s: %s", path, strerror(errno));
        goto out;
    }
    /* A single file is indexed relative to its own directory. The walk
     * reports what it cannot read itself, as the owner of those paths. */
    run.owns_file = 1;
    if (S_ISDIR(st.st_mode)) {
        root = strdup(path);
        status = root ? walk(&run, root, "", 0, &files) : FORUM_ENOMEM;
    } else {
        const char *slash = strrchr(path, '/');
        root = slash ? strndup(path, (size_t)(slash - path) + (slash == path))
                     : strdup(".");
        status = root && file_list_add(&files, slash ? slash + 1 : path) == 0
                     ? FORUM_OK : FORUM_ENOMEM;
    }
    if (status != FORUM_OK)
        goto out;
    /* walk() orders each directory by name and recurses in place, which
     * is not byte order of whole paths ("a-b.txt" < "a/x.txt" < "a.txt"
     * by name, yet '-' and '.' sort before '/'): the removal pass
     * bsearches this list, so sort it as a whole. */
    if (files.n > 1)
        qsort(files.rel, files.n, sizeof *files.rel, compare_names);
    size_t root_len = strlen(root);
    while (root_len > 1 && root[root_len - 1] == '/')
        root[--root_len] = '\0';
    root_key = realpath(root, NULL);
    if (root_key == NULL) {
        status = fsi_db_fail(db, FORUM_EIO, "%s: %s", root, strerror(errno));
        goto out;
    }
    stats->files_seen = files.n;

    walk_result_t w = {path, root, root_key, &files, S_ISDIR(st.st_mode)};
    status = run.n_shards > 1 ? index_shards(&run, &w)
                              : index_shard(&run, &w);
    if (status == FORUM_ECANCELLED)
        status = fsi_db_fail(db, FORUM_ECANCELLED, "%s: cancelled after "
                             "%llu of %zu files; those are committed", path,
                             (unsigned long long)(stats->files_indexed +
                                                  stats->files_unchanged +
                                                  stats->files_skipped),
                             files.n);
out:
    if (status == FORUM_ENOMEM && db->error[0] == '\0')
        fsi_db_fail(db, status, "out of memory");
    finish_run(&run);
    file_list_free(&files);
    free(root);
    free(root_key);
    return status;
}

/* Why `name` cannot name a file under an indexed root, or NULL: it
 * must be relative and stay below the root. */
static const char *bad_name(const char *name)
{
    if (name[0] == '\0')
        return "is empty";
    if (name[0] == '/')
        return "is absolute; give a path relative to the indexed root";
    for (const char *part = name; *part; ) {
        size_t n = strcspn(part, "/");
        if (n == 0)
            return "has an empty path component";
        if ((n == 1 && part[0] == '.') ||
            (n == 2 && part[0] == '.' && part[1] == '.'))
            return "has a \".\" or \"..\" component; it must stay below "
                   "the indexed root";
        part += n;
        if (*part == '/' && *++part == '\0')
            return "ends with \"/\"";
    }
    return NULL;
}

static forum_status_t index_buffer(forum_db_t *db, const char *name,
                                   const char *bytes, size_t len,
                                   const forum_index_options_t *opts,
                                   forum_index_stats_t *stats)
{
    run_t run;
    if (db == NULL)
        return FORUM_EINVAL;
    forum_status_t status = prepare_run(&run, db, opts, stats);
    const char *why = NULL;
    if (status == FORUM_OK && name == NULL)
        status = fsi_db_fail(db, FORUM_EINVAL, "no file name given");
    else if (status == FORUM_OK && (why = bad_name(name)) != NULL)
        status = fsi_db_fail(db, FORUM_EINVAL, "file name \"%s\" %s", name,
                             why);
    else if (status == FORUM_OK && bytes == NULL && len > 0)
        status = fsi_db_fail(db, FORUM_EINVAL, "%s: no bytes given for a "
                             "length of %zu", name, len);
    if (status == FORUM_OK) {
        run.rel = name;
        run.display = name;
        run.keep_old_posts = 1;
        run.stats->files_seen = 1;
        /* One shard after another: a buffer is small. */
        for (unsigned k = 0; status == FORUM_OK && k < run.n_shards; k++) {
            run.shard = k;
            run.x = fsi_xdb_shard(db->x, k);
            if (take_file(&run, name))
                status = index_bytes(&run, bytes ? bytes : "", len);
        }
        if (status == FORUM_OK && run.stats->posts == 0)
            status = fsi_db_fail(db, FORUM_EPARSE, "%s: no posts found; "
                                 "the posts indexed under this name before "
                                 "are kept", name);
    }
    finish_run(&run);
    return status;
}

typedef struct stamp_removal {
    fsi_xdb_t *x;
    const char *rel;
    forum_status_t status;
} stamp_removal_t;

/* Forgets a file's size and mtime under every root, so that a later
 * forum_db_index_path() of a root that still holds it indexes it again. */
static int remove_stamp(void *payload, const char *key, size_t key_len)
{
    stamp_removal_t *r = payload;
    char *value = NULL;
    size_t value_len = 0;
    r->status = fsi_xdb_get_metadata(r->x, key, key_len, &value,
                                     &value_len);
    size_t stamp_len = r->status == FORUM_OK ? strnlen(value, value_len) : 0;
    if (r->status == FORUM_OK && stamp_len < value_len &&
        strcmp(value + stamp_len + 1, r->rel) == 0)
        r->status = fsi_xdb_set_metadata(r->x, key, key_len, "", 0);
    free(value);
    return r->status != FORUM_OK;
}

static forum_status_t remove_posts(forum_db_t *db, forum_remove_kind_t kind,
                                   const char *key, uint64_t *posts_removed)
{
    run_t run;
    if (posts_removed)
        *posts_removed = 0;
    if (db == NULL)
        return FORUM_EINVAL;
    forum_status_t status = prepare_run(&run, db, NULL, NULL);
    const char *why = NULL;
    if (status == FORUM_OK && key == NULL)
        status = fsi_db_fail(db, FORUM_EINVAL, "nothing named to remove");
    else if (status == FORUM_OK && kind == FORUM_REMOVE_FILE &&
             (why = bad_name(key)) != NULL)
        status = fsi_db_fail(db, FORUM_EINVAL, "file name \"%s\" %s", key,
                             why);
    else if (status == FORUM_OK && kind != FORUM_REMOVE_FILE &&
             kind != FORUM_REMOVE_THREAD)
        status = fsi_db_fail(db, FORUM_EINVAL, "unknown kind of removal %d",
                             (int)kind);
    fsi_buf_t term = FSI_BUF_INIT;
    uint64_t before = 0, after = 0;
    if (status == FORUM_OK)
        status = fsi_xdb_doccount(db->x, &before);
    for (unsigned k = 0; status == FORUM_OK && k < run.n_shards; k++) {
        run.shard = k;
        run.x = fsi_xdb_shard(db->x, k);
        if (kind == FORUM_REMOVE_FILE) {
            status = delete_file_posts(&run, key);
            stamp_removal_t r = {run.x, key, FORUM_OK};
            if (status == FORUM_OK)
                status = fsi_xdb_metadata_keys(run.x, FSI_META_FILE,
                                               strlen(FSI_META_FILE),
                                               remove_stamp, &r);
            if (status == FORUM_OK)
                status = r.status;
        } else {
            fsi_make_key(&term, FSI_PREFIX_THREAD, key, strlen(key));
            status = term.failed ? FORUM_ENOMEM
                     : fsi_xdb_delete_by_term(run.x, term.data, term.len);
            fsi_make_key(&term, FSI_META_THREAD, key, strlen(key));
            if (status == FORUM_OK)
                status = term.failed ? FORUM_ENOMEM
                         : fsi_xdb_set_metadata(run.x, term.data, term.len,
                                                "", 0);
        }
        if (status != FORUM_OK && status != FORUM_ENOMEM &&
            db->error[0] == '\0')
            run_fail_shim(&run, status);
    }
    if (status == FORUM_OK)
        status = fsi_xdb_doccount(db->x, &after);
    if (status == FORUM_OK && posts_removed)
        *posts_removed = before - after;
    if (status == FORUM_ENOMEM && db->error[0] == '\0')
        fsi_db_fail(db, status, "out of memory");
    else if (status != FORUM_OK && db->error[0] == '\0')
        fsi_db_fail_shim(db, status);
    fsi_buf_free(&term);
    finish_run(&run);
    return status;
}

/* ---- Public calls: each holds the handle's lock (db.h). Callbacks run
 * under it and must not call back into the same handle. ------------- */

forum_status_t forum_db_index_path(forum_db_t *db, const char *path,
                                   const forum_index_options_t *opts,
                                   forum_index_stats_t *stats)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, index_path(db, path, opts, stats));
}

forum_status_t forum_db_index_buffer(forum_db_t *db, const char *name,
                                     const char *bytes, size_t len,
                                     const forum_index_options_t *opts,
                                     forum_index_stats_t *stats)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, index_buffer(db, name, bytes, len, opts, stats));
}

forum_status_t forum_db_remove(forum_db_t *db, forum_remove_kind_t kind,
                               const char *key, uint64_t *posts_removed)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, remove_posts(db, kind, key, posts_removed));
}

forum_status_t forum_index_options_init(forum_index_options_t *opts,
                                        unsigned int version)
{
    if (opts == NULL || version != FORUM_INDEX_OPTIONS_VERSION)
        return FORUM_EINVAL;
    forum_index_options_t defaults = FORUM_INDEX_OPTIONS_INIT;
    *opts = defaults;
    return FORUM_OK;
}

/* ---- For index_thread.c (index_internal.h) ------------------------- */

const char *fsi_index_bad_name(const char *name)
{
    return bad_name(name);
}

forum_status_t fsi_index_thread_as(forum_db_t *db, fsi_thread_t *thread,
                                   const char *rel,
                                   const forum_index_options_t *opts,
                                   forum_index_stats_t *stats)
{
    run_t run;
    forum_status_t status = prepare_run(&run, db, opts, stats);
    if (status == FORUM_OK) {
        run.rel = rel;
        run.display = rel;
        run.owns_file = 1;
        run.shard = shard_of(&run, thread->id);
        run.x = fsi_xdb_shard(db->x, run.shard);
        /* The thread replaces its earlier posts, from whatever file. */
        fsi_make_key(&run.scratch, FSI_PREFIX_THREAD, thread->id,
                     strlen(thread->id));
        status = run.scratch.failed ? FORUM_ENOMEM
                 : fsi_xdb_delete_by_term(run.x, run.scratch.data,
                                          run.scratch.len);
        if (status != FORUM_OK && status != FORUM_ENOMEM)
            status = run_fail_shim(&run, status);
        if (status == FORUM_OK)
            status = index_thread(&run, thread);
    }
    if (status == FORUM_ENOMEM && db->error[0] == '\0')
        fsi_db_fail(db, status, "out of memory");
    finish_run(&run);
    return status;
}
