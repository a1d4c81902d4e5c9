/* forumsearch — JSON Lines threads (fsi_jsonl_parse).
 *
 * One line holds one thread:
 *
 *   {"id": "board/123", "board": "tech", "title": "...", "source": "...",
 *    "date": "2025-01-22T10:00:00Z",
 *    "posts": [{"floor": 0, "author": "...", "date": "...",
 *               "text": "..."}, ...]}
 *
 * Required: "id" (a non-empty string) and "posts" (an array); each post
 * needs "floor" (an integer >= 0) and "text" (a string). A missing
 * "title" is a warning (the title is then ""). Everything else is
 * optional: null counts as absent, absent strings stay NULL in the
 * thread, and unknown keys (such as "views" and "url", which nothing
 * uses) are ignored. Dates are read by fsi_date_parse() (date.h).
 *
 * A line is first parsed by a strict RFC 8259 parser (no extensions,
 * nesting limited to 64 levels, strings must be valid UTF-8, "\u0000" is
 * dropped because our strings are NUL-terminated, and an unpaired
 * surrogate escape becomes U+FFFD) into a small tree that holds only
 * the members the thread schema uses; then the thread is taken out of
 * the tree. Taking the strings instead of copying them keeps a 10 MB
 * post from being held twice.
 *
 * Why our own parser and not Debian's json-c (0.16) or yajl (2.1)
 * (issue 11, measured on 35 MB of generated forum JSON Lines: 3,000
 * threads of 10 CJK posts, a tenth of them \u-escaped; CPU time per
 * pass, best of six, on a loaded 2-core machine, so +-20%; each library
 * also builds the same fsi_thread_t):
 *
 *   - Speed: ours 190 ms (before issue 11, which made strings copy in
 *     runs: 300 ms), yajl 165-210 ms, json-c 230-300 ms. A tie with
 *     yajl, ahead of json-c.
 *   - Error quality: ours says "line 5: invalid JSON at column 12:
 *     expected ',' or '}'". json-c gives a byte offset and a phrase
 *     ("object value separator ',' expected"), but reports an
 *     unterminated string at offset 1, and even with
 *     JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 accepts a raw
 *     tab in a string, "1.", NaN and UTF-8-encoded surrogates
 *     (ED A0 80). yajl's tree API gives no offset, only a multi-line
 *     English message with a "(right here) ------^" arrow, needs each
 *     line copied to add a NUL, and also accepts encoded surrogates.
 *     Neither reports a repeated key (json-c keeps the last silently),
 *     which we warn about.
 *   - Code: the JSON syntax part below is ~480 lines of code (580 with
 *     comments) of this file's ~820; the other ~330 read the thread and
 *     stay whatever parses. A library would replace the 480 with ~250
 *     lines of glue (type checks, a UTF-8 check of every string, error
 *     mapping, duplicate detection) and lose the schema's dropping of
 *     unknown members, and would add a build dependency.
 *
 * So we keep ours: no faster, worse errors, laxer, and a net saving of
 * about 230 lines does not pay for a new dependency.
 */
#include "fsi_input.h"
#include "fsi_limits.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "utf8.h"

#define JSON_MAX_DEPTH 64

/* ------------------------------------------------------------------ */
/* The JSON tree                                                      */
/* ------------------------------------------------------------------ */

typedef enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type_t;

typedef struct json_value json_value_t;
typedef struct json_member json_member_t;

struct json_value {
    json_type_t type;
    union {
        struct {
            char *chars;      /* Decoded UTF-8, NUL-terminated; NULL
                                 when the schema did not keep it. */
            size_t len;
        } string;
        struct {
            const char *text; /* The literal, inside the line. */
            size_t len;
        } number;
        struct {
            json_value_t *items;
            size_t n;
        } array;
        struct {
            json_member_t *members;
            size_t n;
        } object;
    };
};

struct json_member {
    char *key;
    size_t key_len;
    json_value_t value;
};

static void json_free(json_value_t *value)
{
    switch (value->type) {
    case JSON_STRING:
        free(value->string.chars);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < value->array.n; i++)
            json_free(&value->array.items[i]);
        free(value->array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < value->object.n; i++) {
            free(value->object.members[i].key);
            json_free(&value->object.members[i].value);
        }
        free(value->object.members);
        break;
    default:
        break;
    }
    value->type = JSON_NULL;
}

/* ------------------------------------------------------------------ */
/* What to keep                                                       */
/* ------------------------------------------------------------------ */

/* The parser keeps only what the thread schema uses: everything else is
 * checked for syntax and dropped on the spot, so an unknown key holding
 * megabytes of numbers costs no memory. A dropped value still records
 * its type (an object with no members, a string with no text), which
 * is all a type check needs. A NULL schema keeps nothing. */
typedef struct json_schema json_schema_t;

typedef struct json_schema_key {
    const char *name;
    const json_schema_t *schema;
} json_schema_key_t;

struct json_schema {
    bool keep_string;              /* Store the text of a string. */
    const json_schema_key_t *keys; /* Object members to keep; NULL: none. */
    const json_schema_t *items;    /* Schema of array items; NULL: none. */
};

static const json_schema_t scalar_schema = {true, NULL, NULL};

static const json_schema_key_t post_keys[] = {
    {"floor", &scalar_schema}, {"author", &scalar_schema},
    {"date", &scalar_schema},  {"text", &scalar_schema},
    {NULL, NULL}};

static const json_schema_t post_schema = {false, post_keys, NULL};
static const json_schema_t posts_schema = {false, NULL, &post_schema};

static const json_schema_key_t thread_keys[] = {
    {"id", &scalar_schema},     {"board", &scalar_schema},
    {"title", &scalar_schema},  {"source", &scalar_schema},
    {"date", &scalar_schema},   {"posts", &posts_schema},
    {NULL, NULL}};

static const json_schema_t thread_schema = {false, thread_keys, NULL};

/* The schema of member `key` of an object read with `schema`. */
static const json_schema_t *member_schema(const json_schema_t *schema,
                                          const char *key, size_t key_len)
{
    if (schema == NULL || schema->keys == NULL)
        return NULL;
    for (const json_schema_key_t *k = schema->keys; k->name != NULL; k++)
        if (strlen(k->name) == key_len && memcmp(k->name, key, key_len) == 0)
            return k->schema;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The parser                                                         */
/* ------------------------------------------------------------------ */

typedef struct json_parser {
    const char *text;
    size_t len;
    size_t pos;
    int depth;
    const char *error;    /* Static text; NULL while all is well. */
    size_t error_pos;
    bool out_of_memory;
} json_parser_t;

static bool parse_value(json_parser_t *p, json_value_t *out,
                        const json_schema_t *schema);

static bool fail_at(json_parser_t *p, size_t pos, const char *message)
{
    if (p->error == NULL) {
        p->error = message;
        p->error_pos = pos;
    }
    return false;
}

static bool fail(json_parser_t *p, const char *message)
{
    return fail_at(p, p->pos, message);
}

static bool fail_memory(json_parser_t *p)
{
    p->out_of_memory = true;
    return fail(p, "out of memory");
}

static void skip_whitespace(json_parser_t *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static bool at(const json_parser_t *p, char c)
{
    return p->pos < p->len && p->text[p->pos] == c;
}

/* Grows *items (of item_size bytes each) so that one more fits. */
static bool grow(void **items, size_t n, size_t *cap, size_t item_size)
{
    assert(n <= *cap);
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 4;
    if (new_cap > SIZE_MAX / item_size)
        return false;
    void *grown = realloc(*items, new_cap * item_size);
    if (grown == NULL)
        return false;
    *items = grown;
    *cap = new_cap;
    return true;
}

/* Reads the four hex digits of a \u escape at `pos`. */
static bool read_hex4(const json_parser_t *p, size_t pos, unsigned long *out)
{
    if (p->len - pos < 4)
        return false;
    unsigned long value = 0;
    for (size_t i = 0; i < 4; i++) {
        char c = p->text[pos + i];
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = value * 16 + (unsigned long)digit;
    }
    *out = value;
    return true;
}

/* Decodes the \u escape whose hex digits start at p->pos into out,
 * together with a low surrogate escape that follows a high one. An
 * unpaired surrogate becomes U+FFFD. *n is the number of bytes written:
 * 0 for U+0000, which we drop. */
static bool decode_unicode_escape(json_parser_t *p, char *out, size_t *n)
{
    unsigned long cp;
    if (!read_hex4(p, p->pos, &cp))
        return fail(p, "invalid \\u escape");
    p->pos += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned long low;
        if (p->len - p->pos >= 2 && p->text[p->pos] == '\\'
            && p->text[p->pos + 1] == 'u' && read_hex4(p, p->pos + 2, &low)
            && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p->pos += 6;
        } else {
            cp = 0xFFFD;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    *n = cp == 0 ? 0 : fsi_utf8_encode((uint32_t)cp, out);
    return true;
}

/* Decodes one escape; p->pos is at the backslash. */
static bool decode_escape(json_parser_t *p, char *out, size_t *n)
{
    if (p->pos + 1 >= p->len)
        return fail(p, "unterminated string");
    char c = p->text[p->pos + 1];
    const char *simple_from = "\"\\/bfnrt";
    const char *simple_to = "\"\\/\b\f\n\r\t";
    const char *found = c != '\0' ? strchr(simple_from, c) : NULL;
    if (found != NULL) {
        *out = simple_to[found - simple_from];
        *n = 1;
        p->pos += 2;
        return true;
    }
    if (c != 'u')
        return fail(p, "invalid escape");
    p->pos += 2;
    return decode_unicode_escape(p, out, n);
}

/* Finds the end of the string starting at p->pos (the opening quote)
 * without decoding it, to size the buffer: the decoded text is never
 * longer than the escaped one. A quote ends the string unless an odd
 * number of backslashes stands before it. */
static bool measure_string(json_parser_t *p, size_t *raw_len)
{
    size_t first = p->pos + 1;
    for (size_t i = first;;) {
        const char *quote = memchr(p->text + i, '"', p->len - i);
        if (quote == NULL)
            return fail_at(p, p->len, "unterminated string");
        size_t end = (size_t)(quote - p->text), backslashes = 0;
        while (end - backslashes > first &&
               p->text[end - backslashes - 1] == '\\')
            backslashes++;
        if (backslashes % 2 == 0) {
            *raw_len = end - first;
            return true;
        }
        i = end + 1;
    }
}

/* Length of the run at p->pos of characters that stand for themselves
 * in a string: up to the next quote, backslash or control character.
 * Invalid UTF-8 ends the run and fails the parse. */
static size_t plain_run(json_parser_t *p, bool *ok)
{
    const char *s = p->text + p->pos;
    size_t avail = p->len - p->pos, i = 0;
    while (i < avail) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = fsi_utf8_decode(s + i, avail - i, &cp);
        if (cp == FSI_UTF8_INVALID) {
            *ok = fail_at(p, p->pos + i, "invalid UTF-8 in string");
            break;
        }
        i += n;
    }
    return i;
}

/* Parses the string at p->pos (the opening quote). With chars_out NULL
 * the string is only checked. */
static bool parse_string(json_parser_t *p, char **chars_out, size_t *len_out)
{
    size_t raw_len;
    if (!measure_string(p, &raw_len))
        return false;
    char *buf = NULL;
    if (chars_out != NULL && (buf = malloc(raw_len + 1)) == NULL)
        return fail_memory(p);

    size_t n = 0;
    bool ok = true;
    p->pos++;
    /* measure_string() found the closing quote, so it stops the loop. */
    while (ok && p->text[p->pos] != '"') {
        unsigned char c = (unsigned char)p->text[p->pos];
        const char *piece = p->text + p->pos;
        size_t piece_len = 0;
        char decoded[4];
        if (c == '\\') {
            ok = decode_escape(p, decoded, &piece_len);
            piece = decoded;
        } else if (c < 0x20) {
            ok = fail(p, "control character in string");
        } else {
            piece_len = plain_run(p, &ok);
            p->pos += piece_len;
        }
        if (ok && buf != NULL) {
            assert(n + piece_len <= raw_len);
            memcpy(buf + n, piece, piece_len);
            n += piece_len;
        }
    }
    if (!ok) {
        free(buf);
        return false;
    }
    p->pos++;
    if (buf != NULL) {
        buf[n] = '\0';
        *chars_out = buf;
        *len_out = n;
    }
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool parse_number(json_parser_t *p, json_value_t *out)
{
    size_t start = p->pos;
    if (at(p, '-'))
        p->pos++;
    if (at(p, '0')) {
        p->pos++;
    } else if (p->pos < p->len && is_digit(p->text[p->pos])) {
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    } else {
        return fail(p, "invalid number");
    }
    if (at(p, '.')) {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos]))
            return fail(p, "invalid number");
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    if (at(p, 'e') || at(p, 'E')) {
        p->pos++;
        if (at(p, '+') || at(p, '-'))
            p->pos++;
        if (p->pos >= p->len || !is_digit(p->text[p->pos]))
            return fail(p, "invalid number");
        while (p->pos < p->len && is_digit(p->text[p->pos]))
            p->pos++;
    }
    out->type = JSON_NUMBER;
    out->number.text = p->text + start;
    out->number.len = p->pos - start;
    return true;
}

static bool parse_literal(json_parser_t *p, json_value_t *out)
{
    static const struct {
        const char *word;
        json_type_t type;
    } literals[] = {
        {"true", JSON_TRUE}, {"false", JSON_FALSE}, {"null", JSON_NULL}};
    for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++) {
        size_t n = strlen(literals[i].word);
        if (p->len - p->pos >= n
            && memcmp(p->text + p->pos, literals[i].word, n) == 0) {
            p->pos += n;
            out->type = literals[i].type;
            return true;
        }
    }
    return fail(p, "expected a value");
}

/* Steps over the opening bracket at p->pos; true when the container is
 * empty, its closing bracket `close` then consumed too. */
static bool open_is_empty(json_parser_t *p, char close)
{
    p->pos++;
    skip_whitespace(p);
    if (!at(p, close))
        return false;
    p->pos++;
    return true;
}

/* After an item of a container closed by `close`: 1 when the closing
 * bracket follows (consumed), 0 after a comma (consumed), -1 (failed)
 * on anything else. */
static int after_item(json_parser_t *p, char close)
{
    skip_whitespace(p);
    if (at(p, close)) {
        p->pos++;
        return 1;
    }
    if (!at(p, ',')) {
        fail(p, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
        return -1;
    }
    p->pos++;
    return 0;
}

/* Parses an array; items are kept only when the schema says how. */
static bool parse_array(json_parser_t *p, json_value_t *out,
                        const json_schema_t *schema)
{
    const json_schema_t *item_schema = schema ? schema->items : NULL;
    size_t cap = 0;
    out->type = JSON_ARRAY;
    out->array.items = NULL;
    out->array.n = 0;
    if (open_is_empty(p, ']'))
        return true;
    for (;;) {
        json_value_t dropped;
        json_value_t *item = &dropped;
        if (item_schema != NULL) {
            if (!grow((void **)&out->array.items, out->array.n, &cap,
                      sizeof(json_value_t)))
                return fail_memory(p);
            item = &out->array.items[out->array.n];
        }
        bool ok = parse_value(p, item, item_schema);
        if (!ok || item == &dropped) {
            json_free(item);
            if (!ok)
                return false;
        } else {
            out->array.n++;
        }
        int closed = after_item(p, ']');
        if (closed != 0)
            return closed > 0;
    }
}

/* Parses `"key": value`; *keep says whether the schema wants it, in
 * which case the key and value are stored in *member. */
static bool parse_member(json_parser_t *p, json_member_t *member,
                         const json_schema_t *schema, bool *keep)
{
    skip_whitespace(p);
    if (!at(p, '"'))
        return fail(p, "expected a string key");
    if (!parse_string(p, &member->key, &member->key_len))
        return false;
    const json_schema_t *value_schema = member_schema(schema, member->key,
                                                      member->key_len);
    *keep = value_schema != NULL;
    skip_whitespace(p);
    if (!at(p, ':')) {
        free(member->key);
        return fail(p, "expected ':'");
    }
    p->pos++;
    bool ok = parse_value(p, &member->value, value_schema);
    if (!ok || !*keep) {
        /* A failed value is freed here, like a dropped one. */
        json_free(&member->value);
        free(member->key);
        member->key = NULL;
    }
    return ok;
}

/* Parses an object; members are kept only when the schema names them. */
static bool parse_object(json_parser_t *p, json_value_t *out,
                         const json_schema_t *schema)
{
    size_t cap = 0;
    out->type = JSON_OBJECT;
    out->object.members = NULL;
    out->object.n = 0;
    if (open_is_empty(p, '}'))
        return true;
    for (;;) {
        json_member_t member;
        bool keep;
        if (!parse_member(p, &member, schema, &keep))
            return false;
        if (keep) {
            if (!grow((void **)&out->object.members, out->object.n, &cap,
                      sizeof(json_member_t))) {
                free(member.key);
                json_free(&member.value);
                return fail_memory(p);
            }
            out->object.members[out->object.n++] = member;
        }
        int closed = after_item(p, '}');
        if (closed != 0)
            return closed > 0;
    }
}

/* Parses one value into *out, keeping what `schema` asks for. On
 * failure *out holds whatever was built so far, which the caller
 * releases with json_free(): each container frees its own complete
 * children, and its parent frees the container. */
static bool parse_value(json_parser_t *p, json_value_t *out,
                        const json_schema_t *schema)
{
    out->type = JSON_NULL;
    skip_whitespace(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of line");

    char c = p->text[p->pos];
    if (c == '{' || c == '[') {
        if (p->depth == JSON_MAX_DEPTH)
            return fail(p, "nested deeper than 64 levels");
        p->depth++;
        bool ok = c == '{' ? parse_object(p, out, schema)
                           : parse_array(p, out, schema);
        p->depth--;
        assert(p->depth >= 0);
        return ok;
    }
    if (c == '"') {
        bool keep = schema != NULL && schema->keep_string;
        out->type = JSON_STRING;
        out->string.chars = NULL;
        out->string.len = 0;
        return parse_string(p, keep ? &out->string.chars : NULL,
                            &out->string.len);
    }
    if (c == '-' || is_digit(c))
        return parse_number(p, out);
    return parse_literal(p, out);
}

/* Parses a whole line as one JSON value followed by nothing but white
 * space. */
static bool parse_document(json_parser_t *p, json_value_t *out)
{
    if (!parse_value(p, out, &thread_schema))
        return false;
    skip_whitespace(p);
    if (p->pos != p->len)
        return fail(p, "unexpected characters after the JSON value");
    return true;
}

/* ------------------------------------------------------------------ */
/* Reading fields                                                     */
/* ------------------------------------------------------------------ */

/* What the diagnostics of one line need. */
typedef struct line_context {
    fsi_reporter_t rep;
    size_t line;
} line_context_t;

static void report(const line_context_t *ctx, int is_error,
                   const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void report(const line_context_t *ctx, int is_error,
                   const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fsi_vreport(&ctx->rep, ctx->line, is_error, format, args);
    va_end(args);
}

/* The value of `key` in an object (the last one if repeated), or NULL;
 * *count says how often the key occurs. */
static json_value_t *lookup(json_value_t *object, const char *key,
                            size_t *count)
{
    json_value_t *found = NULL;
    size_t key_len = strlen(key);
    *count = 0;
    for (size_t i = 0; i < object->object.n; i++) {
        json_member_t *m = &object->object.members[i];
        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0) {
            found = &m->value;
            (*count)++;
        }
    }
    return found;
}

/* As lookup(), reporting a repeated key: its last value is used, as
 * most JSON readers do. `where` prefixes the message ("" or
 * "posts[3]: "). Call it once per key, so each is reported once. */
static json_value_t *field(json_value_t *object, const char *key,
                           const char *where, const line_context_t *ctx)
{
    size_t count;
    json_value_t *found = lookup(object, key, &count);
    if (count > 1)
        report(ctx, 0, "%sduplicate key \"%s\"; the last one is used", where,
               key);
    return found;
}

/* Takes the string out of the tree: the caller owns it now. */
static char *take_string(json_value_t *value, size_t *len)
{
    char *chars = value->string.chars;
    if (len != NULL)
        *len = value->string.len;
    value->string.chars = NULL;
    value->type = JSON_NULL;
    return chars;
}

/* Reads a non-negative integer literal no larger than max: "3", not
 * "3.0", "-1" or "3e0", which are likely mistakes we should not guess
 * about. */
static bool as_count(const json_value_t *value, int64_t max, int64_t *out)
{
    if (value->type != JSON_NUMBER)
        return false;
    int64_t result = 0;
    for (size_t i = 0; i < value->number.len; i++) {
        char c = value->number.text[i];
        if (!is_digit(c))
            return false;
        if (result > (max - (c - '0')) / 10)
            return false;
        result = result * 10 + (c - '0');
    }
    *out = result;
    return true;
}

/* An optional string field: absent or null leaves *out alone; a string
 * replaces it (freeing the old one); anything else is a warning. */
static bool optional_string(json_value_t *object, const char *key,
                            char **out, const char *where,
                            const line_context_t *ctx)
{
    json_value_t *value = field(object, key, where, ctx);
    if (value == NULL || value->type == JSON_NULL)
        return false;
    if (value->type != JSON_STRING) {
        report(ctx, 0, "%s\"%s\" is not a string; ignored", where, key);
        return false;
    }
    free(*out);
    *out = take_string(value, NULL);
    return true;
}

/* An optional date: a string fsi_date_parse() understands. */
static void optional_date(json_value_t *object, const char *key,
                          int64_t *out, const char *where,
                          const line_context_t *ctx)
{
    json_value_t *value = field(object, key, where, ctx);
    if (value == NULL || value->type == JSON_NULL)
        return;
    if (value->type != JSON_STRING) {
        report(ctx, 0, "%s\"%s\" is not a string; ignored", where, key);
        return;
    }
    const char *chars = value->string.chars;
    size_t len = value->string.len;
    if (fsi_date_parse(out, chars, len) != FORUM_OK) {
        /* Enough to recognise the value, with "…" when it was cut. */
        int shown = fsi_utf8_clip(chars, len, 40);
        report(ctx, 0, "%scannot read \"%s\" \"%.*s%s\"; ignored", where,
               key, shown, chars, (size_t)shown < len ? "…" : "");
    }
}

/* ------------------------------------------------------------------ */
/* Posts                                                              */
/* ------------------------------------------------------------------ */

/* A post that passed the checks, before sorting by floor. */
typedef struct post_ref {
    int floor;
    size_t index;   /* Its place in the "posts" array. */
} post_ref_t;

static int compare_post_refs(const void *a, const void *b)
{
    const post_ref_t *x = a, *y = b;
    if (x->floor != y->floor)
        return x->floor < y->floor ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Checks the required fields of posts[index]; reports and returns false
 * when the post must be skipped. */
static bool check_post(json_value_t *post, size_t index, int *floor_out,
                       const line_context_t *ctx)
{
    char where[48];
    snprintf(where, sizeof where, "posts[%zu]: ", index);
    if (post->type != JSON_OBJECT) {
        report(ctx, 1, "%snot an object; post skipped", where);
        return false;
    }
    json_value_t *floor = field(post, "floor", where, ctx);
    json_value_t *text = field(post, "text", where, ctx);
    int64_t floor_number;
    if (floor == NULL) {
        report(ctx, 1, "%sno \"floor\"; post skipped", where);
        return false;
    }
    if (!as_count(floor, INT_MAX, &floor_number)) {
        report(ctx, 1, "%s\"floor\" is not an integer >= 0; post skipped",
               where);
        return false;
    }
    if (floor_number > FSI_MAX_FLOOR) {
        report(ctx, 1, "%sfloor %lld is out of range; post skipped", where,
               (long long)floor_number);
        return false;
    }
    if (text == NULL) {
        report(ctx, 1, "%sno \"text\"; post skipped", where);
        return false;
    }
    if (text->type != JSON_STRING) {
        report(ctx, 1, "%s\"text\" is not a string; post skipped", where);
        return false;
    }
    *floor_out = (int)floor_number;
    return true;
}

/* Moves a checked post into the thread. Only FORUM_ENOMEM can fail. */
static forum_status_t add_post(fsi_thread_t *thread, json_value_t *json,
                               const post_ref_t *ref,
                               const line_context_t *ctx)
{
    char where[48];
    snprintf(where, sizeof where, "posts[%zu]: ", ref->index);
    fsi_post_t *post = fsi_thread_add_post(thread);
    if (post == NULL)
        return FORUM_ENOMEM;
    post->floor = ref->floor;
    post->line = ctx->line;
    free(post->text);
    size_t count;
    /* check_post() made sure it is a string and reported duplicates. */
    post->text = take_string(lookup(json, "text", &count), &post->text_len);
    optional_string(json, "author", &post->author, where, ctx);
    optional_date(json, "date", &post->date, where, ctx);
    return FORUM_OK;
}

/* Adds the good posts of `posts` to the thread in floor order. Of two
 * posts with the same floor the first one is kept. */
static forum_status_t add_posts(fsi_thread_t *thread, json_value_t *posts,
                                const line_context_t *ctx)
{
    forum_status_t status = FORUM_OK;
    size_t n = posts->array.n, n_refs = 0;
    post_ref_t *refs = malloc((n ? n : 1) * sizeof *refs);
    if (refs == NULL)
        return FORUM_ENOMEM;

    for (size_t i = 0; i < n; i++) {
        int floor;
        if (check_post(&posts->array.items[i], i, &floor, ctx))
            refs[n_refs++] = (post_ref_t){floor, i};
    }
    qsort(refs, n_refs, sizeof *refs, compare_post_refs);
    for (size_t i = 0; i < n_refs && status == FORUM_OK; i++) {
        if (i > 0 && refs[i].floor == refs[i - 1].floor) {
            report(ctx, 1, "posts[%zu]: floor %d appears twice; the later "
                   "post is dropped", refs[i].index, refs[i].floor);
            continue;
        }
        status = add_post(thread, &posts->array.items[refs[i].index],
                          &refs[i], ctx);
    }
    free(refs);
    return status;
}

/* ------------------------------------------------------------------ */
/* Threads                                                            */
/* ------------------------------------------------------------------ */

/* A missing title is an empty one (reported by read_title()). The other
 * optional strings stay NULL when absent, as thread_parse.c leaves
 * them: the indexer then takes the board from the file's directory
 * (DESIGN.md, "Data model"), which an empty string would prevent. */
static forum_status_t fill_defaults(fsi_thread_t *thread)
{
    if (thread->title == NULL && (thread->title = calloc(1, 1)) == NULL)
        return FORUM_ENOMEM;
    return FORUM_OK;
}

/* Reads "id"; false (reported) when the thread must be skipped. */
static bool read_id(json_value_t *root, fsi_thread_t *thread,
                    const line_context_t *ctx)
{
    json_value_t *id = field(root, "id", "", ctx);
    if (id == NULL || id->type == JSON_NULL) {
        report(ctx, 1, "thread has no \"id\"; skipped");
        return false;
    }
    if (id->type != JSON_STRING) {
        report(ctx, 1, "\"id\" is not a string; thread skipped");
        return false;
    }
    if (id->string.len == 0) {
        report(ctx, 1, "\"id\" is empty; thread skipped");
        return false;
    }
    thread->id = take_string(id, NULL);
    return true;
}

static void read_title(json_value_t *root, fsi_thread_t *thread,
                       const line_context_t *ctx)
{
    size_t count;
    json_value_t *title = lookup(root, "title", &count);
    if (title == NULL || title->type == JSON_NULL)
        report(ctx, 0, "thread has no \"title\"");
    else
        optional_string(root, "title", &thread->title, "", ctx);
}

/* Builds the thread of one parsed line. Returns FORUM_OK with
 * *usable false when the thread was reported and must be skipped. */
static forum_status_t thread_from_json(fsi_thread_t *thread,
                                       json_value_t *root, bool *usable,
                                       const line_context_t *ctx)
{
    *usable = false;
    if (root->type != JSON_OBJECT) {
        report(ctx, 1, "line is not a JSON object; skipped");
        return FORUM_OK;
    }
    if (!read_id(root, thread, ctx))
        return FORUM_OK;
    json_value_t *posts = field(root, "posts", "", ctx);
    if (posts == NULL || posts->type == JSON_NULL) {
        report(ctx, 1, "thread has no \"posts\"; skipped");
        return FORUM_OK;
    }
    if (posts->type != JSON_ARRAY) {
        report(ctx, 1, "\"posts\" is not an array; thread skipped");
        return FORUM_OK;
    }

    read_title(root, thread, ctx);
    optional_string(root, "board", &thread->board, "", ctx);
    optional_string(root, "source", &thread->source, "", ctx);
    optional_date(root, "date", &thread->date, "", ctx);

    forum_status_t status = add_posts(thread, posts, ctx);
    if (status == FORUM_OK)
        status = fill_defaults(thread);
    if (status != FORUM_OK)
        return status;
    if (thread->n_posts == 0) {
        report(ctx, 1, "thread has no usable posts; skipped");
        return FORUM_OK;
    }
    *usable = true;
    return FORUM_OK;
}

/* ------------------------------------------------------------------ */
/* Lines                                                              */
/* ------------------------------------------------------------------ */

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Parses one non-blank line and hands a good thread to on_thread.
 * Returns FORUM_OK (also when the line was reported and skipped),
 * FORUM_ENOMEM, or the callback's nonzero return. */
static forum_status_t parse_line(const char *line, size_t len,
                                 const line_context_t *ctx,
                                 fsi_thread_fn on_thread, void *payload,
                                 size_t *delivered)
{
    forum_status_t status = FORUM_OK;
    json_parser_t parser = {line, len, 0, 0, NULL, 0, false};
    json_value_t root = {.type = JSON_NULL};
    fsi_thread_t thread;
    bool usable = false;

    fsi_thread_init(&thread);
    if (!parse_document(&parser, &root)) {
        if (parser.out_of_memory) {
            status = FORUM_ENOMEM;
            goto out;
        }
        report(ctx, 1, "invalid JSON at column %zu: %s",
               fsi_utf8_column(line, len, parser.error_pos), parser.error);
        goto out;
    }
    status = thread_from_json(&thread, &root, &usable, ctx);
    /* Free the tree before the callback: the thread owns what it needs. */
    json_free(&root);
    if (status != FORUM_OK || !usable)
        goto out;
    int rc = on_thread(payload, &thread);
    if (rc != 0) {
        status = (forum_status_t)rc;
        goto out;
    }
    (*delivered)++;
out:
    json_free(&root);
    fsi_thread_free(&thread);
    return status;
}

forum_status_t fsi_jsonl_parse(const char *path, const char *text, size_t len,
                               fsi_thread_fn on_thread, void *payload,
                               fsi_diag_fn diag, void *diag_payload)
{
    forum_status_t status = FORUM_OK;
    line_context_t ctx = {{path, diag, diag_payload}, 0};
    size_t delivered = 0, non_blank = 0;

    if (text == NULL && len > 0)
        return FORUM_EINVAL;
    for (size_t start = 0; status == FORUM_OK && start < len;) {
        const char *newline = memchr(text + start, '\n', len - start);
        size_t end = newline ? (size_t)(newline - text) : len;
        size_t line_len = end - start;
        ctx.line++;
        /* A CR left by a caller that skipped fsi_text_to_utf8(). */
        if (line_len > 0 && text[end - 1] == '\r')
            line_len--;
        if (!is_blank(text + start, line_len)) {
            non_blank++;
            status = parse_line(text + start, line_len, &ctx, on_thread,
                                payload, &delivered);
        }
        start = end + 1;
    }
    if (status != FORUM_OK)
        return status;
    if (delivered == 0) {
        /* Bad lines were reported one by one; say why when there were
         * none at all. */
        if (non_blank == 0) {
            ctx.line = 0;
            report(&ctx, 1, "empty file: no threads");
        }
        return FORUM_EPARSE;
    }
    return FORUM_OK;
}
