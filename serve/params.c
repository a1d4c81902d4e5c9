/* forum-serve — request parameters: decoding and limits (params.h). */
#include "params.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inline only: forum-serve links the public library, not its private
 * symbols; this is the project's one definition of valid UTF-8. */
#include "../common/utf8.h"

static int fail(serve_error_t *err, const char *param, const char *fmt, ...)
{
    err->http_status = 400;
    snprintf(err->param, sizeof err->param, "%s", param);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool valid_utf8(const char *s, size_t len)
{
    for (size_t pos = 0; pos < len;) {
        uint32_t cp;
        pos += fsi_utf8_decode(s + pos, len - pos, &cp);
        if (cp == FSI_UTF8_INVALID)
            return false;
    }
    return true;
}

/* A parameter name fit to be quoted in a message: the key itself when it
 * is short and plain ASCII, else "?" (keys are the client's bytes). */
static const char *printable_key(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len >= 32)
        return "?";
    for (size_t i = 0; i < len; i++)
        if (key[i] < 0x21 || key[i] > 0x7E || key[i] == '"' ||
            key[i] == '\\')
            return "?";
    return key;
}

/* Decodes s[0, len) (%HH and '+') into a new NUL-terminated string.
 * what names the part for messages ("q", or "a parameter name"), param
 * the parameter at fault ("" for a name). */
static int decode(char **out, size_t *out_len, const char *s, size_t len,
                  const char *what, const char *param, serve_error_t *err)
{
    *out = NULL;
    char *text = malloc(len + 1);
    if (text == NULL) {
        err->http_status = 503;
        snprintf(err->param, sizeof err->param, "%s", "");
        snprintf(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < len ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(text);
                return fail(err, param, "%s: '%%' must be followed by two "
                            "hexadecimal digits", what);
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            free(text);
            return fail(err, param, "%s: a NUL byte (%%00) is not allowed",
                        what);
        }
        text[n++] = c;
    }
    text[n] = '\0';
    if (!valid_utf8(text, n)) {
        free(text);
        return fail(err, param, "%s is not valid UTF-8", what);
    }
    *out = text;
    *out_len = n;
    return 0;
}

void serve_params_free(serve_params_t *params)
{
    for (size_t i = 0; i < params->n; i++) {
        free(params->items[i].key);
        free(params->items[i].value);
    }
    params->n = 0;
}

const serve_param_t *serve_params_get(const serve_params_t *params,
                                      const char *key)
{
    for (size_t i = 0; i < params->n; i++)
        if (strcmp(params->items[i].key, key) == 0)
            return &params->items[i];
    return NULL;
}

int serve_params_parse(serve_params_t *out, const char *query, size_t len,
                       serve_error_t *err)
{
    out->n = 0;
    size_t start = 0;
    while (start <= len) {
        const char *amp = memchr(query + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - query) : len;
        if (end > start) {
            const char *pair = query + start;
            size_t pair_len = end - start;
            const char *eq = memchr(pair, '=', pair_len);
            size_t key_len = eq ? (size_t)(eq - pair) : pair_len;
            /* Checked before decoding: a request of a million pairs
             * costs nothing more than one of seventeen. */
            if (out->n == SERVE_MAX_PARAMS) {
                serve_params_free(out);
                return fail(err, "", "more than %d parameters",
                            SERVE_MAX_PARAMS);
            }
            if (key_len > 3 * (size_t)SERVE_MAX_KEY_BYTES) {
                serve_params_free(out);
                return fail(err, "", "a parameter name is longer than %d "
                            "bytes", SERVE_MAX_KEY_BYTES);
            }
            char *key, *value;
            size_t decoded_key_len, value_len;
            if (decode(&key, &decoded_key_len, pair, key_len,
                       "a parameter name", "", err) != 0) {
                serve_params_free(out);
                return -1;
            }
            const char *raw_value = eq ? eq + 1 : pair + pair_len;
            size_t raw_value_len = (size_t)(pair + pair_len - raw_value);
            if (decoded_key_len == 0 ||
                decoded_key_len > SERVE_MAX_KEY_BYTES) {
                free(key);
                serve_params_free(out);
                return fail(err, "", decoded_key_len ? "a parameter name is "
                            "longer than %d bytes" : "a parameter has no "
                            "name", SERVE_MAX_KEY_BYTES);
            }
            if (serve_params_get(out, key) != NULL) {
                fail(err, printable_key(key), "parameter \"%s\" is given "
                     "more than once", printable_key(key));
                free(key);
                serve_params_free(out);
                return -1;
            }
            /* Every value the server reads fits in SERVE_MAX_Q_BYTES;
             * %HH makes three bytes of one, so a longer raw value may
             * still decode short enough. */
            if (raw_value_len > 3 * (size_t)SERVE_MAX_Q_BYTES) {
                fail(err, printable_key(key), "parameter \"%s\" is longer "
                     "than %d bytes", printable_key(key), SERVE_MAX_Q_BYTES);
                free(key);
                serve_params_free(out);
                return -1;
            }
            if (decode(&value, &value_len, raw_value, raw_value_len,
                       printable_key(key), printable_key(key), err) != 0) {
                free(key);
                serve_params_free(out);
                return -1;
            }
            if (value_len > SERVE_MAX_Q_BYTES) {
                fail(err, printable_key(key), "parameter \"%s\" is longer "
                     "than %d bytes", printable_key(key), SERVE_MAX_Q_BYTES);
                free(key);
                free(value);
                serve_params_free(out);
                return -1;
            }
            out->items[out->n].key = key;
            out->items[out->n].value = value;
            out->items[out->n].value_len = value_len;
            out->n++;
        }
        start = end + 1;
    }
    return 0;
}

/* A count in [0, max]; -1 on anything else (signs, spaces, overflow). */
static long long parse_count(const char *s, long long max)
{
    if (*s == '\0')
        return -1;
    long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "on", "yes"};
    static const char *const no[] = {"0", "false", "off", "no", ""};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (strcmp(s, yes[i]) == 0)
            return *out = true, 0;
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (strcmp(s, no[i]) == 0)
            return *out = false, 0;
    return -1;
}

static int check_known(const serve_params_t *params,
                       const char *const *known, size_t n_known,
                       serve_error_t *err)
{
    for (size_t i = 0; i < params->n; i++) {
        bool found = false;
        for (size_t k = 0; k < n_known && !found; k++)
            found = strcmp(params->items[i].key, known[k]) == 0;
        if (!found) {
            const char *key = printable_key(params->items[i].key);
            return fail(err, key, "unknown parameter \"%s\"", key);
        }
    }
    return 0;
}

int serve_search_from_params(serve_search_t *out,
                             const serve_params_t *params, bool strict,
                             serve_error_t *err)
{
    static const char *const known[] = {"q", "limit", "offset", "posts",
                                        "sort", "scope"};
    forum_search_options_t defaults = FORUM_SEARCH_OPTIONS_INIT;
    out->q = NULL;
    out->q_len = 0;
    out->options = defaults;
    out->options.limit = SERVE_DEFAULT_LIMIT;
    if (strict && check_known(params, known, 6, err) != 0)
        return -1;

    const serve_param_t *p = serve_params_get(params, "q");
    if (p) {
        out->q = p->value;
        out->q_len = p->value_len;
    }
    long long limit = SERVE_DEFAULT_LIMIT, offset = 0;
    if ((p = serve_params_get(params, "limit")) != NULL &&
        (limit = parse_count(p->value, SERVE_MAX_LIMIT)) < 0)
        return fail(err, "limit", "limit must be a whole number from 0 to "
                    "%d", SERVE_MAX_LIMIT);
    if ((p = serve_params_get(params, "offset")) != NULL &&
        (offset = parse_count(p->value, SERVE_MAX_WINDOW)) < 0)
        return fail(err, "offset", "offset must be a whole number from 0 "
                    "to %d", SERVE_MAX_WINDOW);
    if (offset + limit > SERVE_MAX_WINDOW)
        return fail(err, "offset", "offset + limit must be at most %d",
                    SERVE_MAX_WINDOW);
    out->options.limit = (size_t)limit;
    out->options.offset = (size_t)offset;

    bool posts = false;
    if ((p = serve_params_get(params, "posts")) != NULL &&
        parse_bool(p->value, &posts) != 0)
        return fail(err, "posts", "posts must be 1 or 0 (true, false, on, "
                    "off)");
    out->options.collapse_threads = !posts;

    if ((p = serve_params_get(params, "sort")) != NULL) {
        if (strcmp(p->value, "relevance") == 0 || p->value[0] == '\0')
            out->options.sort = FORUM_SORT_RELEVANCE;
        else if (strcmp(p->value, "date") == 0)
            out->options.sort = FORUM_SORT_DATE;
        else if (strcmp(p->value, "floor") == 0)
            out->options.sort = FORUM_SORT_FLOOR;
        else
            return fail(err, "sort", "sort must be relevance, date or "
                        "floor");
    }
    if ((p = serve_params_get(params, "scope")) != NULL) {
        if (strcmp(p->value, "post") == 0 || p->value[0] == '\0')
            out->options.scope = FORUM_SCOPE_POST;
        else if (strcmp(p->value, "thread") == 0)
            out->options.scope = FORUM_SCOPE_THREAD;
        else
            return fail(err, "scope", "scope must be post or thread");
    }
    return 0;
}

int serve_thread_from_params(serve_thread_t *out,
                             const serve_params_t *params, bool strict,
                             serve_error_t *err)
{
    static const char *const known[] = {"id", "q"};
    out->id = NULL;
    out->id_len = 0;
    out->q = NULL;
    out->q_len = 0;
    if (strict && check_known(params, known, 2, err) != 0)
        return -1;
    const serve_param_t *p = serve_params_get(params, "id");
    if (p == NULL || p->value_len == 0)
        return fail(err, "id", "id (a thread id) is required");
    if (p->value_len > SERVE_MAX_ID_BYTES)
        return fail(err, "id", "id is longer than %d bytes",
                    SERVE_MAX_ID_BYTES);
    out->id = p->value;
    out->id_len = p->value_len;
    if ((p = serve_params_get(params, "q")) != NULL) {
        out->q = p->value;
        out->q_len = p->value_len;
    }
    return 0;
}
