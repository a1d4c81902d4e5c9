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
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uversion.h>

#include "schema.h"

static char empty_message[] = "";

forum_status_t fsi_db_fail(forum_db_t *db, forum_status_t status,
                           const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *copy = strdup(message);
    if (db->error != empty_message)
        free(db->error);
    db->error = copy ? copy : empty_message;
    return status;
}

forum_status_t fsi_db_fail_shim(forum_db_t *db, forum_status_t status)
{
    return fsi_db_fail(db, status, "%s", fsi_xdb_error(db->x));
}

void fsi_db_clear_error(forum_db_t *db)
{
    if (db->error != empty_message)
        free(db->error);
    db->error = empty_message;
    db->error_column = 0;
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

static forum_status_t check_schema(forum_db_t *db, char **errmsg)
{
    char *version = NULL;
    size_t len = 0;
    forum_status_t status = fsi_xdb_get_metadata(
        db->x, FSI_META_ANALYZER, strlen(FSI_META_ANALYZER), &version, &len);
    if (status != FORUM_OK) {
        if (errmsg)
            *errmsg = strdup(fsi_xdb_error(db->x));
        return status;
    }
    if (len == 0 && db->writable) {
        status = fsi_xdb_set_metadata(db->x, FSI_META_ANALYZER,
                                      strlen(FSI_META_ANALYZER),
                                      FSI_ANALYZER_VERSION,
                                      strlen(FSI_ANALYZER_VERSION));
        if (status == FORUM_OK)
            status = fsi_xdb_set_metadata(db->x, FSI_META_ICU,
                                          strlen(FSI_META_ICU),
                                          U_ICU_VERSION,
                                          strlen(U_ICU_VERSION));
        /* Committed at once: a run killed before its first commit must
         * still leave a database that says what it is. */
        if (status == FORUM_OK)
            status = fsi_xdb_commit(db->x);
        if (status != FORUM_OK && errmsg)
            *errmsg = strdup(fsi_xdb_error(db->x));
    } else if (len == 0) {
        status = FORUM_ENOTFOUND;
        if (errmsg)
            *errmsg = strdup("not a forumsearch database (no analyzer "
                             "version recorded)");
    } else if (strcmp(version, FSI_ANALYZER_VERSION) != 0) {
        status = FORUM_EIO;
        if (errmsg)
            *errmsg = dup_message("database was built by analyzer version "
                                  "%s; this is version %s: re-index it",
                                  version, FSI_ANALYZER_VERSION);
    } else {
        status = check_icu(db);
    }
    free(version);
    return status;
}

#define STUB_NAME "XAPIANDB"

/* Writes dir/XAPIANDB naming generation `gen`, atomically. */
static int write_stub(const char *dir, unsigned gen)
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
    int bad = fprintf(f, "auto g%u\n", gen) < 0;
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
static unsigned read_stub(const char *dir)
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

/* Creates a new database directory: built under a temporary name and
 * renamed into place, so a racing indexer sees all of it or nothing. */
static forum_status_t create_layout(const char *path, char **errmsg)
{
    char tmp[4096], gen[4200];
    if (snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", path) >= (int)sizeof tmp)
        return FORUM_EINVAL;
    if (mkdtemp(tmp) == NULL) {
        if (errmsg)
            *errmsg = dup_message("%s: %s", path, strerror(errno));
        return FORUM_EIO;
    }
    snprintf(gen, sizeof gen, "%s/g1", tmp);
    char *shim_message = NULL;
    forum_status_t status = fsi_xdb_create_empty(gen, &shim_message);
    if (status == FORUM_OK && write_stub(tmp, 1) != 0)
        status = FORUM_EIO;
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
static forum_status_t create_layout_in(const char *path, char **errmsg)
{
    char gen[4200];
    snprintf(gen, sizeof gen, "%s/g1", path);
    char *shim_message = NULL;
    forum_status_t status = fsi_xdb_create_empty(gen, &shim_message);
    if (status == FORUM_OK && write_stub(path, 1) != 0)
        status = FORUM_EIO;
    if (status != FORUM_OK && errmsg)
        *errmsg = dup_message("%s: %s", path, shim_message ? shim_message
                                                           : strerror(errno));
    free(shim_message);
    return status;
}

forum_status_t forum_db_open(forum_db_t **out, const char *path,
                             forum_db_mode_t mode, char **errmsg)
{
    if (errmsg)
        *errmsg = NULL;
    if (out == NULL || path == NULL ||
        (mode != FORUM_DB_READ && mode != FORUM_DB_WRITE &&
         mode != FORUM_DB_WRITE_WAIT))
        return FORUM_EINVAL;
    *out = NULL;
    forum_db_t *db = calloc(1, sizeof *db);
    if (db == NULL)
        return FORUM_ENOMEM;
    db->error = empty_message;
    db->writable = mode != FORUM_DB_READ;
    db->mode = (int)mode;
    db->path = strdup(path);
    if (db->path == NULL) {
        free(db);
        return FORUM_ENOMEM;
    }
    struct stat st;
    int missing = stat(path, &st) != 0 && errno == ENOENT;
    if (db->writable && (missing || is_empty_dir(path, &st))) {
        forum_status_t created = missing ? create_layout(path, errmsg)
                                         : create_layout_in(path, errmsg);
        if (created != FORUM_OK) {
            free(db->path);
            free(db);
            return created;
        }
    }
    char *shim_message = NULL;
    forum_status_t status = fsi_xdb_open(&db->x, path, (int)mode,
                                         &shim_message);
    if (status != FORUM_OK) {
        if (errmsg) {
            if (status == FORUM_ELOCKED)
                *errmsg = dup_message("%s%s: database is locked by another "
                                      "writer", path, "");
            else if (status == FORUM_ENOTFOUND)
                *errmsg = dup_message("%s%s: no database here", path, "");
            else
                *errmsg = dup_message("%s: %s", path,
                                      shim_message ? shim_message : "");
        }
        free(shim_message);
        free(db->path);
        free(db);
        return status;
    }
    status = check_schema(db, errmsg);
    if (status != FORUM_OK) {
        fsi_xdb_destroy(db->x);
        free(db->warning);
        free(db->path);
        free(db);
        return status;
    }
    *out = db;
    return FORUM_OK;
}

forum_status_t fsi_db_check(forum_db_t *db)
{
    fsi_db_clear_error(db);
    if (db->x == NULL)
        return fsi_db_fail(db, FORUM_EIO, "%s: the database could not be "
                           "reopened after compaction", db->path);
    return FORUM_OK;
}

/* The start of a call that writes: a usable handle, open for writing. */
static forum_status_t check_writable(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    if (fsi_db_check(db) != FORUM_OK)
        return FORUM_EIO;
    if (!db->writable)
        return fsi_db_fail(db, FORUM_EINVAL, "database is open read-only");
    return FORUM_OK;
}

forum_status_t forum_db_commit(forum_db_t *db)
{
    forum_status_t status = check_writable(db);
    if (status != FORUM_OK)
        return status;
    status = fsi_xdb_commit(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

forum_status_t forum_db_close(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    if (fsi_db_check(db) != FORUM_OK)
        return FORUM_EIO;
    forum_status_t status = fsi_xdb_close(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

void forum_db_destroy(forum_db_t *db)
{
    if (db == NULL)
        return;
    fsi_xdb_destroy(db->x);
    free(db->path);
    free(db->warning);
    forum_tokenizer_destroy(db->tok);
    if (db->error != empty_message)
        free(db->error);
    free(db);
}

forum_status_t forum_db_compact(forum_db_t *db)
{
    forum_status_t status = check_writable(db);
    if (status != FORUM_OK)
        return status;
    unsigned gen = read_stub(db->path);
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
    if (write_stub(db->path, gen + 1) != 0) {
        remove_tree(next);
        return fsi_db_fail(db, FORUM_EIO, "%s: cannot write %s: %s",
                           db->path, STUB_NAME, strerror(errno));
    }
    fsi_xdb_destroy(db->x);
    db->x = NULL;
    /* Readers that still have the old generation open keep reading it
     * (unlinked files live on); new readers open the new one. */
    remove_tree(old);
    char *shim_message = NULL;
    status = fsi_xdb_open(&db->x, db->path, db->mode, &shim_message);
    if (status != FORUM_OK) {
        fsi_db_fail(db, status, "%s: reopening after compaction: %s",
                    db->path, shim_message ? shim_message : "");
        free(shim_message);
        return status;
    }
    return FORUM_OK;
}

const char *forum_db_warning(const forum_db_t *db)
{
    return db && db->warning ? db->warning : "";
}

const char *forum_db_last_error(const forum_db_t *db)
{
    return db ? db->error : "";
}

size_t forum_db_last_error_column(const forum_db_t *db)
{
    return db ? db->error_column : 0;
}

forum_status_t forum_db_post_count(forum_db_t *db, uint64_t *out)
{
    if (db == NULL || out == NULL)
        return FORUM_EINVAL;
    if (fsi_db_check(db) != FORUM_OK)
        return FORUM_EIO;
    forum_status_t status = fsi_xdb_doccount(db->x, out);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}
