/* forumsearch — what a database holds (forum_db_stats).
 *
 * Counts come from the index itself: posts are documents, threads the
 * distinct values of the THREAD slot (a match-all search counting them),
 * boards and authors their boolean terms (B, A), the date range the
 * bounds of the DATE slot. Sizes and the last write come from the files
 * under the database directory; whether a writer holds the lock from
 * fcntl(F_GETLK) on each glass database's lock file, which asks without
 * taking the lock (a writer starting meanwhile is not disturbed).
 */
#define _GNU_SOURCE /* F_OFD_GETLK */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <unicode/uversion.h>

#include "buf.h"
#include "db.h"
#include "schema.h"
#include "utf8.h"

typedef struct board {
    char *name;
    uint64_t posts, threads;
} board_t;

typedef struct stats {
    uint64_t posts, threads, authors;
    board_t *boards;
    size_t n_boards;
    int have_dates;
    double first_date, last_date;
    char *analyzer, *icu;
    unsigned shards, generation;
    /* Files. */
    uint64_t size_bytes;
    uint64_t table_bytes[7];
    time_t last_write;
    int locked;
    int failed; /* Out of memory. */
} stats_t;

static const char *const tables[7] = {
    "postlist", "termlist", "docdata", "position", "spelling",
    "synonym", "other"};

/* ---- Files --------------------------------------------------------- */

/* nftw() has no payload: the walk in progress, under the handle's lock,
 * is one per process at a time (guarded). */
static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;
static stats_t *walking;

static void check_lock(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
#ifdef F_OFD_GETLK
    int rc = fcntl(fd, F_OFD_GETLK, &fl);
#else
    int rc = fcntl(fd, F_GETLK, &fl);
#endif
    if (rc == 0 && fl.l_type != F_UNLCK)
        walking->locked = 1;
    close(fd);
}

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *ftw)
{
    if (type != FTW_F)
        return 0;
    const char *name = path + ftw->base;
    walking->size_bytes += (uint64_t)st->st_size;
    if (st->st_mtime > walking->last_write)
        walking->last_write = st->st_mtime;
    if (strcmp(name, "flintlock") == 0) {
        check_lock(path);
        return 0;
    }
    size_t k = 6;
    for (size_t i = 0; i < 6; i++) {
        size_t n = strlen(tables[i]);
        if (strncmp(name, tables[i], n) == 0 &&
            strcmp(name + n, ".glass") == 0)
            k = i;
    }
    walking->table_bytes[k] += (uint64_t)st->st_size;
    return 0;
}

static void walk_files(stats_t *s, const char *dir)
{
    pthread_mutex_lock(&walk_lock);
    walking = s;
    nftw(dir, visit, 16, FTW_PHYS);
    walking = NULL;
    pthread_mutex_unlock(&walk_lock);
}

/* ---- The index ----------------------------------------------------- */

/* Posts and distinct threads matching q (taken). */
static forum_status_t count(forum_db_t *db, fsi_xquery_t *q, uint64_t *posts,
                            uint64_t *threads)
{
    if (q == NULL)
        return FORUM_ENOMEM;
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_ORDER);
    s.exact_counts = 1;
    s.count_slot = FSI_SLOT_THREAD;
    fsi_xresult_t x;
    forum_status_t status = fsi_xdb_search(db->x, q, &s, &x);
    fsi_xq_destroy(q);
    if (status != FORUM_OK)
        return fsi_db_fail_shim(db, status);
    *posts = x.counted ? x.counted_docs : x.uncollapsed;
    *threads = x.counted ? x.counted_values : 0;
    fsi_xresult_free(&x);
    return FORUM_OK;
}

static int add_board(void *payload, const char *term, size_t len,
                     uint64_t freq)
{
    (void)freq;
    stats_t *s = payload;
    board_t *grown = realloc(s->boards, (s->n_boards + 1) * sizeof *grown);
    char *name = strndup(term, len);
    if (grown == NULL || name == NULL) {
        free(name);
        if (grown)
            s->boards = grown;
        s->failed = 1;
        return 1;
    }
    s->boards = grown;
    s->boards[s->n_boards++] = (board_t){name, 0, 0};
    return 0;
}

static int count_author(void *payload, const char *term, size_t len,
                        uint64_t freq)
{
    (void)term, (void)len, (void)freq;
    ((stats_t *)payload)->authors++;
    return 0;
}

static char *metadata(forum_db_t *db, const char *key)
{
    char *value = NULL;
    size_t len;
    if (fsi_xdb_get_metadata(db->x, key, strlen(key), &value, &len) !=
        FORUM_OK)
        return NULL;
    return value;
}

static forum_status_t gather_locked(forum_db_t *db, stats_t *s)
{
    forum_status_t status = fsi_db_usable(db);
    if (status == FORUM_OK && !db->writable)
        status = fsi_xdb_reopen(db->x);
    if (status == FORUM_OK)
        status = count(db, fsi_xq_match_all(), &s->posts, &s->threads);
    if (status == FORUM_OK)
        status = fsi_xdb_prefix_terms(db->x, FSI_PREFIX_BOARD,
                                      strlen(FSI_PREFIX_BOARD), add_board, s);
    if (status == FORUM_OK)
        status = fsi_xdb_prefix_terms(db->x, FSI_PREFIX_AUTHOR,
                                      strlen(FSI_PREFIX_AUTHOR),
                                      count_author, s);
    /* A board whose name starts like the prefix of another field would
     * be miscounted: B is the only prefix starting with B. */
    for (size_t i = 0; status == FORUM_OK && i < s->n_boards; i++) {
        const char *term = s->boards[i].name;
        status = count(db, fsi_xq_term(term, strlen(term), 1),
                       &s->boards[i].posts, &s->boards[i].threads);
    }
    if (status == FORUM_OK)
        status = fsi_xdb_value_bounds(db->x, FSI_SLOT_DATE, &s->first_date,
                                      &s->last_date, &s->have_dates);
    if (status != FORUM_OK && status != FORUM_ECLOSED)
        status = fsi_db_fail_shim(db, status);
    if (status == FORUM_OK) {
        s->analyzer = metadata(db, FSI_META_ANALYZER);
        s->icu = metadata(db, FSI_META_ICU);
        s->shards = fsi_xdb_shard_count(db->x);
    }
    if (status == FORUM_OK && s->failed)
        status = FORUM_ENOMEM;
    return status;
}

/* ---- The report ---------------------------------------------------- */

static void iso_date(char out[32], double t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm))
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_string(fsi_buf_t *b, const char *s)
{
    size_t len = strlen(s);
    fsi_buf_append_char(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t n = fsi_utf8_decode(s + i, len - i, &cp);
        if (c == '"' || c == '\\')
            fsi_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7F)
            fsi_buf_printf(b, "\\u%04x", c);
        else if (cp == FSI_UTF8_INVALID)
            fsi_buf_append_str(b, "\\ufffd");
        else
            fsi_buf_append(b, s + i, n);
        i += n;
    }
    fsi_buf_append_char(b, '"');
}

/* The first and last post dates and the last write, ISO 8601; "" when
 * unknown. Each buffer holds 32 bytes. */
static void report_dates(const stats_t *s, char *first, char *last,
                         char *written)
{
    first[0] = last[0] = written[0] = '\0';
    if (s->have_dates) {
        iso_date(first, s->first_date);
        iso_date(last, s->last_date);
    }
    if (s->last_write)
        iso_date(written, (double)s->last_write);
}

static void report_json(fsi_buf_t *b, const forum_db_t *db, const stats_t *s)
{
    char first[32], last[32], written[32];
    report_dates(s, first, last, written);
    fsi_buf_append_str(b, "{\"path\":");
    json_string(b, db->path);
    fsi_buf_printf(b, ",\"posts\":%llu,\"threads\":%llu,\"authors\":%llu,"
                   "\"boards\":[", (unsigned long long)s->posts,
                   (unsigned long long)s->threads,
                   (unsigned long long)s->authors);
    for (size_t i = 0; i < s->n_boards; i++) {
        fsi_buf_append_str(b, i ? ",{\"board\":" : "{\"board\":");
        json_string(b, s->boards[i].name + strlen(FSI_PREFIX_BOARD));
        fsi_buf_printf(b, ",\"posts\":%llu,\"threads\":%llu}",
                       (unsigned long long)s->boards[i].posts,
                       (unsigned long long)s->boards[i].threads);
    }
    fsi_buf_append_str(b, "],\"first_date\":");
    if (first[0])
        json_string(b, first);
    else
        fsi_buf_append_str(b, "null");
    fsi_buf_append_str(b, ",\"last_date\":");
    if (last[0])
        json_string(b, last);
    else
        fsi_buf_append_str(b, "null");
    fsi_buf_printf(b, ",\"size_bytes\":%llu,\"tables\":{",
                   (unsigned long long)s->size_bytes);
    for (size_t i = 0; i < 7; i++)
        fsi_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", tables[i],
                       (unsigned long long)s->table_bytes[i]);
    fsi_buf_printf(b, "},\"shards\":%u,\"generation\":%u,\"analyzer\":",
                   s->shards, s->generation);
    json_string(b, s->analyzer ? s->analyzer : "");
    fsi_buf_append_str(b, ",\"analyzer_current\":");
    json_string(b, FSI_ANALYZER_VERSION);
    fsi_buf_append_str(b, ",\"icu\":");
    json_string(b, s->icu ? s->icu : "");
    fsi_buf_append_str(b, ",\"icu_current\":");
    json_string(b, U_ICU_VERSION);
    fsi_buf_append_str(b, ",\"last_written\":");
    if (written[0])
        json_string(b, written);
    else
        fsi_buf_append_str(b, "null");
    fsi_buf_printf(b, ",\"writer_lock\":%s}", s->locked ? "true" : "false");
}

static void size_text(fsi_buf_t *b, uint64_t bytes)
{
    if (bytes >= 1000000)
        fsi_buf_printf(b, "%.1f MB", (double)bytes / 1e6);
    else
        fsi_buf_printf(b, "%.1f kB", (double)bytes / 1e3);
}

/* Columns a name takes in a terminal: wide (CJK) characters two. */
static size_t display_width(const char *s)
{
    size_t width = 0, len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += fsi_utf8_decode(s + i, len - i, &cp);
        width += cp >= 0x1100 && cp != FSI_UTF8_INVALID ? 2 : 1;
    }
    return width;
}

static void report_text(fsi_buf_t *b, const forum_db_t *db, const stats_t *s)
{
    char first[32], last[32], written[32];
    report_dates(s, first, last, written);
    fsi_buf_printf(b, "database     %s\n", db->path);
    fsi_buf_printf(b, "threads      %llu\nposts        %llu\n"
                   "authors      %llu\nboards       %zu\n",
                   (unsigned long long)s->threads,
                   (unsigned long long)s->posts,
                   (unsigned long long)s->authors, s->n_boards);
    for (size_t i = 0; i < s->n_boards; i++) {
        const char *name = s->boards[i].name + strlen(FSI_PREFIX_BOARD);
        size_t width = display_width(name);
        fsi_buf_printf(b, "  %s%*s %llu threads, %llu posts\n", name,
                       width < 10 ? (int)(10 - width) : 0, "",
                       (unsigned long long)s->boards[i].threads,
                       (unsigned long long)s->boards[i].posts);
    }
    if (s->have_dates)
        fsi_buf_printf(b, "dates        %.10s to %.10s\n", first, last);
    else
        fsi_buf_append_str(b, "dates        none\n");
    fsi_buf_append_str(b, "size         ");
    size_text(b, s->size_bytes);
    fsi_buf_append_str(b, " on disk\n");
    for (size_t i = 0; i < 7; i++) {
        if (s->table_bytes[i] == 0)
            continue;
        fsi_buf_printf(b, "  %-10s ", tables[i]);
        size_text(b, s->table_bytes[i]);
        fsi_buf_append_char(b, '\n');
    }
    fsi_buf_printf(b, "shards       %u\ngeneration   %u\n", s->shards,
                   s->generation);
    fsi_buf_printf(b, "analyzer     %s (this build: %s)\n",
                   s->analyzer && s->analyzer[0] ? s->analyzer : "?",
                   FSI_ANALYZER_VERSION);
    fsi_buf_printf(b, "ICU          %s (this build: %s)\n",
                   s->icu && s->icu[0] ? s->icu : "?", U_ICU_VERSION);
    fsi_buf_printf(b, "last written %s\n", written[0] ? written : "?");
    fsi_buf_printf(b, "writer lock  %s\n",
                   s->locked ? "held (an indexer is running)" : "free");
}

forum_status_t forum_db_stats(char **out, forum_db_t *db,
                              forum_report_format_t format)
{
    if (out)
        *out = NULL;
    if (out == NULL || db == NULL ||
        (format != FORUM_REPORT_TEXT && format != FORUM_REPORT_JSON))
        return FORUM_EINVAL;
    stats_t s;
    memset(&s, 0, sizeof s);
    fsi_db_enter(db);
    forum_status_t status = gather_locked(db, &s);
    if (status == FORUM_OK) {
        s.generation = fsi_db_stub_generation(db->path);
        walk_files(&s, db->path);
        fsi_buf_t b = FSI_BUF_INIT;
        if (format == FORUM_REPORT_JSON)
            report_json(&b, db, &s);
        else
            report_text(&b, db, &s);
        *out = fsi_buf_steal(&b, NULL);
        if (*out == NULL)
            status = FORUM_ENOMEM;
    }
    for (size_t i = 0; i < s.n_boards; i++)
        free(s.boards[i].name);
    free(s.boards);
    free(s.analyzer);
    free(s.icu);
    return fsi_db_leave(db, status);
}

/* ---- Values of a field --------------------------------------------- */

typedef struct values {
    size_t skip;        /* The term prefix. */
    forum_value_fn cb;
    void *payload;
    int stopped;
} values_t;

static int give_value(void *payload, const char *term, size_t len,
                      uint64_t freq)
{
    values_t *v = payload;
    if (v->cb(v->payload, term + v->skip, len - v->skip, freq) != 0) {
        v->stopped = 1;
        return 1;
    }
    return 0;
}

static forum_status_t values_locked(forum_db_t *db, const char *prefix,
                                    const char *start, values_t *v)
{
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    if (!db->writable) {
        status = fsi_xdb_reopen(db->x);
        if (status != FORUM_OK)
            return fsi_db_fail_shim(db, status);
    }
    char *norm = NULL;
    size_t norm_len = 0;
    status = forum_normalize(&norm, &norm_len, start, strlen(start));
    if (status != FORUM_OK)
        return status;
    fsi_buf_t key = FSI_BUF_INIT;
    fsi_buf_append_str(&key, prefix);
    fsi_buf_append(&key, norm, norm_len);
    free(norm);
    if (key.failed)
        return FORUM_ENOMEM;
    v->skip = strlen(prefix);
    status = fsi_xdb_prefix_terms(db->x, key.data, key.len, give_value, v);
    fsi_buf_free(&key);
    if (status != FORUM_OK)
        return fsi_db_fail_shim(db, status);
    return v->stopped ? FORUM_ECANCELLED : FORUM_OK;
}

forum_status_t forum_db_field_values(forum_db_t *db, const char *field,
                                     const char *starting_with,
                                     forum_value_fn cb, void *payload)
{
    if (db == NULL || field == NULL || cb == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    forum_status_t status;
    values_t v = {0, cb, payload, 0};
    if (strcmp(field, "author") == 0)
        status = values_locked(db, FSI_PREFIX_AUTHOR,
                               starting_with ? starting_with : "", &v);
    else if (strcmp(field, "board") == 0)
        status = values_locked(db, FSI_PREFIX_BOARD,
                               starting_with ? starting_with : "", &v);
    else
        status = fsi_db_fail(db, FORUM_EINVAL, "no values to list for "
                             "field \"%s\" (author or board)", field);
    return fsi_db_leave(db, status);
}
