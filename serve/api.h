/* forum-serve — the JSON API: GET /api/search and GET /api/thread. */
#ifndef FORUM_SERVE_API_H
#define FORUM_SERVE_API_H

#include "dbpool.h"
#include "params.h"
#include "reply.h"

/* {"query":…,"posts":N,"threads":N,"offset":N,"limit":N,"hits":[
 * one hit per line, byte for byte as `forum-search --json` prints it
 * ]}. A bad query: 400 {"error":"column N: …","column":N}. */
void serve_api_search(serve_reply_t *reply, serve_dbpool_t *pool,
                      const serve_params_t *params);

/* ?id=THREAD[&q=QUERY]: the thread in floor order, as `forum-search
 * --thread ID --json DB [QUERY]` prints it, the query's words marked.
 * 404 for a thread id that is not in the database (ids are keys in the
 * index, never paths: nothing is read from the file system). */
void serve_api_thread(serve_reply_t *reply, serve_dbpool_t *pool,
                      const serve_params_t *params);

/* {"error":…,"parameter":…} with err's status. */
void serve_api_error(serve_reply_t *reply, const serve_error_t *err);

/* {"error":message} with status. */
void serve_api_message(serve_reply_t *reply, int status,
                       const char *message);

#endif
