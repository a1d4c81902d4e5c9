/* forum-serve — what a route hands back to the HTTP layer: a status, a
 * content type and a body written through a FILE (open_memstream), so
 * renderers write with stdio like the command-line tools do. */
#ifndef FORUM_SERVE_REPLY_H
#define FORUM_SERVE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <forumsearch.h>

#define SERVE_TYPE_HTML "text/html; charset=utf-8"
#define SERVE_TYPE_JSON "application/json; charset=utf-8"
#define SERVE_TYPE_CSS "text/css; charset=utf-8"

typedef struct serve_reply {
    int status;
    const char *content_type;
    FILE *body;           /* Writes to data/len; NULL when out of memory. */
    char *data;
    size_t len;
    bool cacheable;       /* Static content: may be cached for a day. */
    unsigned retry_after; /* Seconds for a Retry-After header (503), or 0. */
} serve_reply_t;

/* Starts a reply (the body stream is opened; on failure body is NULL and
 * the HTTP layer answers 503). */
static inline void serve_reply_open(serve_reply_t *reply, int status,
                                    const char *content_type)
{
    reply->status = status;
    reply->content_type = content_type;
    reply->data = NULL;
    reply->len = 0;
    reply->cacheable = false;
    reply->retry_after = 0;
    reply->body = open_memstream(&reply->data, &reply->len);
}

/* The HTTP status for a library failure: a bad query is the client's
 * fault (400), a missing thread 404, a database that kept changing or
 * memory running out are passing (503), anything else is ours (500). */
static inline int serve_status_for(forum_status_t status)
{
    switch (status) {
    case FORUM_OK: return 200;
    case FORUM_EQUERY: return 400;
    case FORUM_ENOTFOUND: return 404;
    case FORUM_EMODIFIED:
    case FORUM_ENOMEM: return 503;
    default: return 500;
    }
}

#endif
