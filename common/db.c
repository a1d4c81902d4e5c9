/* forumsearch — the database handle: open, commit, close, errors. */
#include "db.h"

#include <stdarg.h>
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
    }
    free(version);
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
        free(db);
        return status;
    }
    status = check_schema(db, errmsg);
    if (status != FORUM_OK) {
        fsi_xdb_destroy(db->x);
        free(db);
        return status;
    }
    *out = db;
    return FORUM_OK;
}

forum_status_t forum_db_commit(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_clear_error(db);
    if (!db->writable)
        return fsi_db_fail(db, FORUM_EINVAL, "database is open read-only");
    forum_status_t status = fsi_xdb_commit(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

forum_status_t forum_db_close(forum_db_t *db)
{
    if (db == NULL)
        return FORUM_EINVAL;
    fsi_db_clear_error(db);
    forum_status_t status = fsi_xdb_close(db->x);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}

void forum_db_destroy(forum_db_t *db)
{
    if (db == NULL)
        return;
    fsi_xdb_destroy(db->x);
    forum_tokenizer_destroy(db->tok);
    if (db->error != empty_message)
        free(db->error);
    free(db);
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
    fsi_db_clear_error(db);
    forum_status_t status = fsi_xdb_doccount(db->x, out);
    return status == FORUM_OK ? status : fsi_db_fail_shim(db, status);
}
