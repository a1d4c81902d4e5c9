/* forum-serve — the HTML pages: GET / (search) and the style sheet. The
 * pages need no script; every piece of text is escaped (escape.h). */
#ifndef FORUM_SERVE_PAGE_H
#define FORUM_SERVE_PAGE_H

#include "dbpool.h"
#include "params.h"
#include "reply.h"

/* Hits on one page of the search page. */
#define SERVE_PAGE_HITS 10

/* The search page: the form, and for a query its hits with highlighted
 * snippets, counts and links to the previous and next pages. A bad
 * query or parameter answers 400 with the form and the error. */
void serve_page_search(serve_reply_t *reply, serve_dbpool_t *pool,
                       const serve_params_t *params);

/* GET /thread?id=THREAD[&q=QUERY]: the whole thread in floor order,
 * the query's words marked, each post anchored as #fFLOOR (the search
 * page links there). 404 for an unknown thread. */
void serve_page_thread(serve_reply_t *reply, serve_dbpool_t *pool,
                       const serve_params_t *params);

/* An error page with status (404, 405, 400…) and a sentence. */
void serve_page_message(serve_reply_t *reply, int status,
                        const char *message);

/* GET /style.css (the pages link only this; the Content-Security-Policy
 * allows nothing else). */
void serve_page_style(serve_reply_t *reply);

#endif
