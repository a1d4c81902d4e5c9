/* forumsearch — how a query is understood and run (forum_db_explain).
 *
 * The report is built from the same objects a search uses: the parsed
 * tree and the Xapian query of forum_query_create(), the normalized
 * pattern of each word (what the text check looks for), the query terms
 * of each word as forum_tokenize() makes them with their document
 * frequencies, and two runs: the Xapian query alone (the candidates)
 * and the whole search (what the text check kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "schema.h"
#include "search.h"
#include "utf8.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- Writing ------------------------------------------------------- */

typedef struct report {
    fsi_buf_t out;
    int json;
    int first;          /* No member written yet in the current list. */
    forum_db_t *db;     /* For term frequencies (under its lock). */
    forum_tokenizer_t *tok;
    size_t n_words;
    forum_status_t status;
} report_t;

/* A JSON string; invalid UTF-8 as U+FFFD. */
static void json_string(fsi_buf_t *b, const char *s, size_t len)
{
    fsi_buf_append_char(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fsi_buf_append_char(b, '\\');
            fsi_buf_append_char(b, (char)c);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fsi_buf_printf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            fsi_buf_append_char(b, (char)c);
            i++;
        } else {
            uint32_t cp;
            size_t n = fsi_utf8_decode(s + i, len - i, &cp);
            if (cp == FSI_UTF8_INVALID)
                fsi_buf_append_str(b, "\\ufffd");
            else
                fsi_buf_append(b, s + i, n);
            i += n;
        }
    }
    fsi_buf_append_char(b, '"');
}

/* Text for a terminal: control characters and invalid UTF-8 as U+FFFD. */
static void text_string(fsi_buf_t *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = fsi_utf8_decode(s + i, len - i, &cp);
        if (cp == FSI_UTF8_INVALID || cp < 0x20 || cp == 0x7F ||
            (cp >= 0x80 && cp <= 0x9F))
            fsi_buf_append_str(b, "\xEF\xBF\xBD");
        else
            fsi_buf_append(b, s + i, n);
        i += n;
    }
}

/* ---- Words and their terms ----------------------------------------- */

static const char *field_name(fsi_qkind_t kind)
{
    switch (kind) {
    case FSI_Q_TEXT: return "text";
    case FSI_Q_TITLE: return "title";
    case FSI_Q_AUTHOR: return "author";
    case FSI_Q_BOARD: return "board";
    case FSI_Q_THREAD: return "thread";
    case FSI_Q_FLOOR: return "floor";
    case FSI_Q_DATE: return "date";
    default: return "";
    }
}

typedef struct word_terms {
    report_t *r;
    const char *prefix;  /* "" for post text, S for title: */
    int first;
} word_terms_t;

static int add_term(void *payload, forum_token_kind_t kind,
                    const char *token, size_t token_len, size_t start,
                    size_t end)
{
    (void)start, (void)end;
    word_terms_t *w = payload;
    report_t *r = w->r;
    if (kind == FORUM_TOKEN_ALIGNED && FSI_ALIGNED_WDF)
        return 0; /* Not a term: it weighs in its n-gram's wdf. */
    if (kind == FORUM_TOKEN_JUNCTION && w->prefix[0] != '\0')
        return 0; /* Titles have none. */
    const char *kind_name = kind == FORUM_TOKEN_WORD       ? "word"
                            : kind == FORUM_TOKEN_NGRAM    ? "ngram"
                            : kind == FORUM_TOKEN_JUNCTION ? "junction"
                                                           : "aligned";
    fsi_buf_t term = FSI_BUF_INIT;
    fsi_buf_append_str(&term, w->prefix);
    if (kind == FORUM_TOKEN_ALIGNED)
        fsi_buf_append_str(&term, FSI_PREFIX_ALIGNED);
    fsi_buf_append(&term, token, token_len);
    uint64_t posts = 0;
    forum_status_t status = term.failed ? FORUM_ENOMEM
        : fsi_xdb_termfreq(r->db->x, term.data, term.len, &posts);
    if (status == FORUM_OK) {
        if (r->json) {
            fsi_buf_append_str(&r->out, w->first ? "" : ",");
            fsi_buf_append_str(&r->out, "{\"term\":");
            json_string(&r->out, term.data, term.len);
            fsi_buf_printf(&r->out, ",\"kind\":\"%s\",\"posts\":%llu}",
                           kind_name, (unsigned long long)posts);
        } else {
            /* A junction across a space (会 显) would read as two
             * terms in a line whose columns are spaced. */
            int quote = memchr(term.data, ' ', term.len) != NULL;
            fsi_buf_printf(&r->out, "             %-8s %s", kind_name,
                           quote ? "\"" : "");
            text_string(&r->out, term.data, term.len);
            if (quote)
                fsi_buf_append_char(&r->out, '"');
            fsi_buf_printf(&r->out, "  %llu post%s\n",
                           (unsigned long long)posts, posts == 1 ? "" : "s");
        }
        w->first = 0;
    }
    fsi_buf_free(&term);
    if (status != FORUM_OK) {
        r->status = status == FORUM_ENOMEM ? status
                                           : fsi_db_fail_shim(r->db, status);
        return 1;
    }
    return 0;
}

/* One word of the query: as typed, normalized, and its terms. */
static void add_word(report_t *r, const fsi_compiled_t *c)
{
    const fsi_qnode_t *node = c->node;
    int has_terms = node->kind == FSI_Q_TEXT || node->kind == FSI_Q_TITLE;
    r->n_words++;
    if (r->json) {
        fsi_buf_append_str(&r->out, r->first ? "" : ",");
        fsi_buf_printf(&r->out, "{\"field\":\"%s\",\"column\":%zu,"
                       "\"typed\":", field_name(node->kind), node->column);
        json_string(&r->out, node->text, node->text_len);
        fsi_buf_append_str(&r->out, ",\"normalized\":");
        json_string(&r->out, c->pattern.text ? c->pattern.text : "",
                    c->pattern.len);
        fsi_buf_append_str(&r->out, ",\"terms\":[");
    } else {
        fsi_buf_printf(&r->out, "word %-7zu %s:", r->n_words,
                       field_name(node->kind));
        text_string(&r->out, node->text, node->text_len);
        fsi_buf_printf(&r->out, " (column %zu) -> ", node->column);
        if (c->pattern.text)
            text_string(&r->out, c->pattern.text, c->pattern.len);
        else
            fsi_buf_append_str(&r->out, "(a boolean term)");
        fsi_buf_append_char(&r->out, '\n');
    }
    r->first = 0;
    if (has_terms && r->status == FORUM_OK) {
        word_terms_t w = {r, node->kind == FSI_Q_TITLE ? FSI_PREFIX_TITLE
                                                       : "", 1};
        int stopped = 0;
        forum_status_t status = forum_tokenize(
            r->tok, node->text, node->text_len, FORUM_TOKENIZE_QUERY,
            add_term, &w, &stopped);
        if (status != FORUM_OK && status != FORUM_ECANCELLED &&
            r->status == FORUM_OK)
            r->status = status;
    }
    if (r->json)
        fsi_buf_append_str(&r->out, "]}");
}

static void walk_words(report_t *r, const fsi_compiled_t *c)
{
    if (c->node == NULL)
        return;
    switch (c->node->kind) {
    case FSI_Q_AND:
    case FSI_Q_OR:
    case FSI_Q_NOT:
        for (size_t i = 0; i < c->n_kids; i++)
            walk_words(r, &c->kids[i]);
        return;
    case FSI_Q_FLOOR:
    case FSI_Q_DATE:
        return; /* Ranges: the parsed tree shows them. */
    default:
        add_word(r, c);
    }
}

/* ---- The report ---------------------------------------------------- */

/* The candidates: what the Xapian query alone matches, before the text
 * check. */
static forum_status_t count_candidates(forum_db_t *db, forum_query_t *q,
                                       uint64_t *out)
{
    fsi_xsearch_t s;
    fsi_xsearch_init(&s, FSI_SLOT_ORDER);
    s.exact_counts = 1;
    fsi_xresult_t x;
    forum_status_t status = fsi_xdb_search(db->x, q->xquery, &s, &x);
    if (status != FORUM_OK)
        return fsi_db_fail_shim(db, status);
    *out = x.uncollapsed;
    fsi_xresult_free(&x);
    return FORUM_OK;
}

/* Everything that needs the lock: words, terms, candidates. */
static forum_status_t explain_locked(report_t *r, forum_query_t *q,
                                     uint64_t *candidates, double *ms)
{
    forum_status_t status = fsi_db_usable(r->db);
    if (status != FORUM_OK)
        return status;
    double t0 = now_ms();
    status = count_candidates(r->db, q, candidates);
    *ms = now_ms() - t0;
    if (status != FORUM_OK)
        return status;
    r->first = 1;
    walk_words(r, &q->root);
    return r->status;
}

forum_status_t forum_db_explain(char **out, forum_db_t *db, const char *query,
                                size_t len,
                                const forum_search_options_t *opts,
                                forum_report_format_t format)
{
    if (out)
        *out = NULL;
    if (out == NULL || db == NULL || query == NULL ||
        (format != FORUM_REPORT_TEXT && format != FORUM_REPORT_JSON))
        return FORUM_EINVAL;
    report_t r;
    memset(&r, 0, sizeof r);
    r.json = format == FORUM_REPORT_JSON;
    r.db = db;
    forum_query_t *q = NULL;
    forum_results_t *res = NULL;
    uint64_t candidates = 0, posts = 0, threads = 0;
    double parse_ms, candidates_ms = 0, search_ms;

    double t0 = now_ms();
    forum_status_t status = forum_query_create(&q, db, query, len, opts);
    parse_ms = now_ms() - t0;
    if (status != FORUM_OK)
        return status;
    t0 = now_ms();
    status = forum_query_run(q, &res);
    search_ms = now_ms() - t0;
    if (status != FORUM_OK)
        goto out;
    forum_results_counts(res, &posts, &threads);
    status = forum_tokenizer_create(&r.tok);
    if (status != FORUM_OK)
        goto out;

    /* The head: the query, its tree, Xapian's query. */
    char *xapian = fsi_xq_describe(q->xquery);
    if (r.json) {
        fsi_buf_append_str(&r.out, "{\"query\":");
        json_string(&r.out, query, len);
        fsi_buf_append_str(&r.out, ",\"parsed\":");
        json_string(&r.out, q->description, strlen(q->description));
        fsi_buf_append_str(&r.out, ",\"xapian\":");
        json_string(&r.out, xapian ? xapian : "", xapian ? strlen(xapian)
                                                         : 0);
        fsi_buf_append_str(&r.out, ",\"words\":[");
    } else {
        fsi_buf_append_str(&r.out, "query        ");
        text_string(&r.out, query, len);
        fsi_buf_append_str(&r.out, "\nparsed       ");
        text_string(&r.out, q->description, strlen(q->description));
        fsi_buf_append_str(&r.out, "\nxapian       ");
        if (xapian)
            text_string(&r.out, xapian, strlen(xapian));
        fsi_buf_append_char(&r.out, '\n');
    }
    free(xapian);

    fsi_db_enter(db);
    status = fsi_db_leave(db, explain_locked(&r, q, &candidates,
                                             &candidates_ms));
    if (status != FORUM_OK)
        goto out;

    int verified = !q->root.exact;
    if (r.json) {
        fsi_buf_printf(&r.out, "],\"candidates\":%llu,\"text_check\":%s,"
                       "\"posts\":%llu,\"threads\":%llu,\"times_ms\":"
                       "{\"parse\":%.3f,\"candidates\":%.3f,"
                       "\"search\":%.3f}}",
                       (unsigned long long)candidates,
                       verified ? "true" : "false",
                       (unsigned long long)posts,
                       (unsigned long long)threads, parse_ms, candidates_ms,
                       search_ms);
    } else {
        fsi_buf_printf(&r.out, "candidates   %llu post%s from Xapian",
                       (unsigned long long)candidates,
                       candidates == 1 ? "" : "s");
        if (verified)
            fsi_buf_printf(&r.out, "; %llu kept by the text check\n",
                           (unsigned long long)posts);
        else
            fsi_buf_append_str(&r.out, "; exact, no text check needed\n");
        fsi_buf_printf(&r.out, "matched      %llu post%s in %llu thread%s\n",
                       (unsigned long long)posts, posts == 1 ? "" : "s",
                       (unsigned long long)threads, threads == 1 ? "" : "s");
        fsi_buf_printf(&r.out, "times        parse %.2f ms, candidates "
                       "%.2f ms, search %.2f ms\n", parse_ms,
                       candidates_ms, search_ms);
    }
    if (r.out.failed) {
        status = FORUM_ENOMEM;
        goto out;
    }
    *out = fsi_buf_steal(&r.out, NULL);
    if (*out == NULL)
        status = FORUM_ENOMEM;
out:
    fsi_buf_free(&r.out);
    forum_tokenizer_destroy(r.tok);
    forum_query_destroy(q);
    return status;
}
