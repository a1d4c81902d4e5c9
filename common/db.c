/* forumsearch — the database handle: open, commit, close, compact,
 * errors.
 *
 * On-disk layout: the database directory holds a Xapian stub file,
 * XAPIANDB, naming the current generation ("auto g1"), and that
 * generation's glass database in g1/. Compaction writes g2/ and swaps the
 * stub with rename(), so readers always see a complete database.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uversion.h>

#include "schema.h"

static char empty_message[] = "";
static char out_of_memory[] = "out of memory";

/* ---- The calling thread's last error -------------------------------- */

/* A number per thread, never reused (pthread_t values are). */
static atomic_uint_fast64_t serials_given;
static _Thread_local uint64_t this_thread_serial;

static uint64_t thread_serial(void)
{
    if (this_thread_serial == 0)
        this_thread_serial = atomic_fetch_add(&serials_given, 1) + 1;
    return this_thread_serial;
}

/* The calling thread's slot, or NULL. Call with slots_lock held. */
static fsi_error_slot_t *find_slot(forum_db_t *db)
{
    uint64_t serial = thread_serial();
    for (size_t i = 0; i < db->n_slots; i++)
        if (db->slots[i].thread_serial == serial)
            return &db->slots[i];
    return NULL;
}

static void drop_slot(forum_db_t *db, fsi_error_slot_t *slot)
{
    if (slot->message != out_of_memory)
        free(slot->message);
    *slot = db->slots[--db->n_slots];
}

/* A slot for the calling thread, reusing the one a dead thread with the
 * same pthread_t left behind, so slots stay as few as live threads. */
static fsi_error_slot_t *claim_slot(forum_db_t *db)
{
    fsi_error_slot_t *slot = find_slot(db);
    if (slot)
        return slot;
    for (size_t i = 0; i < db->n_slots; i++)
        if (pthread_equal(db->slots[i].thread, pthread_self())) {
            drop_slot(db, &db->slots[i]);
            break;
        }
    if (db->n_slots == db->cap_slots) {
        size_t cap = db->cap_slots ? 2 * db->cap_slots : 4;
        fsi_error_slot_t *grown = realloc(db->slots, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        db->slots = grown;
        db->cap_slots = cap;
    }
    slot = &db->slots[db->n_slots++];
    slot->thread = pthread_self();
    slot->thread_serial = thread_serial();
    slot->message = NULL;
    slot->column = 0;
    return slot;
}

/* The calling thread's last call failed with message (borrowed). */
static void set_thread_error(forum_db_t *db, const char *message,
                             size_t column)
{
    pthread_mutex_lock(&db->slots_lock);
    fsi_error_slot_t *slot = claim_slot(db);
    if (slot) {
        if (slot->message != out_of_memory)
            free(slot->message);
        slot->message = strdup(message);
        if (slot->message == NULL)
            slot->message = out_of_memory;
        slot->column = column;
    }
    pthread_mutex_unlock(&db->slots_lock);
}

static void clear_thread_error(forum_db_t *db)
{
    pthread_mutex_lock(&db->slots_lock);
    fsi_error_slot_t *slot = find_slot(db);
    if (slot)
        drop_slot(db, slot);
    pthread_mutex_unlock(&db->slots_lock);
}

/* ---- Messages ------------------------------------------------------- */

static forum_status_t record_failure(forum_db_t *db, forum_status_t status,
                                     size_t column, const char *fmt,
                                     va_list ap)
{
    char message[1024];
    vsnprintf(message, sizeof message, fmt, ap);
    char *copy = strdup(message);
    if (db->error != empty_message && db->error != out_of_memory)
        free(db->error);
    db->error = copy ? copy : out_of_memory;
    set_thread_error(db, message, column);
    return status;
}

forum_status_t fsi_db_fail(forum_db_t *db, forum_status_t status,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record_failure(db, status, 0, fmt, ap);
    va_end(ap);
    return status;
}

forum_status_t fsi_db_fail_at(forum_db_t *db, forum_status_t status,
                              size_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record_failure(db, status, column, fmt, ap);
    va_end(ap);
    return status;
}

forum_status_t fsi_db_fail_shim(forum_db_t *db, forum_status_t status)
{
    return fsi_db_fail(db, status, "%s", fsi_xdb_error(db->x));
}

void fsi_db_clear_error(forum_db_t *db)
{
    if (db->error != empty_message && db->error != out_of_memory)
        free(db->error);
    db->error = empty_message;
    clear_thread_error(db);
}

/* ---- Calls ---------------------------------------------------------- */

void fsi_db_lock(forum_db_t *db)
{
    pthread_mutex_lock(&db->lock);
}

void fsi_db_unlock(forum_db_t *db)
{
    pthread_mutex_unlock(&db->lock);
}

void fsi_db_enter(forum_db_t *db)
{
    fsi_db_lock(db);
    fsi_db_clear_error(db);
}

forum_status_t fsi_db_leave(forum_db_t *db, forum_status_t status)
{
    if (status != FORUM_OK && status != FORUM_ITER_DONE &&
        db->error[0] == '\0')
        fsi_db_fail(db, status, "%s", forum_status_to_string(status));
    fsi_db_unlock(db);
    return status;
}

forum_status_t fsi_db_usable(forum_db_t *db)
{
    if (db->closed)
        return fsi_db_fail(db, FORUM_ECLOSED, "%s: the database handle is "
                           "closed", db->path);
    if (db->x == NULL)
        return fsi_db_fail(db, FORUM_EIO, "%s: the database could not be "
                           "reopened after compaction", db->path);
    return FORUM_OK;
}

forum_status_t fsi_db_check(forum_db_t *db)
{
    fsi_db_clear_error(db);
    return fsi_db_usable(db);
}

forum_status_t fsi_db_tokenizer(forum_db_t *db, forum_tokenizer_t **out)
{
    if (db->tok == NULL) {
        forum_status_t status = forum_tokenizer_create(&db->tok);
        if (status != FORUM_OK)
            return fsi_db_fail(db, status, "cannot create ICU word breaker");
    }
    *out = db->tok;
    return FORUM_OK;
}

/* Frees everything; the Xapian database is gone already or discarded. */
static void db_free(forum_db_t *db)
{
    fsi_xdb_destroy(db->x);
    free(db->path);
    free(db->warning);
    forum_tokenizer_destroy(db->tok);
    if (db->error != empty_message && db->error != out_of_memory)
        free(db->error);
    for (size_t i = 0; i < db->n_slots; i++)
        if (db->slots[i].message != out_of_memory)
            free(db->slots[i].message);
    free(db->slots);
    pthread_mutex_destroy(&db->slots_lock);
    pthread_mutex_destroy(&db->lock);
    free(db);
}

void fsi_db_query_born(forum_db_t *db)
{
    db->live_queries++;
}

void fsi_db_query_gone(forum_db_t *db)
{
    db->live_queries--;
    int last = db->destroyed && db->live_queries == 0;
    fsi_db_unlock(db);
    /* Nobody else holds db now: its owner destroyed it, and this was
     * the last query made from it. */
    if (last)
        db_free(db);
}

static char *dup_message(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, a, b);
    return s;
}

/* Compares the analyzer the database was built with to ours: a
 * mismatch means queries and index may produce different terms. */
/* ICU's dictionaries change between versions, and with them the word
 * boundaries behind the aligned terms: ranking may differ a little, the
 * set of results does not (n-grams do not depend on ICU's words). */
static forum_status_t check_icu(forum_db_t *db)
{
    char *icu = NULL;
    size_t len = 0;
    forum_status_t status = fsi_xdb_get_metadata(
        db->x, FSI_META_ICU, strlen(FSI_META_ICU), &icu, &len);
    if (status == FORUM_OK && len && strcmp(icu, U_ICU_VERSION) != 0) {
        db->warning = dup_message("database was indexed with ICU %s and "
                                  "this is ICU %s: ranking may differ "
                                  "slightly until it is re-indexed",
                                  icu, U_ICU_VERSION);
        if (db->warning == NULL)
            status = FORUM_ENOMEM;
    }
    free(icu);
    return status;
}

/* Hands the caller of forum_db_open() a message (malloc'd) when it asked
 * for one; returns status. */
static forum_status_t open_failed(char **errmsg, forum_status_t status,
                                  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static forum_status_t open_failed(char **errmsg, forum_status_t status,
                                  const char *fmt, ...)
{
    if (errmsg == NULL)
        return status;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    free(*errmsg);
    *errmsg = strdup(message);
    return status;
}

/* Stamps a new database with the analyzer and ICU versions, committed at
 * once: a run killed before its first commit must still leave a
 * database that says what it is. A Xapian database that holds
 * documents but no stamp was not made by us: it is left alone. */
static forum_status_t stamp_new(forum_db_t *db, char **errmsg)
{
    uint64_t docs = 0;
    forum_status_t status = fsi_xdb_doccount(db->x, &docs);
    if (status == FORUM_OK && docs > 0)
        return open_failed(errmsg, FORUM_ENOTFOUND, "%s: not a forumsearch "
                           "database (a Xapian database without our "
                           "analyzer version)", db->path);
    if (status == FORUM_OK)
        status = fsi_xdb_set_metadata(db->x, FSI_META_ANALYZER,
                                      strlen(FSI_META_ANALYZER),
                                      FSI_ANALYZER_VERSION,
                                      strlen(FSI_ANALYZER_VERSION));
    if (status == FORUM_OK)
        status = fsi_xdb_set_metadata(db->x, FSI_META_ICU,
                                      strlen(FSI_META_ICU), U_ICU_VERSION,
                                      strlen(U_ICU_VERSION));
    if (status == FORUM_OK)
        status = fsi_xdb_commit(db->x);
    if (status != FORUM_OK)
        open_failed(errmsg, status, "%s: %s", db->path,
                    fsi_xdb_error(db->x));
    return status;
}

static forum_status_t check_schema(forum_db_t *db, char **errmsg)
{
    char *version = NULL;
    size_t len = 0;
    forum_status_t status = fsi_xdb_get_metadata(
        db->x, FSI_META_ANALYZER, strlen(FSI_META_ANALYZER), &version, &len);
    if (status != FORUM_OK)
        open_failed(errmsg, status, "%s: %s", db->path, fsi_xdb_error(db->x));
    else if (len == 0 && db->writable)
        status = stamp_new(db, errmsg);
    else if (len == 0)
        status = open_failed(errmsg, FORUM_ENOTFOUND, "%s: not a forumsearch "
                             "database (no analyzer version recorded)",
                             db->path);
    else if (strcmp(version, FSI_ANALYZER_VERSION) != 0)
        status = open_failed(errmsg, FORUM_EIO, "%s: database was built by "
                             "analyzer version %s; this is version %s: "
                             "delete it and index the threads again",
                             db->path, version, FSI_ANALYZER_VERSION);
    else
        status = check_icu(db);
    free(version);
    return status;
}

#define STUB_NAME "XAPIANDB"

/* Writes dir/XAPIANDB naming generation `gen`, atomically: "auto gN"
 * for one shard, else one line "auto gN/sK" per shard. */
static int write_stub(const char *dir, unsigned gen, unsigned shards)
{
    char tmp[4096], final[4096];
    if (snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, STUB_NAME) >=
            (int)sizeof tmp ||
        snprintf(final, sizeof final, "%s/%s", dir, STUB_NAME) >=
            (int)sizeof final)
        return -1;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    int bad = 0;
    if (shards <= 1)
        bad = fprintf(f, "auto g%u\n", gen) < 0;
    for (unsigned k = 0; shards > 1 && k < shards; k++)
        bad |= fprintf(f, "auto g%u/s%u\n", gen, k) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, final) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The generation the stub names, 0 when there is no stub (a database
 * made before compaction existed, or not ours). */
unsigned fsi_db_stub_generation(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, STUB_NAME) >=
        (int)sizeof path)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    unsigned gen = 0;
    if (fscanf(f, "auto g%u", &gen) != 1)
        gen = 0;
    fclose(f);
    return gen;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* nftw() has no payload: the sum of one tree_bytes() call (under the
 * handle's lock, and the library never runs two walks at once). */
static _Thread_local uint64_t walked_bytes;

static int add_entry_bytes(const char *path, const struct stat *st,
                           int type, struct FTW *ftw)
{
    (void)path, (void)ftw;
    if (type == FTW_F)
        walked_bytes += (uint64_t)st->st_size;
    return 0;
}

/* Bytes on disk in the files under path, or -1 if it cannot be walked. */
static int tree_bytes(const char *path, uint64_t *out)
{
    walked_bytes = 0;
    int rc = nftw(path, add_entry_bytes, 16, FTW_PHYS);
    *out = walked_bytes;
    return rc;
}

/* Generation 1 of a new database in dir: one glass database, or one
 * per shard in g1/s0, g1/s1, …, and the stub that lists them. */
static forum_status_t make_first_generation(const char *dir, unsigned shards,
                                            char **shim_message)
{
    char gen[4200];
    snprintf(gen, sizeof gen, "%s/g1", dir);
    forum_status_t status = FORUM_OK;
    if (shards <= 1) {
        status = fsi_xdb_create_empty(gen, shim_message);
    } else if (mkdir(gen, 0777) != 0) {
        status = FORUM_EIO;
    }
    for (unsigned k = 0; status == FORUM_OK && shards > 1 && k < shards;
         k++) {
        char shard[4300];
        snprintf(shard, sizeof shard, "%s/s%u", gen, k);
        status = fsi_xdb_create_empty(shard, shim_message);
    }
    if (status == FORUM_OK && write_stub(dir, 1, shards) != 0)
        status = FORUM_EIO;
    return status;
}

/* Creates a new database directory: built under a temporary name and
 * renamed into place, so a racing indexer sees all of it or nothing. */
static forum_status_t create_layout(const char *path, unsigned shards,
                                    char **errmsg)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", path) >= (int)sizeof tmp)
        return FORUM_EINVAL;
    if (mkdtemp(tmp) == NULL) {
        if (errmsg)
            *errmsg = dup_message("%s: %s", path, strerror(errno));
        return FORUM_EIO;
    }
    char *shim_message = NULL;
    forum_status_t status = make_first_generation(tmp, shards,
                                                  &shim_message);
    if (status == FORUM_OK && rename(tmp, path) != 0 && errno != EEXIST &&
        errno != ENOTEMPTY)
        status = FORUM_EIO;
    if (status != FORUM_OK && errmsg)
        *errmsg = dup_message("%s: %s", path, shim_message ? shim_message
                                                           : strerror(errno));
    free(shim_message);
    remove_tree(tmp); /* Gone already unless another indexer won. */
    return status;
}

static int is_empty_dir(const char *path, const struct stat *st)
{
    if (!S_ISDIR(st->st_mode))
        return 0;
    DIR *dir = opendir(path);
    if (dir == NULL)
        return 0;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(dir)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(dir);
    return empty;
}

/* The layout inside an empty directory the user made for it. */
static forum_status_t create_layout_in(const char *path, unsigned shards,
                                       char **errmsg)
{
    char *shim_message = NULL;
    forum_status_t status = make_first_generation(path, shards,
                                                  &shim_message);
    if (status != FORUM_OK && errmsg)
        *errmsg = dup_message("%s: %s", path, shim_message ? shim_message
                                                           : strerror(errno));
    free(shim_message);
    return status;
}

/* Whether dir holds a database: our stub, or a Xapian database laid out
 * before the stub existed. */
static int holds_database(const char *dir)
{
    static const char *const markers[] = {STUB_NAME, "iamglass", "iamchert",
                                          "iamhoney"};
    char path[4200];
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, markers[i]);
        if (access(path, F_OK) == 0)
            return 1;
    }
    return 0;
}

/* Looks at path before Xapian does, so that a wrong path is refused in
 * our words, naming it: nothing there (read mode), a file, a directory
 * of other things. Creates the layout where a write mode may. */
static forum_status_t prepare_path(const char *path, int writable,
                                   unsigned shards, char **errmsg)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return open_failed(errmsg, FORUM_EIO, "%s: %s", path,
                               strerror(errno));
        if (!writable)
            return open_failed(errmsg, FORUM_ENOTFOUND,
                               "%s: no database here", path);
        return create_layout(path, shards, errmsg);
    }
    if (!S_ISDIR(st.st_mode))
        return open_failed(errmsg, FORUM_ENOTFOUND, "%s: not a forumsearch "
                           "database: a database is a directory, and this "
                           "is a file", path);
    if (is_empty_dir(path, &st)) {
        if (!writable)
            return open_failed(errmsg, FORUM_ENOTFOUND, "%s: no database "
                               "here (an empty directory)", path);
        return create_layout_in(path, shards, errmsg);
    }
    if (!holds_database(path))
        return open_failed(errmsg, FORUM_ENOTFOUND, "%s: not a forumsearch "
                           "database: the directory holds other files and "
                           "no %s", path, STUB_NAME);
    return FORUM_OK;
}

/* Opens db->path; a writer makes sure it holds the lock on the generation
 * the stub names. A writer that waited for the lock (FORUM_DB_WRITE_WAIT)
 * may get it on a generation that a compaction replaced meanwhile: the
 * compacting writer switches the stub while it holds the lock, then
 * removes the old files, and whatever was written there would be lost. So
 * with the lock held the stub is read again, and a generation that is no
 * longer current is opened anew (so is one removed before it could be
 * opened). Readers follow the stub on their own (fsi_xdb_reopen). */
static forum_status_t open_current(forum_db_t *db, char **shim_message)
{
    forum_status_t status = FORUM_EIO;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned gen = fsi_db_stub_generation(db->path);
        free(*shim_message);
        *shim_message = NULL;
        status = fsi_xdb_open_with(&db->x, db->path, db->mode,
                                   &db->open_opts, shim_message);
        if (db->mode == FORUM_DB_READ || gen == 0 ||
            fsi_db_stub_generation(db->path) == gen)
            return status;
        if (status == FORUM_OK) {
            fsi_xdb_destroy(db->x);
            db->x = NULL;
        }
    }
    return status;
}

static forum_status_t open_xapian(forum_db_t *db, char **errmsg)
{
    char *shim_message = NULL;
    forum_status_t status = open_current(db, &shim_message);
    if (status == FORUM_ELOCKED)
        open_failed(errmsg, status, "%s: database is locked by another "
                    "writer", db->path);
    else if (status == FORUM_ENOTFOUND)
        open_failed(errmsg, status, "%s: no database here", db->path);
    else if (status != FORUM_OK)
        open_failed(errmsg, status, "%s: %s", db->path,
                    shim_message ? shim_message : "cannot open");
    free(shim_message);
    return status;
}

static forum_db_t *db_new(const char *path, forum_db_mode_t mode)
{
    forum_db_t *db = calloc(1, sizeof *db);
    if (db == NULL)
        return NULL;
    db->error = empty_message;
    db->writable = mode != FORUM_DB_READ;
    db->mode = (int)mode;
    db->path = strdup(path);
    if (db->path == NULL || pthread_mutex_init(&db->lock, NULL) != 0) {
        free(db->path);
        free(db);
        return NULL;
    }
    if (pthread_mutex_init(&db->slots_lock, NULL) != 0) {
        pthread_mutex_destroy(&db->lock);
        free(db->path);
        free(db);
        return NULL;
    }
    return db;
}

forum_status_t forum_db_open(forum_db_t **out, const char *path,
                             forum_db_mode_t mode, char **errmsg)
{
    return forum_db_open_with(out, path, mode, NULL, errmsg);
}

forum_status_t forum_db_open_with(forum_db_t **out, const char *path,
                                  forum_db_mode_t mode,
                                  const forum_open_options_t *opts,
                                  char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (opts && opts->version != FORUM_OPEN_OPTIONS_VERSION)
        return open_failed(errmsg, FORUM_EINVAL, "open options: unknown "
                           "version %u (this library knows %u)",
                           opts->version, FORUM_OPEN_OPTIONS_VERSION);
    if (out == NULL || path == NULL ||
        (mode != FORUM_DB_READ && mode != FORUM_DB_WRITE &&
         mode != FORUM_DB_WRITE_WAIT))
        return open_failed(errmsg, FORUM_EINVAL, "forum_db_open: %s",
                           out == NULL ? "no place for the handle"
                           : path == NULL ? "no path"
                                          : "unknown mode");
    *out = NULL;
    forum_status_t status = prepare_path(path, mode != FORUM_DB_READ, 1,
                                         errmsg);
    if (status != FORUM_OK)
        return status;
    forum_db_t *db = db_new(path, mode);
    if (db == NULL)
        return open_failed(errmsg, FORUM_ENOMEM, "out of memory");
    db->open_opts.remote_timeout_ms = opts && opts->remote_timeout_ms
                                          ? opts->remote_timeout_ms
                                          : FSI_REMOTE_TIMEOUT_MS;
    db->open_opts.partial = opts && opts->partial;
    status = open_xapian(db, errmsg);
    if (status == FORUM_OK)
        status = check_schema(db, errmsg);
    if (status != FORUM_OK) {
        db_free(db);
        return status;
    }
    *out = db;
    return FORUM_OK;
}

forum_status_t forum_db_create(const char *path, unsigned shards,
                               char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (path == NULL)
        return open_failed(errmsg, FORUM_EINVAL, "forum_db_create: no path");
    if (shards == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        shards = cores > 0 ? (unsigned)cores : 1;
    }
    if (shards > FORUM_MAX_SHARDS)
        return open_failed(errmsg, FORUM_EINVAL, "%s: %u shards; at most %d",
                           path, shards, FORUM_MAX_SHARDS);
    struct stat st;
    if (stat(path, &st) == 0 &&
        !(S_ISDIR(st.st_mode) && is_empty_dir(path, &st)))
        return open_failed(errmsg, FORUM_EINVAL, "%s: already exists; "
                           "forum_db_create makes a new database", path);
    forum_status_t status = prepare_path(path, 1, shards, errmsg);
    if (status != FORUM_OK)
        return status;
    /* Record what the database is now, as forum_db_open would. */
    forum_db_t *db = NULL;
    status = forum_db_open(&db, path, FORUM_DB_WRITE, errmsg);
    if (status == FORUM_OK)
        status = forum_db_close(db);
    forum_db_destroy(db);
    return status;
}

/* The start of a call that writes: a usable handle, open for writing. */
static forum_status_t check_writable(forum_db_t *db)
{
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    if (!db->writable)
        return fsi_db_fail(db, FORUM_EINVAL, "%s: database is open "
                           "read-only", db->path);
    return FORUM_OK;
}

static forum_status_t commit_locked(forum_db_t *db)
{
    forum_status_t status = check_writable(db);
    if (status != FORUM_OK)
        return status;
    status = fsi_xdb_commit(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

forum_status_t forum_db_commit(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, commit_locked(db));
}

/* Commits (write modes) and lets go of the Xapian database, its files
 * and the writer's lock; the handle stays, closed. */
static forum_status_t close_locked(forum_db_t *db)
{
    if (db->closed)
        return fsi_db_usable(db);
    forum_status_t status = FORUM_OK;
    if (db->x) {
        status = fsi_xdb_close(db->x);
        if (status != FORUM_OK)
            status = fsi_db_fail(db, status, "%s: the final commit failed "
                                 "(the database keeps the last commit): %s",
                                 db->path, fsi_xdb_error(db->x));
        fsi_xdb_destroy(db->x);
        db->x = NULL;
    }
    db->closed = 1;
    return status;
}

forum_status_t forum_db_close(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, close_locked(db));
}

void forum_db_destroy(forum_db_t *db)
{
    if (db == NULL)
        return;
    fsi_db_lock(db);
    /* Uncommitted changes are discarded (the shim cancels the writer's
     * open transaction), and the writer's lock is released now, even
     * while queries keep the handle alive. */
    fsi_xdb_destroy(db->x);
    db->x = NULL;
    db->closed = 1;
    db->destroyed = 1;
    int unused = db->live_queries == 0;
    fsi_db_unlock(db);
    if (unused)
        db_free(db);
}

/* The size a generation had when it was written compactly, the baseline
 * forum_db_compaction_due() measures growth against. */
static forum_status_t record_compacted_size(forum_db_t *db, const char *gen)
{
    uint64_t bytes = 0;
    if (tree_bytes(gen, &bytes) != 0)
        return fsi_db_fail(db, FORUM_EIO, "%s: cannot measure: %s", gen,
                           strerror(errno));
    char value[24];
    int len = snprintf(value, sizeof value, "%llu",
                       (unsigned long long)bytes);
    forum_status_t status = fsi_xdb_set_metadata(
        db->x, FSI_META_COMPACTED, strlen(FSI_META_COMPACTED), value,
        (size_t)len);
    if (status == FORUM_OK)
        status = fsi_xdb_commit(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

static forum_status_t compact_locked(forum_db_t *db)
{
    forum_status_t status = check_writable(db);
    if (status != FORUM_OK)
        return status;
    unsigned gen = fsi_db_stub_generation(db->path);
    if (gen == 0)
        return fsi_db_fail(db, FORUM_EINVAL, "%s: no %s stub (a database "
                           "from before forumsearch 0.1); re-create it to "
                           "compact it", db->path, STUB_NAME);
    status = fsi_xdb_commit(db->x);
    char next[4200], old[4200];
    snprintf(next, sizeof next, "%s/g%u", db->path, gen + 1);
    snprintf(old, sizeof old, "%s/g%u", db->path, gen);
    remove_tree(next); /* Left over from a compaction that was killed. */
    if (status == FORUM_OK)
        status = fsi_xdb_compact(db->x, next);
    if (status != FORUM_OK) {
        remove_tree(next);
        return fsi_db_fail_shim(db, status);
    }
    /* The writer lock is held until the stub names the new generation,
     * so no commit can slip into the old one unseen. */
    if (write_stub(db->path, gen + 1, fsi_xdb_shard_count(db->x)) != 0) {
        remove_tree(next);
        return fsi_db_fail(db, FORUM_EIO, "%s: cannot write %s: %s",
                           db->path, STUB_NAME, strerror(errno));
    }
    /* The new generation is opened (and its lock taken) before the old
     * one's lock is let go: a writer waiting for the old lock then finds
     * the stub naming a generation this handle holds, and waits again
     * there (open_current), instead of slipping into the new one. */
    char *shim_message = NULL;
    fsi_xdb_t *fresh = NULL;
    status = fsi_xdb_open(&fresh, db->path, db->mode, &shim_message);
    fsi_xdb_destroy(db->x);
    db->x = fresh;
    /* Readers that still have the old generation open keep reading it
     * (unlinked files live on); new readers open the new one. */
    remove_tree(old);
    if (status != FORUM_OK) {
        fsi_db_fail(db, status, "%s: reopening after compaction: %s",
                    db->path, shim_message ? shim_message : "");
        free(shim_message);
        return status;
    }
    return record_compacted_size(db, next);
}

forum_status_t forum_db_compact(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, compact_locked(db));
}

static forum_status_t compaction_due_locked(forum_db_t *db, bool *due)
{
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    unsigned gen = fsi_db_stub_generation(db->path);
    if (gen == 0)
        return FORUM_OK; /* Cannot be compacted (see compact_locked). */
    char path[4200];
    snprintf(path, sizeof path, "%s/g%u", db->path, gen);
    uint64_t bytes = 0, posts = 0;
    if (tree_bytes(path, &bytes) != 0)
        return fsi_db_fail(db, FORUM_EIO, "%s: cannot measure: %s", path,
                           strerror(errno));
    char *recorded = NULL;
    status = fsi_xdb_get_metadata(db->x, FSI_META_COMPACTED,
                                  strlen(FSI_META_COMPACTED), &recorded,
                                  NULL);
    if (status == FORUM_OK && recorded[0] == '\0')
        status = fsi_xdb_doccount(db->x, &posts);
    if (status != FORUM_OK) {
        free(recorded);
        return fsi_db_fail_shim(db, status);
    }
    if (recorded[0] == '\0') {
        *due = posts > 0; /* Never compacted: a first build. */
    } else {
        uint64_t baseline = strtoull(recorded, NULL, 10);
        *due = bytes >= baseline * FSI_COMPACT_GROWTH;
    }
    free(recorded);
    return FORUM_OK;
}

forum_status_t forum_db_compaction_due(forum_db_t *db, bool *due)
{
    if (due != NULL)
        *due = false;
    if (db == NULL || due == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, compaction_due_locked(db, due));
}

const char *forum_db_warning(const forum_db_t *db)
{
    /* Set once by forum_db_open(), read-only after: no lock. */
    return db && db->warning ? db->warning : "";
}

/* The calling thread's slot is replaced only by the calling thread, so
 * what it points to stays valid after the lock is released. */
const char *forum_db_last_error(const forum_db_t *db)
{
    if (db == NULL)
        return "";
    forum_db_t *mutable_db = (forum_db_t *)db; /* The locks only. */
    pthread_mutex_lock(&mutable_db->slots_lock);
    fsi_error_slot_t *slot = find_slot(mutable_db);
    const char *message = slot ? slot->message : "";
    pthread_mutex_unlock(&mutable_db->slots_lock);
    return message;
}

size_t forum_db_last_error_column(const forum_db_t *db)
{
    if (db == NULL)
        return 0;
    forum_db_t *mutable_db = (forum_db_t *)db;
    pthread_mutex_lock(&mutable_db->slots_lock);
    fsi_error_slot_t *slot = find_slot(mutable_db);
    size_t column = slot ? slot->column : 0;
    pthread_mutex_unlock(&mutable_db->slots_lock);
    return column;
}

static forum_status_t post_count_locked(forum_db_t *db, uint64_t *out)
{
    forum_status_t status = fsi_db_usable(db);
    if (status != FORUM_OK)
        return status;
    /* A reader counts the newest revision, as its searches do. */
    status = fsi_xdb_reopen(db->x);
    if (status == FORUM_OK)
        status = fsi_xdb_doccount(db->x, out);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

static forum_status_t shard_count_locked(forum_db_t *db, unsigned *out)
{
    forum_status_t status = fsi_db_usable(db);
    if (status == FORUM_OK)
        *out = fsi_xdb_shard_count(db->x);
    return status;
}

forum_status_t forum_db_shard_count(forum_db_t *db, unsigned *out)
{
    if (db == NULL || out == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, shard_count_locked(db, out));
}

forum_status_t forum_db_post_count(forum_db_t *db, uint64_t *out)
{
    if (db == NULL || out == NULL)
        return FORUM_EINVAL;
    fsi_db_enter(db);
    return fsi_db_leave(db, post_count_locked(db, out));
}
