/* forumsearch — private: what index.c lends index_thread.c, so that a
 * thread given in memory goes through the very code a file's threads
 * go through. */
#ifndef FORUMSEARCH_INDEX_INTERNAL_H
#define FORUMSEARCH_INDEX_INTERNAL_H

#include "forumsearch.h"
#include "thread.h"

/* Why `name` cannot name a file under an indexed root (absolute, "..",
 * ".", empty components), or NULL when it can. */
const char *fsi_index_bad_name(const char *name);

/* Indexes `thread` (complete: id, board and title set, posts in floor
 * order, floors distinct) as if it were the file `rel` under a root:
 * first deletes every post of the thread id and of `rel` in the
 * thread's shard. Call with the handle's lock held. Failures leave a
 * message on the handle. */
forum_status_t fsi_index_thread_as(forum_db_t *db, fsi_thread_t *thread,
                                   const char *rel,
                                   const forum_index_options_t *opts,
                                   forum_index_stats_t *stats);

#endif
