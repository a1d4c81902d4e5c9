/* forum-serve — request parameters: the query string of a request, as
 * the client sent it, decoded and checked against the server's limits.
 *
 * Everything here is pure (no I/O, no HTTP library), so the fuzzer
 * (tests/fuzz/fuzz_serve_params.c) can drive it with raw bytes. */
#ifndef FORUM_SERVE_PARAMS_H
#define FORUM_SERVE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include <forumsearch.h>

/* Limits, documented in README "forum-serve". */
#define SERVE_MAX_Q_BYTES 4096        /* The library's own query limit. */
#define SERVE_MAX_ID_BYTES 4096       /* A thread id (a relative path). */
#define SERVE_MAX_LIMIT 100           /* Hits in one answer. */
#define SERVE_MAX_WINDOW 10000        /* offset + limit: deeper pages cost
                                         a ranking of that many hits. */
#define SERVE_MAX_KEY_BYTES 64       /* A parameter's name. */
#define SERVE_MAX_PARAMS 16           /* key=value pairs in one request. */
#define SERVE_DEFAULT_LIMIT 10

/* Why a request was refused: an HTTP status (400), the parameter at
 * fault ("" when none) and a sentence for people. */
typedef struct serve_error {
    int http_status;
    char param[32];
    char message[256];
} serve_error_t;

/* One decoded key=value pair. Both are NUL-terminated and hold no NUL
 * inside (a %00 is refused), and both are valid UTF-8. */
typedef struct serve_param {
    char *key;
    char *value;
    size_t value_len;
} serve_param_t;

typedef struct serve_params {
    serve_param_t items[SERVE_MAX_PARAMS];
    size_t n;
} serve_params_t;

/* Splits a query string (the part of the URI after '?', without it) at
 * '&', decodes %HH and '+' in keys and values, and refuses with 400:
 * malformed percent-encoding, %00, invalid UTF-8, an empty key, a key
 * given twice, more than SERVE_MAX_PARAMS pairs, a value longer than
 * SERVE_MAX_Q_BYTES (after decoding). Empty pairs ("a=1&&b=2") are
 * skipped. On success *out holds the pairs (free with
 * serve_params_free()); on failure it is empty. Returns 0 or -1. */
int serve_params_parse(serve_params_t *out, const char *query, size_t len,
                       serve_error_t *err);

void serve_params_free(serve_params_t *params);

/* The value of key, or NULL. */
const serve_param_t *serve_params_get(const serve_params_t *params,
                                      const char *key);

/* A search: /api/search and the search page. */
typedef struct serve_search {
    const char *q;      /* Borrowed from the params; NULL when absent. */
    size_t q_len;
    forum_search_options_t options;
} serve_search_t;

/* Reads q, limit, offset, posts, sort and scope. strict: any other key is an
 * error (the API, where a misspelt parameter must not be ignored); not
 * strict: other keys are ignored (a page linked with tracking
 * parameters still works). limit is 0..SERVE_MAX_LIMIT (0 answers the
 * counts only), offset + limit at most SERVE_MAX_WINDOW; posts is
 * 1|0|true|false|on|off (a form's check box sends "on"); sort is
 * relevance|date|floor; scope is post|thread (forum-search --scope). q
 * may be absent or blank: the caller decides
 * what that means. Returns 0, or -1 with *err filled in (400). */
int serve_search_from_params(serve_search_t *out,
                             const serve_params_t *params, bool strict,
                             serve_error_t *err);

/* A thread: /api/thread and the thread page. */
typedef struct serve_thread {
    const char *id;     /* Borrowed; never NULL on success, never "". */
    size_t id_len;
    const char *q;      /* Optional query to highlight; NULL if absent. */
    size_t q_len;
} serve_thread_t;

/* Reads id (required, 1..SERVE_MAX_ID_BYTES bytes) and q (optional);
 * strict as above. */
int serve_thread_from_params(serve_thread_t *out,
                             const serve_params_t *params, bool strict,
                             serve_error_t *err);

#endif
