/* forumsearch — queries: from the parsed tree to a Xapian query, and
 * the verification of candidates. Running a query and its result sets
 * are in results.c.
 *
 * The Xapian query finds candidates from n-gram and word terms; it is
 * exact for a query segment that is one term (a Latin word or a CJK run
 * of up to FSI_NGRAM_MAX characters). Longer segments are the AND of
 * their n-grams, a superset; then a MatchDecider evaluates the whole query
 * tree against the post's stored text, so what comes back is exactly
 * the posts whose normalized text contains each segment.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "buf.h"
#include "db.h"
#include "docdata.h"
#include "pattern.h"
#include "query_parse.h"
#include "schema.h"
#include "search.h"
#include "thread.h"

typedef fsi_compiled_t compiled_t;

/* ---- Compiling the tree to a Xapian query ------------------------ */

typedef struct term_list {
    fsi_buf_t required;   /* NUL-separated terms. */
    size_t n_required;
    fsi_buf_t aligned;
    size_t n_aligned;
    fsi_buf_t junctions;  /* Required too, but weigh nothing. */
    size_t n_junctions;
    int whole;            /* One required term covering the pattern. */
    size_t norm_len;
} term_list_t;

static int collect_term(void *payload, forum_token_kind_t kind,
                        const fsi_normalized_t *norm, size_t start,
                        size_t end)
{
    term_list_t *list = payload;
    fsi_buf_t *buf = kind == FORUM_TOKEN_ALIGNED    ? &list->aligned
                     : kind == FORUM_TOKEN_JUNCTION ? &list->junctions
                                                    : &list->required;
    fsi_buf_append(buf, norm->text + start, end - start);
    fsi_buf_append_char(buf, '\0');
    if (kind == FORUM_TOKEN_ALIGNED) {
        list->n_aligned++;
    } else if (kind == FORUM_TOKEN_JUNCTION) {
        list->n_junctions++;
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

static fsi_xquery_t *boolean_term(const char *prefix, const char *value,
                                  size_t len);

/* title:X selects the articles whose thread title contains X (README:
 * "articles whose thread title contains"), ranked by the title terms.
 * Titles are indexed on the article only, as S terms; a title made only
 * of symbols has none, and then the decider reads every article. */
static forum_status_t compile_title(compiled_t *c, const term_list_t *terms,
                                    fsi_xquery_t **out)
{
    fsi_xquery_t *parts[2] = {
        terms->n_required ? and_of_terms(&terms->required, terms->n_required,
                                         FSI_PREFIX_TITLE)
                          : fsi_xq_match_all(),
        boolean_term(FSI_TERM_ARTICLE, "", 0)};
    *out = fsi_xq_combine(FSI_XQ_FILTER, parts, 2);
    c->exact = terms->n_required == 1 && terms->whole;
    return *out ? FORUM_OK : FORUM_ENOMEM;
}

/* A text node: the candidates, ranked by BM25 on the n-grams (aligned
 * occurrences weigh more: FSI_ALIGNED_WDF), with a boost for title
 * matches. */
static forum_status_t compile_text(forum_query_t *q, compiled_t *c,
                                   fsi_xquery_t **out)
{
    term_list_t terms = {FSI_BUF_INIT, 0, FSI_BUF_INIT, 0,
                         FSI_BUF_INIT, 0, 0, 0};
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
        status = compile_title(c, &terms, out);
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
    c->title_query = and_of_terms(&terms.required, terms.n_required,
                                  FSI_PREFIX_TITLE);
    if (c->title_query == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    fsi_xquery_t *boosts[2];
    size_t n_boosts = 0;
    if (terms.n_aligned && !FSI_ALIGNED_WDF)
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
    if (terms.n_junctions) {
        /* Posts with the word against the character, or the two CJK
         * characters either side of the phrase's space; unweighted. */
        fsi_xquery_t *filtered[2] = {
            *out, and_of_terms(&terms.junctions, terms.n_junctions, "")};
        *out = fsi_xq_combine(FSI_XQ_FILTER, filtered, 2);
    }
out:
    if (status == FORUM_OK && *out == NULL)
        status = FORUM_ENOMEM;
    fsi_buf_free(&terms.required);
    fsi_buf_free(&terms.aligned);
    fsi_buf_free(&terms.junctions);
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
            kc->leaf = -1;
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
    c->leaf = -1;
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
    for (size_t i = 0; i < c->n_kids; i++)
        compiled_free(&c->kids[i]);
    fsi_xq_destroy(c->title_query);
    free(c->kids);
    free(c->pattern.text);
}

/* Appends a copy of pat (its text borrowed) to a list of marks. Out of
 * memory, the snippet just shows fewer marks. */
static void add_mark(fsi_pattern_t **list, size_t *n, const fsi_pattern_t *pat)
{
    fsi_pattern_t *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (grown == NULL)
        return;
    *list = grown;
    (*list)[(*n)++] = *pat;
}

/* Positive patterns (not under a NOT) are what snippets mark: text
 * patterns in posts and titles (a title is searched with its article),
 * title: patterns in titles only. The text patterns are also the title
 * signal's words: each gets its title query (q->title_xqueries[i] for
 * text_marks[i]). */
static void gather_marks(forum_query_t *q, compiled_t *c)
{
    if (c->node == NULL || c->node->kind == FSI_Q_NOT)
        return;
    if (c->node->kind == FSI_Q_TEXT && c->pattern.len) {
        size_t i = q->n_text_marks;
        add_mark(&q->text_marks, &q->n_text_marks, &c->pattern);
        add_mark(&q->title_marks, &q->n_title_marks, &c->pattern);
        if (c->title_query && i < q->n_title_xqueries &&
            q->n_text_marks > i) {
            /* Title terms are an article's only: no filter by kind (it
             * cost 1.2 of the 1.8 ms Xapian took to find the 7,486
             * titles with 一 at 100 MiB). */
            q->title_xqueries[i] = c->title_query;
            c->title_query = NULL;
            q->title_exact[i] = (unsigned char)c->exact;
        }
    }
    if (c->node->kind == FSI_Q_TITLE && c->pattern.len)
        add_mark(&q->title_marks, &q->n_title_marks, &c->pattern);
    for (size_t i = 0; i < c->n_kids; i++)
        gather_marks(q, &c->kids[i]);
}

/* Without title queries (out of memory), threads just get no title
 * signal. */
static void gather_title_query(forum_query_t *q)
{
    q->title_xqueries = calloc(64, sizeof *q->title_xqueries);
    q->title_exact = calloc(64, 1);
    if (q->title_xqueries && q->title_exact)
        q->n_title_xqueries = 64;
    gather_marks(q, &q->root);
}

/* ---- Verifying candidates --------------------------------------- */

typedef struct candidate {
    forum_query_t *q;
    fsi_scratch_t *scratch;
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
    fsi_normalized_t *norm = title ? &cand->scratch->title
                                   : &cand->scratch->text;
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

static int name_equals(candidate_t *cand, const fsi_pattern_t *pat,
                       fsi_str_t name)
{
    fsi_normalized_t *norm = &cand->scratch->name;
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
        return r->floor == 0 && contains(cand, &c->pattern, 1);
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

/* A candidate of run's query from its stored record; -1 when the
 * record does not decode (the post is not kept). */
static int candidate_open(candidate_t *cand, const fsi_run_t *run,
                          fsi_scratch_t *scratch, const char *data,
                          size_t len)
{
    memset(cand, 0, sizeof *cand);
    cand->q = run->query;
    cand->scratch = scratch ? scratch : &run->query->scratch;
    return fsi_post_record_decode(&cand->rec, data, len) == FORUM_OK ? 0
                                                                     : -1;
}

void fsi_scratch_free(fsi_scratch_t *s)
{
    fsi_normalized_free(&s->text);
    fsi_normalized_free(&s->title);
    fsi_normalized_free(&s->name);
}

int fsi_query_decide(void *payload, const char *data, size_t len)
{
    fsi_decide_t *decide = payload;
    candidate_t cand;
    if (candidate_open(&cand, decide->run, decide->scratch, data, len) != 0)
        return 0;
    int keep = evaluate(&cand, &cand.q->root);
    /* Out of memory while normalizing: the run reports it. */
    if (cand.failed)
        decide->failed = 1;
    return keep;
}


/* ---- Thread scope ------------------------------------------------- */

static int is_filter(const fsi_qnode_t *n)
{
    return n->kind == FSI_Q_AUTHOR || n->kind == FSI_Q_BOARD ||
           n->kind == FSI_Q_THREAD || n->kind == FSI_Q_FLOOR ||
           n->kind == FSI_Q_DATE;
}

/* Numbers the leaves under c (every node but AND, OR and NOT). */
static forum_status_t number_leaves(forum_query_t *q, compiled_t *c)
{
    if (c->node->kind == FSI_Q_AND || c->node->kind == FSI_Q_OR ||
        c->node->kind == FSI_Q_NOT) {
        for (size_t i = 0; i < c->n_kids; i++) {
            forum_status_t status = number_leaves(q, &c->kids[i]);
            if (status != FORUM_OK)
                return status;
        }
        return FORUM_OK;
    }
    if (q->n_leaves == FSI_MAX_THREAD_LEAVES)
        return fsi_db_fail(q->db, FORUM_EQUERY, "thread scope: more than "
                           "%d words and filters", FSI_MAX_THREAD_LEAVES);
    c->leaf = (int)q->n_leaves;
    q->leaves[q->n_leaves++] = c;
    return FORUM_OK;
}

/* node compiled on its own (its Xapian query is the caller's). */
static forum_status_t compile_alone(forum_query_t *q, const fsi_qnode_t *node,
                                    fsi_xquery_t **out, int *exact)
{
    compiled_t scratch;
    memset(&scratch, 0, sizeof scratch);
    forum_status_t status = compile(q, &scratch, node, out);
    if (exact)
        *exact = scratch.exact;
    compiled_free(&scratch);
    return status;
}

/* Restricts *query (consumed) to the posts that pass the post filters
 * (exact: they are boolean terms and value ranges). */
static forum_status_t with_post_filters(forum_query_t *q,
                                        fsi_xquery_t **query)
{
    if (*query == NULL)
        return FORUM_ENOMEM;
    if (q->n_post_filters == 0)
        return FORUM_OK;
    fsi_xquery_t **filters = calloc(q->n_post_filters, sizeof *filters);
    forum_status_t status = filters ? FORUM_OK : FORUM_ENOMEM;
    size_t n = 0;
    for (; status == FORUM_OK && n < q->n_post_filters; n++)
        status = compile_alone(q, q->post_filters[n]->node, &filters[n],
                               NULL);
    if (status != FORUM_OK) {
        for (size_t i = 0; i < n; i++)
            fsi_xq_destroy(filters[i]);
        free(filters);
        fsi_xq_destroy(*query);
        *query = NULL;
        return status;
    }
    fsi_xquery_t *both[2] = {*query, fsi_xq_combine(FSI_XQ_AND, filters, n)};
    free(filters);
    *query = fsi_xq_combine(FSI_XQ_FILTER, both, 2);
    return *query ? FORUM_OK : FORUM_ENOMEM;
}

/* Thread scope: a thread matches when its posts together satisfy the
 * query, counting only the posts that pass the post filters (the
 * root's author:, board:, thread:, floor:, date: parts, which keep
 * their per-post meaning); every other part (words, title:, filters
 * under OR or NOT) holds for the thread when one of those posts has
 * it. The candidates are the filtered posts that have any part; the
 * decider records which (fsi_query_decide_thread) and results.c puts
 * the threads together. A query of filters only is post scope. */
static forum_status_t compile_thread_scope(forum_query_t *q)
{
    compiled_t *root = &q->root;
    int and_root = root->node->kind == FSI_Q_AND;
    size_t n_parts = and_root ? root->n_kids : 1;
    compiled_t *parts = and_root ? root->kids : root;
    q->leaves = calloc(FSI_MAX_THREAD_LEAVES, sizeof *q->leaves);
    q->post_filters = calloc(n_parts, sizeof *q->post_filters);
    if (q->leaves == NULL || q->post_filters == NULL)
        return FORUM_ENOMEM;
    forum_status_t status = FORUM_OK;
    for (size_t i = 0; status == FORUM_OK && i < n_parts; i++) {
        if (is_filter(parts[i].node))
            q->post_filters[q->n_post_filters++] = &parts[i];
        else
            status = number_leaves(q, &parts[i]);
    }
    if (status != FORUM_OK)
        return status;
    if (q->n_leaves == 0) {
        q->opts.scope = FORUM_SCOPE_POST;
        return FORUM_OK;
    }
    /* Each part again on its own: together, the candidates that the
     * threads are made of; one by one, which posts have which part. */
    q->leaf_xqueries = calloc(q->n_leaves, sizeof *q->leaf_xqueries);
    q->leaf_exact = calloc(q->n_leaves, 1);
    fsi_xquery_t **any = calloc(q->n_leaves, sizeof *any);
    size_t n_any = 0;
    if (any == NULL || q->leaf_xqueries == NULL || q->leaf_exact == NULL)
        status = FORUM_ENOMEM;
    for (size_t i = 0; status == FORUM_OK && i < q->n_leaves; i++) {
        int exact;
        status = compile_alone(q, q->leaves[i]->node, &any[n_any], NULL);
        if (status == FORUM_OK)
            n_any++;
        if (status == FORUM_OK)
            status = compile_alone(q, q->leaves[i]->node,
                                   &q->leaf_xqueries[i], &exact);
        if (status == FORUM_OK)
            status = with_post_filters(q, &q->leaf_xqueries[i]);
        if (status == FORUM_OK)
            q->leaf_exact[i] = (unsigned char)exact;
    }
    if (status == FORUM_OK) {
        fsi_xquery_t *candidates = fsi_xq_combine(FSI_XQ_OR, any, n_any);
        n_any = 0;
        status = with_post_filters(q, &candidates);
        if (status == FORUM_OK) {
            fsi_xq_destroy(q->xquery);
            q->xquery = candidates;
        }
    }
    for (size_t i = 0; i < n_any; i++)
        fsi_xq_destroy(any[i]);
    free(any);
    return status;
}

static int thread_holds(const compiled_t *c, uint64_t leaves)
{
    if (c->leaf >= 0)
        return (leaves >> c->leaf) & 1;
    switch (c->node->kind) {
    case FSI_Q_AND:
        for (size_t i = 0; i < c->n_kids; i++)
            if (!thread_holds(&c->kids[i], leaves))
                return 0;
        return 1;
    case FSI_Q_OR:
        for (size_t i = 0; i < c->n_kids; i++)
            if (thread_holds(&c->kids[i], leaves))
                return 1;
        return 0;
    case FSI_Q_NOT:
        return !thread_holds(&c->kids[0], leaves);
    default:
        return 1; /* A post filter: every post counted passed it. */
    }
}

int fsi_query_thread_matches(const forum_query_t *q, uint64_t leaves)
{
    return thread_holds(&q->root, leaves);
}


/* The key of a post in run->posts: its ORDER value (schema.h), which
 * is also what Xapian hands results.c as the hit's sort key. */
static int post_key(fsi_buf_t *key, const fsi_post_record_t *rec)
{
    char floor_key[16];
    size_t n = fsi_sortable_serialise(rec->floor, floor_key);
    fsi_buf_append(key, rec->thread_id.s, rec->thread_id.len);
    fsi_buf_append_char(key, '\0');
    fsi_buf_append(key, floor_key, n);
    return key->failed ? -1 : 0;
}

int fsi_query_decide_thread(void *payload, const char *data, size_t len)
{
    fsi_run_t *run = payload;
    candidate_t cand;
    if (candidate_open(&cand, run, NULL, data, len) != 0)
        return 0;
    const forum_query_t *q = cand.q;
    for (size_t i = 0; i < q->n_post_filters; i++)
        if (!evaluate(&cand, q->post_filters[i]))
            return 0;
    uint64_t leaves = 0;
    for (size_t i = 0; i < q->n_leaves; i++)
        if (evaluate(&cand, q->leaves[i]))
            leaves |= UINT64_C(1) << i;
    if (leaves == 0 || cand.failed) {
        run->failed |= cand.failed;
        return 0;
    }
    int64_t date = cand.rec.date != FSI_NO_DATE ? cand.rec.date
                                                : cand.rec.thread_date;
    fsi_buf_t key = FSI_BUF_INIT;
    if (post_key(&key, &cand.rec) != 0 ||
        fsi_facts_put(&run->posts, key.data, key.len, leaves, date) != 0)
        run->failed = 1;
    fsi_buf_free(&key);
    return 1;
}

int fsi_query_decide_title(void *payload, const char *data, size_t len)
{
    fsi_run_t *run = payload;
    candidate_t cand;
    if (candidate_open(&cand, run, NULL, data, len) != 0 ||
        cand.rec.floor != 0)
        return 0;
    int keep = contains(&cand, &cand.q->text_marks[run->pass], 1);
    run->failed |= cand.failed;
    return keep;
}

int fsi_query_decide_leaf(void *payload, const char *data, size_t len)
{
    fsi_run_t *run = payload;
    candidate_t cand;
    if (candidate_open(&cand, run, NULL, data, len) != 0)
        return 0;
    int keep = evaluate(&cand, cand.q->leaves[run->pass]);
    run->failed |= cand.failed;
    return keep;
}

/* ---- Public API ---------------------------------------------------- */

forum_status_t forum_search_options_init(forum_search_options_t *opts,
                                         unsigned int version)
{
    if (opts == NULL || (version != 1 &&
                         version != FORUM_SEARCH_OPTIONS_VERSION))
        return FORUM_EINVAL;
    forum_search_options_t defaults = FORUM_SEARCH_OPTIONS_INIT;
    defaults.version = version;
    /* A version 1 struct ends before scope. */
    memcpy(opts, &defaults, version == 1
                                ? offsetof(forum_search_options_t, scope)
                                : sizeof defaults);
    return FORUM_OK;
}

/* Refuses options a search could only misread, naming the field. */
static forum_status_t check_options(forum_db_t *db,
                                    const forum_search_options_t *opts)
{
    if (opts->version != 1 && opts->version != FORUM_SEARCH_OPTIONS_VERSION)
        return fsi_db_fail(db, FORUM_EINVAL, "search options: unknown "
                           "version %u (this library knows 1 to %u)",
                           opts->version, FORUM_SEARCH_OPTIONS_VERSION);
    if (opts->sort != FORUM_SORT_RELEVANCE && opts->sort != FORUM_SORT_DATE &&
        opts->sort != FORUM_SORT_FLOOR)
        return fsi_db_fail(db, FORUM_EINVAL, "search options: unknown sort "
                           "%d (FORUM_SORT_RELEVANCE, FORUM_SORT_DATE or "
                           "FORUM_SORT_FLOOR)", (int)opts->sort);
    if (opts->version >= 2 && opts->scope != FORUM_SCOPE_POST &&
        opts->scope != FORUM_SCOPE_THREAD)
        return fsi_db_fail(db, FORUM_EINVAL, "search options: unknown "
                           "scope %d (FORUM_SCOPE_POST or "
                           "FORUM_SCOPE_THREAD)", (int)opts->scope);
    return FORUM_OK;
}

static void query_free(forum_query_t *q)
{
    fsi_query_free_results(q);
    fsi_xq_destroy(q->xquery);
    for (size_t i = 0; i < q->n_title_xqueries; i++)
        fsi_xq_destroy(q->title_xqueries[i]);
    free(q->title_xqueries);
    free(q->title_exact);
    for (size_t i = 0; q->leaf_xqueries && i < q->n_leaves; i++)
        fsi_xq_destroy(q->leaf_xqueries[i]);
    free(q->leaf_xqueries);
    free(q->leaf_exact);
    free(q->leaves);
    free(q->post_filters);
    compiled_free(&q->root);
    fsi_qnode_free(q->tree);
    free(q->description);
    free(q->text_marks);
    free(q->title_marks);
    fsi_scratch_free(&q->scratch);
    free(q);
}

/* Parses and compiles; q->db and q->opts are set. */
static forum_status_t build_query(forum_query_t *q, const char *text,
                                  size_t len)
{
    fsi_qerror_t err;
    forum_status_t status = fsi_query_parse(&q->tree, text, len, &err);
    if (status == FORUM_EQUERY)
        return fsi_db_fail_at(q->db, status, err.column, "column %zu: %s",
                              err.column, err.message);
    if (status == FORUM_OK)
        status = compile(q, &q->root, q->tree, &q->xquery);
    if (status == FORUM_OK) {
        q->description = fsi_qnode_describe(q->tree);
        if (q->description == NULL)
            status = FORUM_ENOMEM;
    }
    if (status == FORUM_OK)
        gather_title_query(q);
    if (status == FORUM_OK && q->opts.scope == FORUM_SCOPE_THREAD)
        status = compile_thread_scope(q);
    return status;
}

static forum_status_t create_locked(forum_query_t **out, forum_db_t *db,
                                    const char *text, size_t len,
                                    const forum_search_options_t *opts)
{
    forum_search_options_t defaults = FORUM_SEARCH_OPTIONS_INIT;
    forum_status_t status = fsi_db_usable(db);
    if (status == FORUM_OK && opts)
        status = check_options(db, opts);
    if (status != FORUM_OK)
        return status;
    forum_query_t *q = calloc(1, sizeof *q);
    if (q == NULL)
        return FORUM_ENOMEM;
    q->db = db;
    q->opts = defaults;
    if (opts && opts->version == 1) /* A shorter struct: no scope. */
        memcpy(&q->opts, opts, offsetof(forum_search_options_t, scope));
    else if (opts)
        q->opts = *opts;
    q->opts.version = FORUM_SEARCH_OPTIONS_VERSION;
    status = build_query(q, text ? text : "", len);
    if (status != FORUM_OK) {
        query_free(q);
        return status;
    }
    fsi_db_query_born(db);
    *out = q;
    return FORUM_OK;
}

forum_status_t forum_query_create(forum_query_t **out, forum_db_t *db,
                                  const char *query, size_t len,
                                  const forum_search_options_t *opts)
{
    if (out == NULL || db == NULL || (query == NULL && len > 0))
        return FORUM_EINVAL;
    *out = NULL;
    fsi_db_enter(db);
    return fsi_db_leave(db, create_locked(out, db, query, len, opts));
}

const char *forum_query_describe(const forum_query_t *query)
{
    /* Fixed at creation: no lock. */
    return query && query->description ? query->description : "";
}

void forum_query_destroy(forum_query_t *query)
{
    if (query == NULL)
        return;
    forum_db_t *db = query->db;
    fsi_db_lock(db);
    query_free(query);
    fsi_db_query_gone(db); /* Unlocks; frees db if it was its last use. */
}
