/* forum-serve — read-only database handles, one per request at a time.
 *
 * The library serializes every call on one handle (forumsearch.h,
 * "Threads"), so one shared handle would make the thread pool search one
 * request at a time. The pool holds one handle per server thread; a
 * request borrows one and gives it back. Each search reopens its handle
 * first (forum_query_run()), so commits and compactions by forum-index
 * are seen by the next request without a restart. */
#ifndef FORUM_SERVE_DBPOOL_H
#define FORUM_SERVE_DBPOOL_H

#include <stddef.h>

#include <forumsearch.h>

typedef struct serve_dbpool serve_dbpool_t;

/* Opens n read-only handles on path. On failure returns the status of
 * the first handle that failed and sets *errmsg (free with free()). */
forum_status_t serve_dbpool_create(serve_dbpool_t **out, const char *path,
                                   size_t n, char **errmsg);

/* Borrows a handle, waiting while all are in use. */
forum_db_t *serve_dbpool_acquire(serve_dbpool_t *pool);

void serve_dbpool_release(serve_dbpool_t *pool, forum_db_t *db);

/* The database's warning ("" if none), e.g. another ICU version. */
const char *serve_dbpool_warning(serve_dbpool_t *pool);

/* Closes every handle; none may be borrowed. Accepts NULL. */
void serve_dbpool_destroy(serve_dbpool_t *pool);

#endif
