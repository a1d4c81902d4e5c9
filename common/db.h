/* forumsearch — private: the database handle shared by index.c and
 * search.c.
 *
 * Threads: one mutex per handle serializes every public call on the
 * handle and on the queries and result sets made from it (SQLite's
 * "serialized" mode): Xapian's Database, the ICU tokenizer and the
 * queries' scratch buffers are not safe to share. A public call brackets
 * its work with fsi_db_enter() and fsi_db_leave().
 *
 * Errors: forum_db_last_error() is per calling thread. fsi_db_fail()
 * records the message both as the handle's message of the call in
 * progress (db->error, read under the lock) and in the calling thread's
 * slot, which only that thread reads and replaces.
 *
 * Lifetime: forum_db_close() releases the Xapian database and leaves a
 * closed handle (every call then fails with FORUM_ECLOSED).
 * forum_db_destroy() with queries still alive closes the handle without
 * committing and leaves it to the last forum_query_destroy() to free.
 */
#ifndef FORUMSEARCH_DB_H
#define FORUMSEARCH_DB_H

#include <pthread.h>
#include <stdint.h>

#include "forumsearch.h"
#include "xapian_shim.h"

/* The last failed call of one thread on one handle. */
typedef struct fsi_error_slot {
    pthread_t thread;
    uint64_t thread_serial; /* pthread_t values are reused; this is not. */
    char *message;          /* Owned, never NULL. */
    size_t column;          /* Of a FORUM_EQUERY, else 0. */
} fsi_error_slot_t;

struct forum_db {
    pthread_mutex_t lock;   /* Held during every public call. */
    fsi_xdb_t *x;           /* NULL once closed or when a reopen failed. */
    char *path;             /* As opened. */
    int mode;               /* forum_db_mode_t */
    fsi_xopen_t open_opts;  /* Remote shards: timeout, partial. */
    int writable;
    int closed;             /* forum_db_close() or forum_db_destroy(). */
    int destroyed;          /* forum_db_destroy(): freed with its last
                               query. */
    size_t live_queries;
    char *warning;          /* From opening, or NULL. */
    forum_tokenizer_t *tok; /* Created on first use. */
    /* The message of the call in progress ("" while none), owned: what
     * index.c checks under the lock. */
    char *error;
    pthread_mutex_t slots_lock; /* Guards the slots, not the calls. */
    fsi_error_slot_t *slots;    /* Threads whose last call failed. */
    size_t n_slots, cap_slots;
};

/* Starts a public call: takes the handle's lock and clears the calling
 * thread's last error. */
void fsi_db_enter(forum_db_t *db);
/* Ends it: a failure without a message gets its status's description
 * (every failure has a message), then the lock is released. Returns
 * status. */
forum_status_t fsi_db_leave(forum_db_t *db, forum_status_t status);
/* Takes and releases the lock for calls that cannot fail (destructors,
 * getters): the last error stays as it was. */
void fsi_db_lock(forum_db_t *db);
void fsi_db_unlock(forum_db_t *db);

/* FORUM_OK when the handle still has its database: FORUM_ECLOSED after
 * forum_db_close(), FORUM_EIO after a failed reopen; both with a
 * message naming the path. Call under the lock. */
forum_status_t fsi_db_usable(forum_db_t *db);

/* Records a message for forum_db_last_error() and returns status. */
forum_status_t fsi_db_fail(forum_db_t *db, forum_status_t status,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the column forum_db_last_error_column() reports. */
forum_status_t fsi_db_fail_at(forum_db_t *db, forum_status_t status,
                              size_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records the shim's message for a failed shim call. */
forum_status_t fsi_db_fail_shim(forum_db_t *db, forum_status_t status);
/* Clears the last error at the start of a public call, and fails when
 * the handle cannot be used (see fsi_db_usable()). For callers that do
 * not bracket with fsi_db_enter(). */
forum_status_t fsi_db_check(forum_db_t *db);
/* Clears the last error at the start of a public call. */
void fsi_db_clear_error(forum_db_t *db);
forum_status_t fsi_db_tokenizer(forum_db_t *db, forum_tokenizer_t **out);

/* A query was made from db / is gone. fsi_db_query_gone() is called
 * under the lock and releases it; when db was destroyed and this was
 * its last query, it frees db. */
void fsi_db_query_born(forum_db_t *db);
void fsi_db_query_gone(forum_db_t *db);

/* The generation dir's XAPIANDB stub names ("auto gN"), 0 without one. */
unsigned fsi_db_stub_generation(const char *dir);

#endif
