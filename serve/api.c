/* forum-serve — the JSON API (api.h). */
#include "api.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "hit_json.h"

static void json_text(FILE *out, const char *s)
{
    cli_json_string(out, s, strlen(s));
}

void serve_api_message(serve_reply_t *reply, int status,
                       const char *message)
{
    serve_reply_open(reply, status, SERVE_TYPE_JSON);
    if (reply->body == NULL)
        return;
    fputs("{\"error\":", reply->body);
    json_text(reply->body, message);
    fputs("}\n", reply->body);
}

void serve_api_error(serve_reply_t *reply, const serve_error_t *err)
{
    serve_reply_open(reply, err->http_status, SERVE_TYPE_JSON);
    if (reply->body == NULL)
        return;
    fputs("{\"error\":", reply->body);
    json_text(reply->body, err->message);
    if (err->param[0]) {
        fputs(",\"parameter\":", reply->body);
        json_text(reply->body, err->param);
    }
    fputs("}\n", reply->body);
}

/* Answers a failed library call on db: the status code for it, the
 * library's message (a database failure is logged, not shown: it may
 * name server paths), the column of a query error. */
static void api_failure(serve_reply_t *reply, forum_db_t *db,
                        forum_status_t status)
{
    int http = serve_status_for(status);
    serve_reply_open(reply, http, SERVE_TYPE_JSON);
    if (http == 500)
        fprintf(stderr, "forum-serve: error: %s\n", forum_db_last_error(db));
    if (http == 503)
        reply->retry_after = 1;
    if (reply->body == NULL)
        return;
    fputs("{\"error\":", reply->body);
    json_text(reply->body, http == 500 ? "database error"
                                       : forum_db_last_error(db));
    if (status == FORUM_EQUERY)
        fprintf(reply->body, ",\"column\":%zu",
                forum_db_last_error_column(db));
    fputs("}\n", reply->body);
}

void serve_api_search(serve_reply_t *reply, serve_dbpool_t *pool,
                      const serve_params_t *params)
{
    serve_search_t search;
    serve_error_t err;
    if (serve_search_from_params(&search, params, true, &err) != 0) {
        serve_api_error(reply, &err);
        return;
    }
    if (search.q == NULL) {
        serve_api_message(reply, 400, "q (the query) is required");
        return;
    }
    forum_db_t *db = serve_dbpool_acquire(pool);
    forum_query_t *query = NULL;
    forum_results_t *results = NULL;
    forum_status_t status = forum_query_create(&query, db, search.q,
                                               search.q_len,
                                               &search.options);
    if (status == FORUM_OK)
        status = forum_query_run(query, &results);
    if (status != FORUM_OK) {
        api_failure(reply, db, status);
        goto out;
    }
    uint64_t posts, threads;
    forum_results_counts(results, &posts, &threads);
    serve_reply_open(reply, 200, SERVE_TYPE_JSON);
    if (reply->body == NULL)
        goto out;
    FILE *body = reply->body;
    fputs("{\"query\":", body);
    cli_json_string(body, search.q, search.q_len);
    fprintf(body, ",\"posts\":%llu,\"threads\":%llu,\"offset\":%zu,"
            "\"limit\":%zu,\"hits\":[", (unsigned long long)posts,
            (unsigned long long)threads, search.options.offset,
            search.options.limit);
    const forum_snippet_options_t snippet_options =
        FORUM_SNIPPET_OPTIONS_INIT;
    const forum_hit_t *hit;
    size_t shown = 0;
    while ((status = forum_results_next(results, &hit)) == FORUM_OK) {
        forum_snippet_t *snip = NULL, *title = NULL;
        status = forum_results_snippet(results, hit, &snippet_options,
                                       &snip);
        if (status == FORUM_OK)
            status = forum_results_title(results, hit, &title);
        if (status != FORUM_OK) {
            forum_snippet_destroy(snip);
            break;
        }
        fputs(shown++ ? ",\n" : "\n", body);
        cli_hit_json_open(body, hit, title, snip,
                          search.options.collapse_threads);
        cli_also_json(body, results, hit, &snippet_options);
        fputc('}', body);
        forum_snippet_destroy(title);
        forum_snippet_destroy(snip);
    }
    if (status != FORUM_ITER_DONE) {
        fprintf(stderr, "forum-serve: error: %s\n",
                forum_db_last_error(db));
        fclose(reply->body);
        free(reply->data);
        serve_api_message(reply, serve_status_for(status),
                          "database error");
        goto out;
    }
    fputs(shown ? "\n]}\n" : "]}\n", body);
out:
    forum_query_destroy(query);
    serve_dbpool_release(pool, db);
}

void serve_api_thread(serve_reply_t *reply, serve_dbpool_t *pool,
                      const serve_params_t *params)
{
    serve_thread_t request;
    serve_error_t err;
    if (serve_thread_from_params(&request, params, true, &err) != 0) {
        serve_api_error(reply, &err);
        return;
    }
    forum_db_t *db = serve_dbpool_acquire(pool);
    forum_query_t *query = NULL;
    forum_thread_t *thread = NULL;
    forum_status_t status = FORUM_OK;
    if (request.q)
        status = forum_query_create(&query, db, request.q, request.q_len,
                                    NULL);
    if (status == FORUM_OK)
        status = forum_db_thread_open(&thread, db, request.id, query);
    if (status == FORUM_ENOTFOUND) {
        /* Our own words: the library's message names the database's
         * path on the server. */
        serve_reply_open(reply, 404, SERVE_TYPE_JSON);
        if (reply->body) {
            fputs("{\"error\":\"no such thread\",\"id\":", reply->body);
            cli_json_string(reply->body, request.id, request.id_len);
            fputs("}\n", reply->body);
        }
        goto out;
    }
    if (status != FORUM_OK) {
        api_failure(reply, db, status);
        goto out;
    }
    serve_reply_open(reply, 200, SERVE_TYPE_JSON);
    if (reply->body) {
        cli_thread_json(reply->body, thread, INT_MIN, INT_MAX);
        fputc('\n', reply->body);
    }
out:
    forum_thread_destroy(thread);
    forum_query_destroy(query);
    serve_dbpool_release(pool, db);
}
