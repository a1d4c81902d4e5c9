/* forumsearch — the query language parser (grammar in query_parse.h).
 *
 * Hand-written recursive descent over a small lexer, because the CJK
 * parts must go through our own analyzer and because errors must point
 * at a column, which Xapian's QueryParser does not offer.
 */
#include "query_parse.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "utf8.h"

typedef enum tok_kind {
    T_END, T_WORD, T_PHRASE, T_LPAREN, T_RPAREN, T_OR, T_AND, T_NOT,
    T_MINUS, T_FIELD
} tok_kind_t;

typedef struct token {
    tok_kind_t kind;
    size_t start, end;      /* Byte range of the token's text. */
    size_t value_start, value_end; /* Word/phrase/field value content. */
    int value_phrase;       /* T_FIELD: the value was quoted. */
    fsi_qkind_t field;      /* T_FIELD. */
} token_t;

typedef struct parser {
    const char *q;
    size_t len, pos;
    token_t tok;            /* Current token. */
    fsi_qerror_t *err;
    int depth;
    size_t nodes;
    forum_status_t status;
} parser_t;

static size_t column_of(const parser_t *p, size_t byte)
{
    return fsi_utf8_column(p->q, p->len, byte < p->len ? byte : p->len);
}

static void fail(parser_t *p, size_t byte, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(parser_t *p, size_t byte, const char *fmt, ...)
{
    if (p->status != FORUM_OK)
        return;
    p->status = FORUM_EQUERY;
    p->err->column = column_of(p, byte);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
}

static int is_space_at(const parser_t *p, size_t pos, size_t *next)
{
    unsigned char c = (unsigned char)p->q[pos];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        *next = pos + 1;
        return 1;
    }
    /* The ideographic space, as typed by Chinese input methods. */
    if (p->len - pos >= 3 && memcmp(p->q + pos, "\xE3\x80\x80", 3) == 0) {
        *next = pos + 3;
        return 1;
    }
    return 0;
}

static int starts(const parser_t *p, size_t pos, const char *s)
{
    size_t n = strlen(s);
    return p->len - pos >= n && memcmp(p->q + pos, s, n) == 0;
}

/* A quote opener at pos: its length and the closer it needs. */
static size_t quote_open(const parser_t *p, size_t pos, const char **closer)
{
    if (p->q[pos] == '"') {
        *closer = "\"";
        return 1;
    }
    if (starts(p, pos, "\xE2\x80\x9C")) { /* “ */
        *closer = "\xE2\x80\x9D";          /* ” */
        return 3;
    }
    return 0;
}

/* Reads a quoted phrase whose opener is at pos. */
static int read_phrase(parser_t *p, size_t pos, token_t *t)
{
    const char *closer = "\"";
    size_t open = quote_open(p, pos, &closer);
    size_t i = pos + open;
    while (i < p->len && !starts(p, i, closer))
        i++;
    if (i >= p->len) {
        fail(p, pos, "unbalanced quote: no closing %s", closer);
        return -1;
    }
    t->value_start = pos + open;
    t->value_end = i;
    t->end = i + strlen(closer);
    return 0;
}

/* "|" or the full-width "｜" of Chinese input methods: OR, wherever it
 * is written (川普|拜登 is 川普 | 拜登). Returns its length. */
static size_t bar_at(const parser_t *p, size_t pos)
{
    if (pos < p->len && p->q[pos] == '|')
        return 1;
    return pos < p->len && starts(p, pos, "\xEF\xBD\x9C") ? 3 : 0;
}

static int word_char_at(const parser_t *p, size_t pos)
{
    size_t next;
    const char *closer = "\"";
    return pos < p->len && !is_space_at(p, pos, &next) &&
           p->q[pos] != '(' && p->q[pos] != ')' && !bar_at(p, pos) &&
           !quote_open(p, pos, &closer);
}

static int field_named(const char *s, size_t n, fsi_qkind_t *kind)
{
    static const struct {
        const char *name;
        fsi_qkind_t kind;
    } fields[] = {
        {"author", FSI_Q_AUTHOR}, {"title", FSI_Q_TITLE},
        {"board", FSI_Q_BOARD},   {"thread", FSI_Q_THREAD},
        {"floor", FSI_Q_FLOOR},   {"date", FSI_Q_DATE},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, s, n) == 0) {
            *kind = fields[i].kind;
            return 1;
        }
    return 0;
}

/* board:news|tech reads as board:news OR the word "tech", which is
 * not what anyone means: a word glued to "field:value|" is an error
 * unless it is a field itself (board:news|board:tech). */
static int bar_right_after_field(parser_t *p, const token_t *t,
                                 size_t name_len)
{
    size_t bar = bar_at(p, t->end);
    if (t->value_phrase || bar == 0)
        return 0;
    size_t word = t->end + bar, end = word;
    while (word_char_at(p, end))
        end++;
    if (end == word)
        return 0;
    const char *colon = memchr(p->q + word, ':', end - word);
    fsi_qkind_t kind;
    if (colon && field_named(p->q + word, (size_t)(colon - p->q - word),
                             &kind))
        return 0;
    const char *w = p->q + t->start;
    int field_len = fsi_utf8_clip(w, t->end - t->start, 40);
    int word_len = fsi_utf8_clip(p->q + word, end - word, 40);
    fail(p, word, "\"%.*s\" after \"%.*s|\" would be searched as a word: "
         "write %.*s|%.*s:%.*s for either, or put spaces around | to "
         "search for the word", word_len, p->q + word, field_len, w,
         field_len, w, (int)name_len, w, word_len, p->q + word);
    return 1;
}

/* The quoted phrase at p->pos. */
static void phrase_token(parser_t *p, token_t *t)
{
    size_t next;
    t->kind = T_PHRASE;
    if (read_phrase(p, p->pos, t) != 0)
        return;
    p->pos = t->end;
    /* Quotes around nothing (or only spaces) would search for nothing
     * at all. */
    size_t i = t->value_start;
    while (i < t->value_end && is_space_at(p, i, &next))
        i = next;
    if (i >= t->value_end)
        fail(p, t->start, "empty phrase: put the text to search for "
             "between the quotes");
}

/* Checks the '-' that starts a token at p->pos: it negates what
 * follows it directly (a word, a parenthesis or a phrase), and alone it
 * is a negation missing its term, not text. Inside a word ("gpt-4") a
 * minus is text, but that never comes here. -1 (failed) when alone. */
static int minus_at(parser_t *p)
{
    size_t at = p->pos + 1, next;
    const char *closer;
    if (at == p->len || is_space_at(p, at, &next) || p->q[at] == ')' ||
        bar_at(p, at)) {
        fail(p, p->pos, "- needs a term right after it (quote \"-\" to "
             "search for it)");
        return -1;
    }
    assert(word_char_at(p, at) || p->q[at] == '(' ||
           quote_open(p, at, &closer));
    (void)closer;
    return 0;
}

/* Makes the word token t a field:value whose name (name_len bytes of
 * ASCII letters) is followed by a colon. The value is the rest of the
 * word or a quoted phrase right after the colon. -1 after failing. */
static int field_token(parser_t *p, token_t *t, size_t name_len)
{
    const char *w = p->q + t->start;
    const char *closer;
    if (!field_named(w, name_len, &t->field)) {
        fail(p, t->start, "unknown field \"%.*s\" (fields: author, title, "
             "board, thread, floor, date; quote the word to search for "
             "it)", fsi_utf8_clip(w, name_len, 40), w);
        return -1;
    }
    t->kind = T_FIELD;
    size_t value = t->start + name_len + 1;
    if (value < p->len && quote_open(p, value, &closer)) {
        token_t phrase = *t;
        if (read_phrase(p, value, &phrase) != 0)
            return -1;
        t->value_start = phrase.value_start;
        t->value_end = phrase.value_end;
        t->end = phrase.end;
        t->value_phrase = 1;
    } else {
        t->value_start = value;
    }
    if (t->value_start == t->value_end) {
        fail(p, t->start, "field \"%.*s\" needs a value",
             fsi_utf8_clip(w, name_len, 40), w);
        return -1;
    }
    return bar_right_after_field(p, t, name_len) ? -1 : 0;
}

/* The word at p->pos: an operator (upper case only: and, or, not are
 * words), a field:value, or a word to search for. */
static void word_token(parser_t *p, token_t *t)
{
    size_t end = p->pos;
    while (word_char_at(p, end))
        end++;
    assert(end > p->pos);
    t->kind = T_WORD;
    t->value_start = p->pos;
    t->value_end = end;
    t->end = end;

    size_t n = end - p->pos;
    const char *w = p->q + p->pos;
    if (n == 2 && memcmp(w, "OR", 2) == 0)
        t->kind = T_OR;
    else if (n == 3 && memcmp(w, "AND", 3) == 0)
        t->kind = T_AND;
    else if (n == 3 && memcmp(w, "NOT", 3) == 0)
        t->kind = T_NOT;

    /* A field name is ASCII letters before a colon. */
    const char *colon = memchr(w, ':', n);
    if (t->kind == T_WORD && colon && colon > w) {
        size_t name_len = (size_t)(colon - w);
        int letters = 1;
        for (size_t i = 0; i < name_len; i++)
            if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z')))
                letters = 0;
        if (letters && field_token(p, t, name_len) != 0)
            return;
    }
    p->pos = t->end;
}

/* Reads the token at p->pos into p->tok and moves past it. After a
 * failure p->status says so and the token is not to be used. */
static void next_token(parser_t *p)
{
    token_t *t = &p->tok;
    size_t next;
    while (p->pos < p->len && is_space_at(p, p->pos, &next))
        p->pos = next;
    memset(t, 0, sizeof *t);
    t->start = p->pos;
    if (p->pos >= p->len) {
        t->kind = T_END;
        t->end = p->pos;
        return;
    }
    const char *closer;
    char c = p->q[p->pos];
    size_t bar = bar_at(p, p->pos);
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        t->end = ++p->pos;
    } else if (bar) {
        t->kind = T_OR;
        p->pos += bar;
        t->end = p->pos;
    } else if (quote_open(p, p->pos, &closer)) {
        phrase_token(p, t);
    } else if (c == '-') {
        if (minus_at(p) == 0) {
            t->kind = T_MINUS;
            t->end = ++p->pos;
        }
    } else {
        word_token(p, t);
    }
}

static fsi_qnode_t *new_node(parser_t *p, fsi_qkind_t kind, size_t byte)
{
    if (++p->nodes > FSI_MAX_QUERY_NODES) {
        fail(p, byte, "query has more than %d parts", FSI_MAX_QUERY_NODES);
        return NULL;
    }
    fsi_qnode_t *n = calloc(1, sizeof *n);
    if (n == NULL) {
        p->status = FORUM_ENOMEM;
        return NULL;
    }
    n->kind = kind;
    n->lo = INT64_MIN;
    n->hi = INT64_MAX;
    n->column = column_of(p, byte);
    return n;
}

static int add_kid(parser_t *p, fsi_qnode_t *parent, fsi_qnode_t *kid)
{
    fsi_qnode_t **grown = realloc(parent->kids,
                                  (parent->n_kids + 1) * sizeof *grown);
    if (grown == NULL) {
        p->status = FORUM_ENOMEM;
        fsi_qnode_free(kid);
        return -1;
    }
    parent->kids = grown;
    parent->kids[parent->n_kids++] = kid;
    return 0;
}

static int set_text(parser_t *p, fsi_qnode_t *n, size_t start, size_t end)
{
    n->text = malloc(end - start + 1);
    if (n->text == NULL) {
        p->status = FORUM_ENOMEM;
        return -1;
    }
    memcpy(n->text, p->q + start, end - start);
    n->text[end - start] = '\0';
    n->text_len = end - start;
    return 0;
}

static int parse_int(const char *s, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* A byte range of the query. */
typedef struct span {
    size_t start, end;
} span_t;

/* One end of a floor range. */
static int floor_bound(parser_t *p, span_t b, int64_t *out)
{
    const char *s = p->q + b.start;
    if (parse_int(s, b.end - b.start, out) == 0)
        return 0;
    fail(p, b.start, "floor \"%.*s\" is not a number",
         fsi_utf8_clip(s, b.end - b.start, 40), s);
    return -1;
}

/* One end of a date range: the period it names (date.h), the error at
 * the part of the date that is wrong. */
static int date_bound(parser_t *p, span_t b, int64_t *first, int64_t *last)
{
    const char *s = p->q + b.start;
    fsi_date_error_t err;
    if (fsi_date_parse_period(first, last, s, b.end - b.start, &err) ==
        FORUM_OK)
        return 0;
    fail(p, b.start + err.offset, "bad date \"%.*s\": %s",
         fsi_utf8_clip(s, b.end - b.start, 40), s, err.message);
    return -1;
}

/* floor:N, floor:A..B, floor:A.., floor:..B and the same for date:
 * lo and hi are the bounds as written (either may be empty), dots
 * whether ".." was, whole the text to quote in messages. */
static int parse_range(parser_t *p, fsi_qnode_t *n, span_t lo, int dots,
                       span_t hi, span_t whole)
{
    const char *what = n->kind == FSI_Q_FLOOR ? "floor" : "date";
    const char *s = p->q + whole.start;
    size_t len = whole.end - whole.start;
    int has_lo = lo.end > lo.start, has_hi = dots && hi.end > hi.start;

    if (dots && !has_lo && !has_hi) {
        fail(p, whole.start, "empty %s range", what);
        return -1;
    }
    if (n->kind == FSI_Q_FLOOR) {
        if (has_lo && floor_bound(p, lo, &n->lo) != 0)
            return -1;
        if (has_hi && floor_bound(p, hi, &n->hi) != 0)
            return -1;
        if (!dots)
            n->hi = n->lo;
    } else {
        int64_t first, last;
        if (has_lo) {
            if (date_bound(p, lo, &first, &last) != 0)
                return -1;
            n->lo = first;
            if (!dots)
                n->hi = last;
        }
        if (has_hi) {
            if (date_bound(p, hi, &first, &last) != 0)
                return -1;
            n->hi = last;
        }
    }
    if (n->lo > n->hi) {
        fail(p, whole.start, "empty %s range: %.*s", what,
             fsi_utf8_clip(s, len, 40), s);
        return -1;
    }
    return 0;
}

/* Whether the current token is a word that could be a bound of a
 * floor or date range. */
static int tok_is_bound(parser_t *p, fsi_qkind_t kind)
{
    if (p->tok.kind != T_WORD)
        return 0;
    const char *s = p->q + p->tok.value_start;
    size_t len = p->tok.value_end - p->tok.value_start;
    int64_t a, b;
    return kind == FSI_Q_FLOOR ? parse_int(s, len, &a) == 0
                               : fsi_date_parse_period(&a, &b, s, len,
                                                       NULL) == FORUM_OK;
}

/* The current token starts with ".." (and is "..", or ".." and a digit):
 * the continuation of a range typed with a space before it. */
static int tok_continues_range(const parser_t *p)
{
    const char *s = p->q + p->tok.value_start;
    size_t len = p->tok.value_end - p->tok.value_start;
    return p->tok.kind == T_WORD && len >= 2 && s[0] == '.' && s[1] == '.'
           && (len == 2 || (s[2] >= '0' && s[2] <= '9'));
}

/* A floor: or date: field whose token t has just been read (the parser
 * is on the next token). Ranges are written without spaces, but
 * "floor:1 .. 3", "floor:1 ..3" and "floor:.. 3" can only mean 1..3 and
 * ..3, so the range goes on into the next tokens; "floor:1.. 3" could be
 * floor:1.. and the word 3, or 1..3, so it is an error. */
static int parse_range_field(parser_t *p, fsi_qnode_t *n, const token_t *t)
{
    span_t value = {t->value_start, t->value_end}, lo = value, hi = {0, 0};
    span_t whole = value;
    const char *s = p->q + value.start;
    size_t len = value.end - value.start;
    int dots = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = 1;
            lo.end = value.start + i;
            hi = (span_t){value.start + i + 2, value.end};
            break;
        }
    /* What is wrong with the value itself is reported first. */
    int64_t x, y;
    if (lo.end > lo.start &&
        (n->kind == FSI_Q_FLOOR ? floor_bound(p, lo, &x)
                                : date_bound(p, lo, &x, &y)) != 0)
        return -1;
    if (hi.end > hi.start &&
        (n->kind == FSI_Q_FLOOR ? floor_bound(p, hi, &x)
                                : date_bound(p, hi, &x, &y)) != 0)
        return -1;
    next_token(p);
    if (p->status != FORUM_OK)
        return -1;
    if (!dots && !t->value_phrase && tok_continues_range(p)) {
        /* floor:1 ..3, floor:1 .. 3, floor:1 .. */
        dots = 1;
        hi = (span_t){p->tok.value_start + 2, p->tok.value_end};
        whole.end = p->tok.end;
        int alone = hi.start == hi.end;
        next_token(p);
        if (p->status != FORUM_OK)
            return -1;
        if (alone && p->tok.kind == T_WORD) {
            hi = (span_t){p->tok.value_start, p->tok.value_end};
            whole.end = p->tok.end;
            next_token(p);
            if (p->status != FORUM_OK)
                return -1;
        }
    } else if (dots && hi.start == hi.end && tok_is_bound(p, n->kind)) {
        if (lo.start == lo.end) {
            /* floor:.. 3 */
            hi = (span_t){p->tok.value_start, p->tok.value_end};
            whole.end = p->tok.end;
            next_token(p);
            if (p->status != FORUM_OK)
                return -1;
        } else {
            int a = fsi_utf8_clip(s, len, 40);
            int b = fsi_utf8_clip(p->q + p->tok.value_start,
                                  p->tok.value_end - p->tok.value_start, 40);
            fail(p, p->tok.start, "a range has no spaces: write %s:%.*s%.*s "
                 "for a range, or quote \"%.*s\" to search for it",
                 n->kind == FSI_Q_FLOOR ? "floor" : "date", a, s, b,
                 p->q + p->tok.value_start, b, p->q + p->tok.value_start);
            return -1;
        }
    }
    return parse_range(p, n, lo, dots, hi, whole);
}

static fsi_qnode_t *parse_or(parser_t *p);

/* Goes one level deeper into parentheses or negations (`what`); -1
 * (failed) past FSI_MAX_QUERY_DEPTH. */
static int nest(parser_t *p, size_t byte, const char *what)
{
    if (++p->depth <= FSI_MAX_QUERY_DEPTH)
        return 0;
    fail(p, byte, "%s nested deeper than %d", what, FSI_MAX_QUERY_DEPTH);
    return -1;
}

static fsi_qnode_t *parse_primary(parser_t *p)
{
    token_t t = p->tok;
    fsi_qnode_t *n = NULL;
    switch (t.kind) {
    case T_LPAREN:
        if (nest(p, t.start, "parentheses") != 0)
            return NULL;
        next_token(p);
        if (p->tok.kind == T_RPAREN) {
            fail(p, t.start, "empty parentheses");
            return NULL;
        }
        n = parse_or(p);
        if (n == NULL)
            return NULL;
        if (p->tok.kind != T_RPAREN) {
            fail(p, t.start, "unbalanced parenthesis: no closing )");
            fsi_qnode_free(n);
            return NULL;
        }
        p->depth--;
        next_token(p);
        return n;
    case T_WORD:
    case T_PHRASE:
        n = new_node(p, FSI_Q_TEXT, t.start);
        if (n == NULL || set_text(p, n, t.value_start, t.value_end) != 0)
            break;
        n->phrase = t.kind == T_PHRASE;
        next_token(p);
        return n;
    case T_FIELD:
        n = new_node(p, t.field, t.start);
        if (n == NULL || set_text(p, n, t.value_start, t.value_end) != 0)
            break;
        n->phrase = t.value_phrase;
        if (t.field == FSI_Q_FLOOR || t.field == FSI_Q_DATE) {
            if (parse_range_field(p, n, &t) != 0)
                break;
            return n;
        }
        next_token(p);
        return n;
    case T_RPAREN:
        fail(p, t.start, "unbalanced parenthesis: ) without (");
        return NULL;
    case T_OR:
    case T_AND:
        fail(p, t.start, "%s needs a term before it",
             t.kind == T_OR ? "OR" : "AND");
        return NULL;
    case T_END:
        fail(p, t.start, "the query ends where a term was expected");
        return NULL;
    default:
        fail(p, t.start, "unexpected operator");
        return NULL;
    }
    fsi_qnode_free(n);
    return NULL;
}

static fsi_qnode_t *parse_unary(parser_t *p)
{
    if (p->tok.kind == T_MINUS || p->tok.kind == T_NOT) {
        token_t t = p->tok;
        if (nest(p, t.start, "negations") != 0)
            return NULL;
        next_token(p);
        if (p->status != FORUM_OK)
            return NULL;
        if (p->tok.kind == T_END) {
            fail(p, t.start, "%s needs a term after it",
                 t.kind == T_NOT ? "NOT" : "-");
            return NULL;
        }
        fsi_qnode_t *kid = parse_unary(p);
        p->depth--;
        if (kid == NULL)
            return NULL;
        fsi_qnode_t *n = new_node(p, FSI_Q_NOT, t.start);
        if (n == NULL || add_kid(p, n, kid) != 0) {
            if (n == NULL)
                fsi_qnode_free(kid);
            fsi_qnode_free(n);
            return NULL;
        }
        return n;
    }
    return parse_primary(p);
}

/* Parses a list of operands joined by `sep` (T_OR), or by juxtaposition
 * and optional AND (sep == T_AND). */
static fsi_qnode_t *parse_list(parser_t *p, tok_kind_t sep)
{
    size_t start = p->tok.start;
    fsi_qnode_t *first = sep == T_OR ? parse_list(p, T_AND) : parse_unary(p);
    if (first == NULL)
        return NULL;
    fsi_qnode_t *list = NULL;
    for (;;) {
        if (p->status != FORUM_OK)
            break;
        tok_kind_t k = p->tok.kind;
        if (sep == T_OR) {
            if (k != T_OR)
                break;
            size_t op = p->tok.start;
            next_token(p);
            if (p->tok.kind == T_END || p->tok.kind == T_RPAREN ||
                p->tok.kind == T_OR) {
                fail(p, op, "OR needs a term after it");
                break;
            }
        } else {
            if (k == T_END || k == T_RPAREN || k == T_OR)
                break;
            if (k == T_AND) {
                size_t op = p->tok.start;
                next_token(p);
                if (p->tok.kind == T_END || p->tok.kind == T_RPAREN ||
                    p->tok.kind == T_OR || p->tok.kind == T_AND) {
                    fail(p, op, "AND needs a term after it");
                    break;
                }
            }
        }
        if (p->status != FORUM_OK)
            break;
        fsi_qnode_t *next = sep == T_OR ? parse_list(p, T_AND)
                                        : parse_unary(p);
        if (next == NULL)
            break;
        if (list == NULL) {
            list = new_node(p, sep == T_OR ? FSI_Q_OR : FSI_Q_AND, start);
            if (list == NULL || add_kid(p, list, first) != 0) {
                fsi_qnode_free(next);
                if (list == NULL)
                    fsi_qnode_free(first);
                first = NULL;
                break;
            }
            first = NULL;
        }
        if (add_kid(p, list, next) != 0)
            break;
    }
    if (p->status != FORUM_OK) {
        fsi_qnode_free(first);
        fsi_qnode_free(list);
        return NULL;
    }
    return list ? list : first;
}

static fsi_qnode_t *parse_or(parser_t *p)
{
    return parse_list(p, T_OR);
}

forum_status_t fsi_query_parse(fsi_qnode_t **out, const char *query,
                               size_t len, fsi_qerror_t *err)
{
    parser_t p = {query, len, 0, {0}, err, 0, 0, FORUM_OK};
    memset(err, 0, sizeof *err);
    *out = NULL;
    if (len > FSI_MAX_QUERY_BYTES) {
        err->column = 1;
        snprintf(err->message, sizeof err->message,
                 "query longer than %d bytes", FSI_MAX_QUERY_BYTES);
        return FORUM_EQUERY;
    }
    next_token(&p);
    if (p.status == FORUM_OK && p.tok.kind == T_END) {
        err->column = 1;
        snprintf(err->message, sizeof err->message, "empty query");
        return FORUM_EQUERY;
    }
    fsi_qnode_t *root = p.status == FORUM_OK ? parse_or(&p) : NULL;
    if (p.status == FORUM_OK && p.tok.kind == T_RPAREN)
        fail(&p, p.tok.start, "unbalanced parenthesis: ) without (");
    if (p.status != FORUM_OK) {
        fsi_qnode_free(root);
        return p.status;
    }
    *out = root;
    return FORUM_OK;
}

void fsi_qnode_free(fsi_qnode_t *node)
{
    if (node == NULL)
        return;
    for (size_t i = 0; i < node->n_kids; i++)
        fsi_qnode_free(node->kids[i]);
    free(node->kids);
    free(node->text);
    free(node);
}

static void describe(fsi_buf_t *out, const fsi_qnode_t *n)
{
    static const char *const names[] = {
        [FSI_Q_TEXT] = "", [FSI_Q_TITLE] = "title:",
        [FSI_Q_AUTHOR] = "author:", [FSI_Q_BOARD] = "board:",
        [FSI_Q_THREAD] = "thread:", [FSI_Q_FLOOR] = "floor:",
        [FSI_Q_DATE] = "date:", [FSI_Q_AND] = "AND", [FSI_Q_OR] = "OR",
        [FSI_Q_NOT] = "NOT"};
    switch (n->kind) {
    case FSI_Q_AND:
    case FSI_Q_OR:
    case FSI_Q_NOT:
        fsi_buf_append_str(out, names[n->kind]);
        fsi_buf_append_char(out, '(');
        for (size_t i = 0; i < n->n_kids; i++) {
            if (i)
                fsi_buf_append_str(out, ", ");
            describe(out, n->kids[i]);
        }
        fsi_buf_append_char(out, ')');
        break;
    case FSI_Q_FLOOR:
    case FSI_Q_DATE:
        fsi_buf_append_str(out, names[n->kind]);
        if (n->lo != INT64_MIN)
            fsi_buf_printf(out, "%lld", (long long)n->lo);
        fsi_buf_append_str(out, "..");
        if (n->hi != INT64_MAX)
            fsi_buf_printf(out, "%lld", (long long)n->hi);
        break;
    default:
        fsi_buf_append_str(out, names[n->kind]);
        fsi_buf_printf(out, "\"%s\"", n->text);
        break;
    }
}

char *fsi_qnode_describe(const fsi_qnode_t *node)
{
    fsi_buf_t out = FSI_BUF_INIT;
    describe(&out, node);
    return fsi_buf_steal(&out, NULL);
}
