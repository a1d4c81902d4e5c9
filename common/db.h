/* forumsearch — private: the database handle shared by index.c and
 * search.c. */
#ifndef FORUMSEARCH_DB_H
#define FORUMSEARCH_DB_H

#include "forumsearch.h"
#include "xapian_shim.h"

struct forum_db {
    fsi_xdb_t *x;
    char *path;             /* As opened. */
    int mode;               /* forum_db_mode_t */
    int writable;
    char *error;            /* Last error message, owned; never NULL. */
    char *warning;          /* From opening, or NULL. */
    size_t error_column;    /* Column of the last FORUM_EQUERY. */
    forum_tokenizer_t *tok; /* Created on first use. */
};

/* Records a message for forum_db_last_error() and returns status. */
forum_status_t fsi_db_fail(forum_db_t *db, forum_status_t status,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records the shim's message for a failed shim call. */
forum_status_t fsi_db_fail_shim(forum_db_t *db, forum_status_t status);
/* Clears the last error at the start of a public call, and fails with
 * FORUM_EIO when the handle lost its database (a failed reopen). */
forum_status_t fsi_db_check(forum_db_t *db);
/* Clears the last error at the start of a public call. */
void fsi_db_clear_error(forum_db_t *db);
forum_status_t fsi_db_tokenizer(forum_db_t *db, forum_tokenizer_t **out);

#endif
