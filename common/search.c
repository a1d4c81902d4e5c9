/* forumsearch — queries: from the parsed tree to a Xapian query, the
 * verification of candidates, and the result iterator.
 *
 * The Xapian query finds candidates from n-gram and word terms; it is
 * exact for a query segment that is one term (a Latin word or a CJK run
 * of up to three characters). Longer segments are the AND of covering
 * trigrams, a superset; then a MatchDecider evaluates the whole query
 * tree against the post's stored text, so what comes back is exactly
 * the posts whose normalized text contains each segment.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "query_parse.h"
#include "schema.h"
#include "highlight.h"
#include "pattern.h"
#include "thread.h"
#include "utf8.h"

/* A set of thread ids (open addressing, FNV-1a), for counting the
 * distinct threads among verified candidates. */
typedef struct thread_set {
    char **slots;
    size_t cap, n;
} thread_set_t;

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void thread_set_clear(thread_set_t *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

static int thread_set_add(thread_set_t *set, const char *id, size_t len)
{
    if (2 * (set->n + 1) > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        char **slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (set->slots[i] == NULL)
                continue;
            size_t j = hash_bytes(set->slots[i], strlen(set->slots[i])) &
                       (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t j = hash_bytes(id, len) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (strlen(set->slots[j]) == len && memcmp(set->slots[j], id,
                                                   len) == 0)
            return 0;
    if ((set->slots[j] = strndup(id, len)) == NULL)
        return -1;
    set->n++;
    return 0;
}

/* What one node of the tree compiles to. */
typedef struct compiled {
    const fsi_qnode_t *node;
    fsi_pattern_t pattern;  /* TEXT / TITLE; AUTHOR / BOARD value. */
    int exact;              /* Xapian's answer for this node is exact. */
    thread_set_t titled;    /* TITLE: the threads whose title matches. */
    struct compiled *kids;
    size_t n_kids;
} compiled_t;

struct forum_query {
    forum_db_t *db;
    forum_search_options_t opts;
    fsi_qnode_t *tree;
    compiled_t root;
    fsi_xquery_t *xquery;
    char *description;
    fsi_pattern_t *highlights;  /* Positive text patterns, for snippets. */
    size_t n_highlights;
    forum_results_t *results;   /* The last result set, owned. */
    /* Decider state: the current candidate's normalized fields. */
    fsi_normalized_t norm_text, norm_title, norm_name;
    /* Exact counts when a decider runs: Xapian's estimates do not see
     * what the decider rejected. */
    uint64_t accepted;
    thread_set_t threads;
    int count_failed;  /* Memory ran out in the decider or counting. */
};

struct forum_results {
    forum_query_t *query;
    fsi_xresult_t x;
    size_t next;
    forum_hit_t hit;
    fsi_buf_t strings;          /* The current hit's strings. */
    fsi_normalized_t norm;      /* For snippets. */
};

/* ---- Compiling the tree to a Xapian query ------------------------ */

typedef struct term_list {
    fsi_buf_t required;   /* NUL-separated terms. */
    size_t n_required;
    fsi_buf_t aligned;
    size_t n_aligned;
    int whole;            /* One required term covering the pattern. */
    size_t norm_len;
} term_list_t;

static int collect_term(void *payload, forum_token_kind_t kind,
                        const fsi_normalized_t *norm, size_t start,
                        size_t end)
{
    term_list_t *list = payload;
    fsi_buf_t *buf = kind == FORUM_TOKEN_ALIGNED ? &list->aligned
                                                 : &list->required;
    fsi_buf_append(buf, norm->text + start, end - start);
    fsi_buf_append_char(buf, '\0');
    if (kind == FORUM_TOKEN_ALIGNED) {
        list->n_aligned++;
    } else {
        list->n_required++;
        /* The pattern is normalized the same way, minus outer spaces. */
        size_t lead = 0, trail = norm->len;
        while (lead < trail && norm->text[lead] == ' ')
            lead++;
        while (trail > lead && norm->text[trail - 1] == ' ')
            trail--;
        list->whole = start == lead && end == trail;
    }
    return buf->failed ? FORUM_ENOMEM : 0;
}

/* AND of prefix+term for every NUL-separated term in buf. */
static fsi_xquery_t *and_of_terms(const fsi_buf_t *buf, size_t n,
                                  const char *prefix)
{
    fsi_xquery_t **subs = calloc(n ? n : 1, sizeof *subs);
    if (subs == NULL)
        return NULL;
    fsi_buf_t term = FSI_BUF_INIT;
    const char *p = buf->data;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(p);
        term.len = 0;
        fsi_buf_append_str(&term, prefix);
        fsi_buf_append(&term, p, len);
        subs[i] = term.failed ? NULL : fsi_xq_term(term.data, term.len, 1);
        p += len + 1;
    }
    fsi_buf_free(&term);
    fsi_xquery_t *q = fsi_xq_combine(FSI_XQ_AND, subs, n);
    free(subs);
    return q;
}

static int contains_str(fsi_normalized_t *norm, fsi_str_t src,
                        const fsi_pattern_t *pat, int *failed);
static fsi_xquery_t *boolean_term(const char *prefix, const char *value,
                                  size_t len);

typedef struct title_probe {
    forum_query_t *q;
    const compiled_t *c;
    int failed;
} title_probe_t;

/* Keeps the articles whose title really contains the pattern. */
static int title_decider(void *payload, const char *data, size_t len)
{
    title_probe_t *probe = payload;
    fsi_post_record_t rec;
    if (fsi_post_record_decode(&rec, data, len) != FORUM_OK ||
        rec.floor != 0)
        return 0;
    return contains_str(&probe->q->norm_title, rec.title, &probe->c->pattern,
                        &probe->failed);
}

static int add_titled(void *payload, const char *value, size_t len)
{
    title_probe_t *probe = payload;
    if (thread_set_add((thread_set_t *)&probe->c->titled, value, len) != 0)
        probe->failed = 1;
    return probe->failed;
}

/* title:X selects every post of the threads whose title contains X.
 * Titles are indexed on the article only (S terms), so this finds those
 * articles first, then filters by their thread ids. */
static forum_status_t compile_title(forum_query_t *q, compiled_t *c,
                                    const term_list_t *terms,
                                    fsi_xquery_t **out)
{
    fsi_xquery_t *parts[2] = {
        terms->n_required ? and_of_terms(&terms->required, terms->n_required,
                                         FSI_PREFIX_TITLE)
                          : fsi_xq_match_all(),
        fsi_xq_term(FSI_TERM_ARTICLE, strlen(FSI_TERM_ARTICLE), 1)};
    fsi_xquery_t *articles = fsi_xq_combine(FSI_XQ_FILTER, parts, 2);
    if (articles == NULL)
        return FORUM_ENOMEM;
    title_probe_t probe = {q, c, 0};
    int exact = terms->n_required == 1 && terms->whole;
    forum_status_t status = fsi_xdb_match_values(
        q->db->x, articles, FSI_SLOT_THREAD, exact ? NULL : title_decider,
        &probe, add_titled, &probe);
    fsi_xq_destroy(articles);
    if (status != FORUM_OK)
        return fsi_db_fail_shim(q->db, status);
    if (probe.failed)
        return FORUM_ENOMEM;

    fsi_xquery_t **ids = calloc(c->titled.n ? c->titled.n : 1, sizeof *ids);
    if (ids == NULL)
        return FORUM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->titled.cap; i++) {
        const char *id = c->titled.slots[i];
        if (id)
            ids[n++] = boolean_term(FSI_PREFIX_THREAD, id, strlen(id));
    }
    *out = n ? fsi_xq_combine(FSI_XQ_OR, ids, n) : fsi_xq_match_nothing();
    free(ids);
    c->exact = 1;
    return *out ? FORUM_OK : FORUM_ENOMEM;
}

/* A text node: the candidates, ranked by BM25 on the n-grams, with an
 * optional boost for aligned matches and title matches. */
static forum_status_t compile_text(forum_query_t *q, compiled_t *c,
                                   fsi_xquery_t **out)
{
    term_list_t terms = {FSI_BUF_INIT, 0, FSI_BUF_INIT, 0, 0, 0};
    forum_tokenizer_t *tok;
    forum_status_t status = fsi_db_tokenizer(q->db, &tok);
    if (status != FORUM_OK)
        return status;
    status = fsi_pattern_init(&c->pattern, c->node->text, c->node->text_len);
    if (status != FORUM_OK)
        return status;
    int rc = fsi_analyze(tok, c->node->text, c->node->text_len,
                         FORUM_TOKENIZE_QUERY, 0, collect_term, &terms);
    if (rc != 0) {
        status = rc == FORUM_ENOMEM ? FORUM_ENOMEM : FORUM_EINTERNAL;
        goto out;
    }
    if (c->node->kind == FSI_Q_TITLE) {
        status = compile_title(q, c, &terms, out);
        goto out;
    }
    if (terms.n_required == 0) {
        /* Punctuation or symbols only: no term can find it, so every
         * post is a candidate and the stored text decides. */
        *out = fsi_xq_match_all();
        c->exact = 0;
        goto out;
    }
    c->exact = terms.n_required == 1 && terms.whole;
    fsi_xquery_t *boosts[2];
    size_t n_boosts = 0;
    if (terms.n_aligned)
        boosts[n_boosts++] = fsi_xq_scale(
            and_of_terms(&terms.aligned, terms.n_aligned,
                         FSI_PREFIX_ALIGNED), FSI_ALIGNED_BOOST);
    boosts[n_boosts++] = fsi_xq_scale(
        and_of_terms(&terms.required, terms.n_required, FSI_PREFIX_TITLE),
        FSI_TITLE_BOOST);
    fsi_xquery_t *parts[2] = {
        and_of_terms(&terms.required, terms.n_required, ""),
        fsi_xq_combine(FSI_XQ_OR, boosts, n_boosts)};
    *out = fsi_xq_combine(FSI_XQ_AND_MAYBE, parts, 2);
out:
    if (status == FORUM_OK && *out == NULL)
        status = FORUM_ENOMEM;
    fsi_buf_free(&terms.required);
    fsi_buf_free(&terms.aligned);
    return status;
}

static fsi_xquery_t *boolean_term(const char *prefix, const char *value,
                                  size_t len)
{
    fsi_buf_t term = FSI_BUF_INIT;
    fsi_make_key(&term, prefix, value, len);
    fsi_xquery_t *q = term.failed ? NULL
                                  : fsi_xq_term(term.data, term.len, 1);
    fsi_buf_free(&term);
    /* Filters select; they must not change the ranking. */
    return fsi_xq_scale(q, 0.0);
}

static fsi_xquery_t *range_query(unsigned slot, int64_t lo, int64_t hi)
{
    char lo_bytes[16], hi_bytes[16];
    size_t lo_len = 0, hi_len = 0;
    if (lo != INT64_MIN)
        lo_len = fsi_sortable_serialise((double)lo, lo_bytes);
    if (hi != INT64_MAX)
        hi_len = fsi_sortable_serialise((double)hi, hi_bytes);
    return fsi_xq_value_range(slot, lo != INT64_MIN ? lo_bytes : NULL, lo_len,
                              hi != INT64_MAX ? hi_bytes : NULL, hi_len);
}

static forum_status_t compile(forum_query_t *q, compiled_t *c,
                              const fsi_qnode_t *node, fsi_xquery_t **out);

/* NOT x on its own: everything but x when x is exact; else everything
 * (the decider removes what x really matches). */
static fsi_xquery_t *negation(const compiled_t *kid, fsi_xquery_t *kid_query)
{
    if (!kid->exact) {
        fsi_xq_destroy(kid_query);
        return fsi_xq_match_all();
    }
    fsi_xquery_t *parts[2] = {fsi_xq_match_all(), kid_query};
    return fsi_xq_combine(FSI_XQ_AND_NOT, parts, 2);
}

static forum_status_t compile_list(forum_query_t *q, compiled_t *c,
                                   fsi_xquery_t **out)
{
    const fsi_qnode_t *node = c->node;
    forum_status_t status = FORUM_OK;
    fsi_xquery_t **pos = calloc(node->n_kids, sizeof *pos);
    fsi_xquery_t **neg = calloc(node->n_kids, sizeof *neg);
    c->kids = calloc(node->n_kids, sizeof *c->kids);
    size_t n_pos = 0, n_neg = 0;
    if (pos == NULL || neg == NULL || c->kids == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    c->n_kids = node->n_kids;
    c->exact = 1;
    for (size_t i = 0; status == FORUM_OK && i < node->n_kids; i++) {
        const fsi_qnode_t *kid = node->kids[i];
        fsi_xquery_t *kq = NULL;
        if (node->kind == FSI_Q_AND && kid->kind == FSI_Q_NOT) {
            /* AND's negated parts become AND_NOT, when exact. */
            compiled_t *kc = &c->kids[i];
            kc->node = kid;
            kc->kids = calloc(1, sizeof *kc->kids);
            if (kc->kids == NULL) {
                status = FORUM_ENOMEM;
                break;
            }
            kc->n_kids = 1;
            status = compile(q, &kc->kids[0], kid->kids[0], &kq);
            kc->exact = kc->kids[0].exact;
            if (status == FORUM_OK && kc->exact)
                neg[n_neg++] = kq;
            else
                fsi_xq_destroy(kq);
        } else {
            status = compile(q, &c->kids[i], kid, &kq);
            if (status == FORUM_OK)
                pos[n_pos++] = kq;
        }
        if (status == FORUM_OK && !c->kids[i].exact)
            c->exact = 0;
    }
    if (status != FORUM_OK)
        goto out;
    fsi_xquery_t *positive;
    if (n_pos == 0)
        positive = fsi_xq_match_all();
    else
        positive = fsi_xq_combine(node->kind == FSI_Q_AND ? FSI_XQ_AND
                                                          : FSI_XQ_OR,
                                  pos, n_pos);
    n_pos = 0;
    if (n_neg) {
        fsi_xquery_t *excluded = fsi_xq_combine(FSI_XQ_OR, neg, n_neg);
        n_neg = 0;
        fsi_xquery_t *parts[2] = {positive, excluded};
        positive = fsi_xq_combine(FSI_XQ_AND_NOT, parts, 2);
    }
    *out = positive;
    if (*out == NULL)
        status = FORUM_ENOMEM;
out:
    for (size_t i = 0; i < n_pos; i++)
        fsi_xq_destroy(pos[i]);
    for (size_t i = 0; i < n_neg; i++)
        fsi_xq_destroy(neg[i]);
    free(pos);
    free(neg);
    return status;
}

static forum_status_t compile(forum_query_t *q, compiled_t *c,
                              const fsi_qnode_t *node, fsi_xquery_t **out)
{
    forum_status_t status = FORUM_OK;
    c->node = node;
    c->exact = 1;
    *out = NULL;
    switch (node->kind) {
    case FSI_Q_TEXT:
    case FSI_Q_TITLE:
        return compile_text(q, c, out);
    case FSI_Q_AUTHOR:
    case FSI_Q_BOARD:
        status = fsi_pattern_init(&c->pattern, node->text, node->text_len);
        if (status != FORUM_OK)
            return status;
        *out = boolean_term(node->kind == FSI_Q_AUTHOR ? FSI_PREFIX_AUTHOR
                                                       : FSI_PREFIX_BOARD,
                            c->pattern.text, c->pattern.len);
        break;
    case FSI_Q_THREAD:
        *out = boolean_term(FSI_PREFIX_THREAD, node->text, node->text_len);
        break;
    case FSI_Q_FLOOR:
        if (node->lo == 0 && node->hi == 0)
            *out = boolean_term(FSI_TERM_ARTICLE, "", 0);
        else if (node->lo == 1 && node->hi == INT64_MAX)
            *out = boolean_term(FSI_TERM_REPLY, "", 0);
        else
            *out = range_query(FSI_SLOT_FLOOR, node->lo, node->hi);
        break;
    case FSI_Q_DATE:
        *out = range_query(FSI_SLOT_DATE, node->lo, node->hi);
        break;
    case FSI_Q_AND:
    case FSI_Q_OR:
        return compile_list(q, c, out);
    case FSI_Q_NOT: {
        c->kids = calloc(1, sizeof *c->kids);
        if (c->kids == NULL)
            return FORUM_ENOMEM;
        c->n_kids = 1;
        fsi_xquery_t *kq;
        status = compile(q, &c->kids[0], node->kids[0], &kq);
        if (status != FORUM_OK)
            return status;
        c->exact = c->kids[0].exact;
        *out = negation(&c->kids[0], kq);
        break;
    }
    }
    return *out ? FORUM_OK : FORUM_ENOMEM;
}

static void compiled_free(compiled_t *c)
{
    thread_set_clear(&c->titled);
    for (size_t i = 0; i < c->n_kids; i++)
        compiled_free(&c->kids[i]);
    free(c->kids);
    free(c->pattern.text);
}

/* Positive text patterns (not under a NOT) are what snippets mark. */
static void gather_highlights(forum_query_t *q, const compiled_t *c)
{
    if (c->node == NULL || c->node->kind == FSI_Q_NOT)
        return;
    if (c->node->kind == FSI_Q_TEXT && c->pattern.len) {
        fsi_pattern_t *grown = realloc(q->highlights, (q->n_highlights + 1) *
                                                          sizeof *grown);
        if (grown == NULL)
            return; /* Fewer marks, not a failure. */
        q->highlights = grown;
        q->highlights[q->n_highlights++] = c->pattern; /* Borrowed. */
    }
    for (size_t i = 0; i < c->n_kids; i++)
        gather_highlights(q, &c->kids[i]);
}

/* ---- Verifying candidates --------------------------------------- */

typedef struct candidate {
    forum_query_t *q;
    fsi_post_record_t rec;
    int text_ready, title_ready;
    int failed;
} candidate_t;

/* Normalizes src into norm and looks for the pattern there. */
static int contains_str(fsi_normalized_t *norm, fsi_str_t src,
                        const fsi_pattern_t *pat, int *failed)
{
    if (fsi_normalize(norm, src.s, src.len, 0) != FORUM_OK) {
        *failed = 1;
        return 0;
    }
    return pat->len &&
           fsi_pattern_find(pat, norm->text, norm->len, 0) != (size_t)-1;
}

static int contains(candidate_t *cand, const fsi_pattern_t *pat, int title)
{
    forum_query_t *q = cand->q;
    fsi_normalized_t *norm = title ? &q->norm_title : &q->norm_text;
    int *ready = title ? &cand->title_ready : &cand->text_ready;
    fsi_str_t src = title ? cand->rec.title : cand->rec.text;
    /* Most candidates hold the pattern as typed: no need to normalize. */
    if (pat->raw_comparable && !*ready && fsi_pattern_in_raw(pat, src.s, src.len))
        return 1;
    /* Normalize each field once per candidate, however many patterns. */
    if (!*ready) {
        *ready = 1;
        return contains_str(norm, src, pat, &cand->failed);
    }
    return pat->len &&
           fsi_pattern_find(pat, norm->text, norm->len, 0) != (size_t)-1;
}

static int thread_set_has(const thread_set_t *set, fsi_str_t id)
{
    if (set->cap == 0)
        return 0;
    size_t j = hash_bytes(id.s, id.len) & (set->cap - 1);
    for (; set->slots[j]; j = (j + 1) & (set->cap - 1))
        if (strlen(set->slots[j]) == id.len &&
            memcmp(set->slots[j], id.s, id.len) == 0)
            return 1;
    return 0;
}

static int name_equals(candidate_t *cand, const fsi_pattern_t *pat,
                       fsi_str_t name)
{
    fsi_normalized_t *norm = &cand->q->norm_name;
    if (fsi_normalize(norm, name.s, name.len, 0) != FORUM_OK) {
        cand->failed = 1;
        return 0;
    }
    return norm->len == pat->len && memcmp(norm->text, pat->text,
                                           pat->len) == 0;
}

static int evaluate(candidate_t *cand, const compiled_t *c)
{
    const fsi_qnode_t *n = c->node;
    const fsi_post_record_t *r = &cand->rec;
    int64_t date;
    switch (n->kind) {
    case FSI_Q_TEXT:
        return contains(cand, &c->pattern, 0) ||
               (r->floor == 0 && contains(cand, &c->pattern, 1));
    case FSI_Q_TITLE:
        return thread_set_has(&c->titled, r->thread_id);
    case FSI_Q_AUTHOR:
        return name_equals(cand, &c->pattern, r->author);
    case FSI_Q_BOARD:
        return name_equals(cand, &c->pattern, r->board);
    case FSI_Q_THREAD:
        return r->thread_id.len == n->text_len &&
               memcmp(r->thread_id.s, n->text, n->text_len) == 0;
    case FSI_Q_FLOOR:
        return r->floor >= n->lo && r->floor <= n->hi;
    case FSI_Q_DATE:
        date = r->date != FSI_NO_DATE ? r->date : r->thread_date;
        return date != FSI_NO_DATE && date >= n->lo && date <= n->hi;
    case FSI_Q_AND:
        for (size_t i = 0; i < c->n_kids; i++)
            if (!evaluate(cand, &c->kids[i]))
                return 0;
        return 1;
    case FSI_Q_OR:
        for (size_t i = 0; i < c->n_kids; i++)
            if (evaluate(cand, &c->kids[i]))
                return 1;
        return 0;
    case FSI_Q_NOT:
        return !evaluate(cand, &c->kids[0]);
    }
    return 0;
}

static int decide(void *payload, const char *data, size_t len)
{
    candidate_t cand;
    memset(&cand, 0, sizeof cand);
    cand.q = payload;
    if (fsi_post_record_decode(&cand.rec, data, len) != FORUM_OK)
        return 0;
    int keep = evaluate(&cand, &cand.q->root);
    forum_query_t *q = cand.q;
    /* Out of memory while normalizing: the run reports it. */
    if (cand.failed)
        q->count_failed = 1;
    if (!keep)
        return 0;
    q->accepted++;
    if (thread_set_add(&q->threads, cand.rec.thread_id.s,
                       cand.rec.thread_id.len) != 0)
        q->count_failed = 1;
    return 1;
}

/* ---- Public API ---------------------------------------------------- */

forum_status_t forum_search_options_init(forum_search_options_t *opts,
                                         unsigned int version)
{
    if (opts == NULL || version != FORUM_SEARCH_OPTIONS_VERSION)
        return FORUM_EINVAL;
    forum_search_options_t defaults = FORUM_SEARCH_OPTIONS_INIT;
    *opts = defaults;
    return FORUM_OK;
}

forum_status_t forum_query_create(forum_query_t **out, forum_db_t *db,
                                  const char *query, size_t len,
                                  const forum_search_options_t *opts)
{
    forum_search_options_t defaults = FORUM_SEARCH_OPTIONS_INIT;
    if (out == NULL || db == NULL || (query == NULL && len > 0))
        return FORUM_EINVAL;
    *out = NULL;
    if (fsi_db_check(db) != FORUM_OK)
        return FORUM_EIO;
    if (opts && opts->version != FORUM_SEARCH_OPTIONS_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "unknown options version %u",
                           opts->version);
    forum_query_t *q = calloc(1, sizeof *q);
    if (q == NULL)
        return fsi_db_fail(db, FORUM_ENOMEM, "out of memory");
    q->db = db;
    q->opts = opts ? *opts : defaults;

    fsi_qerror_t err;
    forum_status_t status = fsi_query_parse(&q->tree, query ? query : "",
                                            len, &err);
    if (status == FORUM_EQUERY) {
        fsi_db_fail(db, status, "column %zu: %s", err.column, err.message);
        db->error_column = err.column;
        goto fail;
    }
    if (status == FORUM_OK)
        status = compile(q, &q->root, q->tree, &q->xquery);
    if (status == FORUM_OK) {
        q->description = fsi_qnode_describe(q->tree);
        if (q->description == NULL)
            status = FORUM_ENOMEM;
    }
    if (status != FORUM_OK) {
        if (db->error[0] == '\0')
            fsi_db_fail(db, status, "%s", forum_status_to_string(status));
        goto fail;
    }
    gather_highlights(q, &q->root);
    *out = q;
    return FORUM_OK;
fail:
    forum_query_destroy(q);
    return status;
}

const char *forum_query_describe(const forum_query_t *query)
{
    return query && query->description ? query->description : "";
}

void forum_query_destroy(forum_query_t *query)
{
    if (query == NULL)
        return;
    forum_results_destroy(query->results);
    fsi_xq_destroy(query->xquery);
    compiled_free(&query->root);
    fsi_qnode_free(query->tree);
    free(query->description);
    free(query->highlights);
    fsi_normalized_free(&query->norm_text);
    fsi_normalized_free(&query->norm_title);
    fsi_normalized_free(&query->norm_name);
    thread_set_clear(&query->threads);
    free(query);
}

static int compare_hits(const void *a, const void *b)
{
    const fsi_xhit_t *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight < y->weight ? 1 : -1;
    return (x->docid > y->docid) - (x->docid < y->docid);
}

/* Threads, not posts, are ranked when collapsing: a thread where many
 * posts match is more about the query than one with a single short
 * reply that happens to mention it. Xapian ranks a thread by its best
 * post, so the top FSI_RESCORE_WINDOW threads are re-ranked with a bonus
 * that grows with the log of their matching posts, then the page is cut
 * out of them. */
static void rescore(fsi_xresult_t *x, size_t offset, size_t limit)
{
    for (size_t i = 0; i < x->n_hits; i++)
        x->hits[i].weight += FSI_THREAD_MATCHES_BOOST *
                             log1p((double)x->hits[i].collapse_count);
    qsort(x->hits, x->n_hits, sizeof *x->hits, compare_hits);
    size_t first = offset < x->n_hits ? offset : x->n_hits;
    size_t n = x->n_hits - first < limit ? x->n_hits - first : limit;
    for (size_t i = 0; i < x->n_hits; i++)
        if (i < first || i >= first + n)
            free(x->hits[i].data);
    memmove(x->hits, x->hits + first, n * sizeof *x->hits);
    x->n_hits = n;
}

static int count_value(void *payload, const char *value, size_t len)
{
    forum_query_t *q = payload;
    q->accepted++;
    if (thread_set_add(&q->threads, value, len) != 0)
        q->count_failed = 1;
    return q->count_failed;
}

/* Counts the matching posts and their threads one by one, for when
 * Xapian could only estimate them. */
static forum_status_t count_exactly(forum_query_t *q, fsi_xresult_t *x)
{
    q->accepted = 0;
    q->count_failed = 0;
    thread_set_clear(&q->threads);
    forum_status_t status = fsi_xdb_match_values(q->db->x, q->xquery,
                                                 FSI_SLOT_THREAD, NULL, NULL,
                                                 count_value, q);
    if (status != FORUM_OK)
        return fsi_db_fail_shim(q->db, status);
    if (q->count_failed)
        return fsi_db_fail(q->db, FORUM_ENOMEM, "out of memory");
    x->uncollapsed = q->accepted;
    x->matches = q->opts.collapse_threads ? q->threads.n : q->accepted;
    return FORUM_OK;
}

forum_status_t forum_query_run(forum_query_t *query, forum_results_t **out)
{
    if (query == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    forum_db_t *db = query->db;
    if (fsi_db_check(db) != FORUM_OK)
        return FORUM_EIO;
    forum_results_destroy(query->results);
    query->results = NULL;

    forum_results_t *res = calloc(1, sizeof *res);
    if (res == NULL)
        return fsi_db_fail(db, FORUM_ENOMEM, "out of memory");
    res->query = query;
    const forum_search_options_t *o = &query->opts;
    /* Ranking threads looks at more than the page: see rescore(). */
    int rescoring = o->collapse_threads && o->sort == FORUM_SORT_RELEVANCE;
    size_t want = o->offset + o->limit;
    if (want < o->offset)
        want = (size_t)-1;
    fsi_xsearch_t search = {
        o->collapse_threads ? FSI_SLOT_THREAD : -1,
        -1, 0, rescoring ? 0 : o->offset,
        rescoring ? (want > FSI_RESCORE_WINDOW ? want : FSI_RESCORE_WINDOW)
                  : o->limit,
        query->root.exact ? NULL : decide, query, o->exact_counts};
    if (o->sort == FORUM_SORT_DATE) {
        search.sort_slot = FSI_SLOT_DATE;
        search.sort_descending = 1;
    } else if (o->sort == FORUM_SORT_FLOOR) {
        search.sort_slot = FSI_SLOT_ORDER;
    }
    query->accepted = 0;
    query->count_failed = 0;
    thread_set_clear(&query->threads);
    forum_status_t status = fsi_xdb_search(db->x, query->xquery, &search,
                                           &res->x);
    if (status == FORUM_OK && query->count_failed)
        status = FORUM_ENOMEM;
    if (status != FORUM_OK) {
        fsi_xresult_free(&res->x);
        free(res);
        return status == FORUM_ENOMEM
                   ? fsi_db_fail(db, status, "out of memory")
                   : fsi_db_fail_shim(db, status);
    }
    if (search.decider && o->exact_counts) {
        res->x.uncollapsed = query->accepted;
        res->x.matches = o->collapse_threads ? query->threads.n
                                             : query->accepted;
    } else if (!res->x.counts_final) {
        status = count_exactly(query, &res->x);
        if (status != FORUM_OK) {
            fsi_xresult_free(&res->x);
            free(res);
            return status;
        }
    }
    if (rescoring)
        rescore(&res->x, o->offset, o->limit);
    query->results = res;
    *out = res;
    return FORUM_OK;
}

void forum_results_counts(const forum_results_t *results, uint64_t *posts_out,
                          uint64_t *threads_out)
{
    if (posts_out)
        *posts_out = results ? results->x.uncollapsed : 0;
    if (threads_out)
        *threads_out = results ? results->x.matches : 0;
}

/* Copies s into the hit's string arena; returns its offset. */
static size_t keep_string(fsi_buf_t *arena, fsi_str_t s)
{
    size_t at = arena->len;
    fsi_buf_append(arena, s.s, s.len);
    fsi_buf_append_char(arena, '\0');
    return at;
}

forum_status_t forum_results_next(forum_results_t *results,
                                  const forum_hit_t **out)
{
    if (results == NULL || out == NULL)
        return FORUM_EINVAL;
    *out = NULL;
    forum_db_t *db = results->query->db;
    if (results->next >= results->x.n_hits)
        return FORUM_ITER_DONE;
    const fsi_xhit_t *x = &results->x.hits[results->next];
    fsi_post_record_t rec;
    if (fsi_post_record_decode(&rec, x->data, x->data_len) != FORUM_OK)
        return fsi_db_fail(db, FORUM_EIO, "corrupt document %u", x->docid);

    fsi_thread_record_t thread = {{"", 0}, {"", 0}, {"", 0}, {"", 0},
                                  FSI_NO_DATE};
    fsi_buf_t key = FSI_BUF_INIT;
    fsi_make_key(&key, FSI_META_THREAD, rec.thread_id.s, rec.thread_id.len);
    char *stored = NULL;
    size_t stored_len = 0;
    forum_status_t status = key.failed ? FORUM_ENOMEM
        : fsi_xdb_get_metadata(db->x, key.data, key.len, &stored,
                               &stored_len);
    fsi_buf_free(&key);
    if (status != FORUM_OK) {
        free(stored);
        return status == FORUM_ENOMEM
                   ? fsi_db_fail(db, status, "out of memory")
                   : fsi_db_fail_shim(db, status);
    }
    /* A missing thread record (a racing writer) leaves the fields empty. */
    if (stored_len)
        fsi_thread_record_decode(&thread, stored, stored_len);

    fsi_buf_t *arena = &results->strings;
    arena->len = 0;
    size_t at_id = keep_string(arena, rec.thread_id);
    size_t at_title = keep_string(arena, thread.title);
    size_t at_board = keep_string(arena, thread.board);
    size_t at_author = keep_string(arena, rec.author);
    size_t at_source = keep_string(arena, thread.source);
    size_t at_path = keep_string(arena, thread.path);
    size_t at_text = keep_string(arena, rec.text);
    free(stored);
    if (arena->failed)
        return fsi_db_fail(db, FORUM_ENOMEM, "out of memory");

    forum_hit_t *hit = &results->hit;
    hit->thread_id = arena->data + at_id;
    hit->title = arena->data + at_title;
    hit->board = arena->data + at_board;
    hit->author = arena->data + at_author;
    hit->source = arena->data + at_source;
    hit->path = arena->data + at_path;
    hit->text = arena->data + at_text;
    hit->text_len = rec.text.len;
    hit->floor = rec.floor;
    hit->date = rec.date != FSI_NO_DATE ? rec.date : rec.thread_date;
    hit->score = results->query->opts.sort == FORUM_SORT_RELEVANCE
                     ? x->weight : 0.0;
    hit->thread_matches = x->collapse_count + 1;
    hit->rank = (uint32_t)(results->query->opts.offset + results->next);
    results->next++;
    *out = hit;
    return FORUM_OK;
}

void forum_results_destroy(forum_results_t *results)
{
    if (results == NULL)
        return;
    if (results->query && results->query->results == results)
        results->query->results = NULL;
    fsi_xresult_free(&results->x);
    fsi_buf_free(&results->strings);
    fsi_normalized_free(&results->norm);
    free(results);
}

/* Highlights text (borrowed) with the query's text patterns. */
static forum_status_t highlight_text(forum_results_t *results,
                                     const char *text, size_t len,
                                     const forum_snippet_options_t *opts,
                                     forum_snippet_t **out)
{
    forum_snippet_options_t defaults = FORUM_SNIPPET_OPTIONS_INIT;
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != FORUM_SNIPPET_OPTIONS_VERSION || opts->max_chars == 0)
        return FORUM_EINVAL;
    forum_status_t status = fsi_normalize(&results->norm, text, len, 1);
    if (status != FORUM_OK)
        return status;
    const forum_query_t *q = results->query;
    return fsi_highlight(out, text, len, &results->norm, q->highlights,
                         q->n_highlights, opts);
}

forum_status_t forum_results_snippet(forum_results_t *results,
                                     const forum_hit_t *hit,
                                     const forum_snippet_options_t *opts,
                                     forum_snippet_t **out)
{
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    return highlight_text(results, hit->text, hit->text_len, opts, out);
}

forum_status_t forum_results_title(forum_results_t *results,
                                   const forum_hit_t *hit,
                                   forum_snippet_t **out)
{
    /* A title is shown whole, however long the snippet options. */
    forum_snippet_options_t whole = {FORUM_SNIPPET_OPTIONS_VERSION,
                                     (size_t)-1, 1};
    if (results == NULL || hit == NULL || out == NULL)
        return FORUM_EINVAL;
    return highlight_text(results, hit->title, strlen(hit->title), &whole,
                          out);
}
