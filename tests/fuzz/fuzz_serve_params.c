/* libFuzzer target: forum-serve's request parameters. bytes (a query
 * string as a client sends it) -> serve_params_parse, then
 * serve_search_from_params and serve_thread_from_params, strict and
 * not; the same bytes -> serve_html. Checks (serve/params.h,
 * serve/escape.h):
 *   - parsed pairs: at most SERVE_MAX_PARAMS, keys non-empty and
 *     distinct, keys and values valid UTF-8 without NUL, values at most
 *     SERVE_MAX_Q_BYTES; a failure leaves no pairs and says why (a 400,
 *     a message, a printable parameter name);
 *   - round trip: the pairs percent-encoded again (serve_url_component)
 *     parse back to the same pairs;
 *   - a search read from them keeps its limits (limit <= SERVE_MAX_LIMIT,
 *     offset + limit <= SERVE_MAX_WINDOW, a known sort), and its q is
 *     the q pair; a thread has a non-empty id;
 *   - the HTML escape of any bytes is valid UTF-8 with no < > " ' and
 *     every & the start of one of the five entities it writes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "params.h"
#include "fuzz_util.h"

static void check_error(const serve_params_t *params,
                        const serve_error_t *err)
{
    FUZZ_CHECK(params->n == 0);
    FUZZ_CHECK(err->http_status == 400 || err->http_status == 503);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    FUZZ_CHECK(err->message[0] != '\0');
    FUZZ_CHECK(fuzz_utf8_valid(err->message, strlen(err->message)));
    FUZZ_CHECK(memchr(err->param, '\0', sizeof err->param) != NULL);
    for (const char *p = err->param; *p; p++)
        FUZZ_CHECK(*p > 0x20 && *p < 0x7F && *p != '"');
}

static void check_pairs(const serve_params_t *params)
{
    FUZZ_CHECK(params->n <= SERVE_MAX_PARAMS);
    for (size_t i = 0; i < params->n; i++) {
        const serve_param_t *p = &params->items[i];
        size_t key_len = strlen(p->key);
        FUZZ_CHECK(key_len > 0);
        FUZZ_CHECK(fuzz_utf8_valid(p->key, key_len));
        FUZZ_CHECK(strlen(p->value) == p->value_len);
        FUZZ_CHECK(p->value_len <= SERVE_MAX_Q_BYTES);
        FUZZ_CHECK(fuzz_utf8_valid(p->value, p->value_len));
        FUZZ_CHECK(serve_params_get(params, p->key) == p);
    }
}

/* The pairs written back as a query string parse to the same pairs. */
static void check_round_trip(const serve_params_t *params)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FUZZ_CHECK(out != NULL);
    for (size_t i = 0; i < params->n; i++) {
        if (i)
            fputc('&', out);
        serve_url_component(out, params->items[i].key,
                            strlen(params->items[i].key));
        fputc('=', out);
        serve_url_component(out, params->items[i].value,
                            params->items[i].value_len);
    }
    FUZZ_CHECK(fclose(out) == 0);
    serve_params_t again;
    serve_error_t err;
    FUZZ_CHECK(serve_params_parse(&again, text, len, &err) == 0);
    FUZZ_CHECK(again.n == params->n);
    for (size_t i = 0; i < params->n; i++) {
        FUZZ_CHECK(strcmp(again.items[i].key, params->items[i].key) == 0);
        FUZZ_CHECK(again.items[i].value_len == params->items[i].value_len);
        FUZZ_CHECK(memcmp(again.items[i].value, params->items[i].value,
                          params->items[i].value_len) == 0);
    }
    serve_params_free(&again);
    free(text);
}

static void check_search(const serve_params_t *params, bool strict)
{
    serve_search_t search;
    serve_error_t err;
    if (serve_search_from_params(&search, params, strict, &err) != 0) {
        FUZZ_CHECK(err.http_status == 400 && err.message[0]);
        return;
    }
    FUZZ_CHECK(search.options.limit <= SERVE_MAX_LIMIT);
    FUZZ_CHECK(search.options.offset + search.options.limit <=
               SERVE_MAX_WINDOW);
    FUZZ_CHECK(search.options.sort == FORUM_SORT_RELEVANCE ||
               search.options.sort == FORUM_SORT_DATE ||
               search.options.sort == FORUM_SORT_FLOOR);
    const serve_param_t *q = serve_params_get(params, "q");
    FUZZ_CHECK(q ? search.q == q->value && search.q_len == q->value_len
                 : search.q == NULL);
}

static void check_thread(const serve_params_t *params, bool strict)
{
    serve_thread_t thread;
    serve_error_t err;
    if (serve_thread_from_params(&thread, params, strict, &err) != 0) {
        FUZZ_CHECK(err.http_status == 400 && err.message[0]);
        return;
    }
    FUZZ_CHECK(thread.id != NULL && thread.id_len > 0 &&
               thread.id_len <= SERVE_MAX_ID_BYTES);
}

static void check_html(const char *data, size_t size)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    FUZZ_CHECK(out != NULL);
    serve_html(out, data, size);
    FUZZ_CHECK(fclose(out) == 0);
    FUZZ_CHECK(fuzz_utf8_valid(text, len));
    static const char *const entities[] = {"&amp;", "&lt;", "&gt;",
                                           "&quot;", "&#39;"};
    for (size_t i = 0; i < len; i++) {
        FUZZ_CHECK(text[i] != '<' && text[i] != '>' && text[i] != '"' &&
                   text[i] != '\'' && text[i] != '\0');
        if (text[i] == '&') {
            int known = 0;
            for (size_t e = 0; e < 5 && !known; e++)
                known = strncmp(text + i, entities[e],
                                strlen(entities[e])) == 0;
            FUZZ_CHECK(known);
        }
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *query = (const char *)data;
    serve_params_t params;
    serve_error_t err;
    if (serve_params_parse(&params, query, size, &err) != 0) {
        check_error(&params, &err);
    } else {
        check_pairs(&params);
        check_round_trip(&params);
        check_search(&params, true);
        check_search(&params, false);
        check_thread(&params, true);
        check_thread(&params, false);
        serve_params_free(&params);
    }
    check_html(query, size);
    return 0;
}
