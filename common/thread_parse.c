/* forumsearch — reader of scraped thread text (the format of
 * shared/seed): title, header block, article paragraphs, then replies of
 * [avatar letter] / author / "N 楼" / content lines.
 *
 * The parser is line based and finds replies by their floor lines first;
 * the author (and avatar) lines are the ones just before. Anything that
 * does not fit is reported with its line number, never guessed silently.
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "date.h"
#include "fsi_input.h"
#include "fsi_limits.h"
#include "normalize.h"
#include "utf8.h"

typedef struct line {
    const char *s;
    size_t len;
} line_t;

typedef struct parser {
    fsi_reporter_t rep;
    line_t *lines;
    size_t n_lines;
    fsi_thread_t *thread;
    long long reply_count;  /* The "N 评论" header, -1 when absent. */
    int out_of_memory;
} parser_t;

/* A reply found by its floor line, before it becomes a post. */
typedef struct reply_mark {
    size_t floor_line;   /* Index of the "N 楼" line. */
    size_t start;        /* First line of the reply (avatar or author). */
    long long floor;     /* -1 when the floor line is not a number. */
    int has_author;
} reply_mark_t;

/* Trims ASCII, no-break and ideographic spaces from both ends. */
static line_t trim(line_t l)
{
    for (;;) {
        if (l.len && isspace((unsigned char)l.s[0])) {
            l.s++, l.len--;
        } else if (l.len >= 3 && memcmp(l.s, "\xE3\x80\x80", 3) == 0) {
            l.s += 3, l.len -= 3;
        } else if (l.len >= 2 && memcmp(l.s, "\xC2\xA0", 2) == 0) {
            l.s += 2, l.len -= 2;
        } else {
            break;
        }
    }
    for (;;) {
        if (l.len && isspace((unsigned char)l.s[l.len - 1])) {
            l.len--;
        } else if (l.len >= 3 &&
                   memcmp(l.s + l.len - 3, "\xE3\x80\x80", 3) == 0) {
            l.len -= 3;
        } else if (l.len >= 2 &&
                   memcmp(l.s + l.len - 2, "\xC2\xA0", 2) == 0) {
            l.len -= 2;
        } else {
            break;
        }
    }
    return l;
}

static int is_blank(line_t l)
{
    return trim(l).len == 0;
}

static int ends_with(line_t l, const char *suffix)
{
    size_t n = strlen(suffix);
    return l.len >= n && memcmp(l.s + l.len - n, suffix, n) == 0;
}

static int starts_with(line_t l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l.len >= n && memcmp(l.s, prefix, n) == 0;
}

/* Parses ASCII or full-width digits; -1 when l is not a number. */
static long long parse_number(line_t l)
{
    long long value = 0;
    size_t pos = 0;
    if (l.len == 0)
        return -1;
    while (pos < l.len) {
        uint32_t c = fsi_utf8_next(l.s, l.len, &pos);
        int digit;
        if (c >= '0' && c <= '9')
            digit = (int)(c - '0');
        else if (c >= 0xFF10 && c <= 0xFF19)
            digit = (int)(c - 0xFF10);
        else if (c == ',')
            continue;
        else
            return -1;
        if (value > 100000000000LL)
            return -1;
        value = value * 10 + digit;
    }
    return value;
}

static char *dup_line(line_t l)
{
    char *s = malloc(l.len + 1);
    if (s) {
        memcpy(s, l.s, l.len);
        s[l.len] = '\0';
    }
    return s;
}

/* "N 楼" with a short prefix: a floor line. Returns 1 and the number,
 * 0 when the line is no floor line, -1 when it looks like one but the
 * number is not a number ("x 楼"). "大楼" or a sentence ending in 楼 is
 * content: a broken floor line has a short part, a space, then 楼. */
static int floor_line(line_t raw, long long *floor_out)
{
    line_t l = trim(raw);
    if (!ends_with(l, "楼") && !ends_with(l, "樓"))
        return 0;
    line_t before = {l.s, l.len - 3};
    line_t number = trim(before);
    if (number.len == 0 || number.len > 12)
        return 0;
    long long n = parse_number(number);
    if (n >= 0) {
        *floor_out = n;
        return 1;
    }
    return number.len < before.len ? -1 : 0;
}

/* The one-character avatar line that precedes a Latin user name. */
static int is_avatar_for(line_t avatar, line_t author)
{
    avatar = trim(avatar);
    author = trim(author);
    return avatar.len == 1 && author.len > 1 &&
           isalnum((unsigned char)avatar.s[0]) &&
           tolower((unsigned char)avatar.s[0]) ==
               tolower((unsigned char)author.s[0]);
}

static int set_field(char **field, line_t l)
{
    char *s = dup_line(trim(l));
    if (s == NULL)
        return -1;
    free(*field);
    *field = s;
    return 0;
}

/* Parses a date after folding Traditional characters (6點43分 is
 * 6点43分), since Big5 sites write their headers in Traditional. */
static int parse_date_simplified(int64_t *out, line_t value)
{
    char folded[256];
    size_t len = 0;
    for (size_t pos = 0; pos < value.len && len + 4 < sizeof folded;) {
        uint32_t c = fsi_utf8_next(value.s, value.len, &pos);
        len += fsi_utf8_encode(fsi_t2s(c), folded + len);
    }
    return fsi_date_parse(out, folded, len) == FORUM_OK ? 0 : -1;
}

/* "N 阅读"-style lines: a number, then a label (Simplified or
 * Traditional). Returns 1 with the number in *out. */
static int counter_line(line_t l, const char *label, const char *label_t,
                        long long *out)
{
    size_t n = strlen(label);
    if (!ends_with(l, label) && !ends_with(l, label_t))
        return 0;
    *out = parse_number(trim((line_t){l.s, l.len - n}));
    return *out >= 0;
}

/* Recognizes one header line; returns 1 when it was a header field.
 * quiet: only recognize, report nothing and change nothing. */
static int header_field(parser_t *p, size_t i, int *seen_counts, int quiet)
{
    fsi_thread_t *t = p->thread;
    line_t l = trim(p->lines[i]);
    static const char reply_prefix[] = "最新回复";
    if (starts_with(l, reply_prefix) || starts_with(l, "最新回覆") ||
        starts_with(l, "最新回復")) {
        /* Skip the label and its colon (ASCII or full-width). */
        line_t value = {l.s + strlen(reply_prefix),
                        l.len - strlen(reply_prefix)};
        if (starts_with(value, ":"))
            value.s += 1, value.len -= 1;
        else if (starts_with(value, "："))
            value.s += 3, value.len -= 3;
        value = trim(value);
        if (quiet)
            return 1;
        int64_t when;
        if (parse_date_simplified(&when, value) == 0)
            t->date = when;
        else
            fsi_report(&p->rep, i + 1, 0, "last-reply time \"%.*s\" is not a date",
                   fsi_utf8_clip(value.s, value.len, 80), value.s);
        return 1;
    }
    if (l.len == strlen("返回列表") && starts_with(l, "返回列表"))
        return 1;
    long long n;
    /* The view count is recognised so that it is not taken for the
     * source, and not kept: nothing uses it. */
    if (counter_line(l, "阅读", "閱讀", &n))
        return 1;
    if (counter_line(l, "评论", "評論", &n)) {
        if (!quiet)
            p->reply_count = n;
        *seen_counts = 1;
        return 1;
    }
    return 0;
}

/* Reads the header block that starts at line `first` (the first
 * non-blank line after the title); returns the index of the first line
 * after it, or `first` when there is no header block. */
static size_t parse_header(parser_t *p, size_t first)
{
    size_t end = first;
    int any = 0, seen_counts = 0;
    while (end < p->n_lines && !is_blank(p->lines[end]))
        end++;
    for (size_t i = first; i < end; i++) {
        int dummy = 0;
        if (header_field(p, i, &dummy, 1))
            any = 1;
    }
    if (!any)
        return first;

    /* The first two lines before the first field name the site, in
     * Chinese and in Latin letters ("今日头条", "Toutiao"; only the
     * first is kept); the line after the reply count names the source. */
    int before_fields = 1, site_lines = 0;
    for (size_t i = first; i < end; i++) {
        if (header_field(p, i, &seen_counts, 0)) {
            before_fields = 0;
            continue;
        }
        line_t l = trim(p->lines[i]);
        if (before_fields && site_lines < 2) {
            if (site_lines++ == 0 && set_field(&p->thread->site, l) != 0)
                p->out_of_memory = 1;
        } else if (seen_counts && p->thread->source == NULL) {
            if (set_field(&p->thread->source, l) != 0)
                p->out_of_memory = 1;
        } else {
            fsi_report(&p->rep, i + 1, 0,
                       "unrecognized header line \"%.*s\"",
                       fsi_utf8_clip(l.s, l.len, 80), l.s);
        }
    }
    return end;
}

/* Joins lines [from, to) into post text: blank lines are dropped (they
 * separate paragraphs), paragraphs are separated by '\n'. */
static int set_text(parser_t *p, fsi_post_t *post, size_t from, size_t to)
{
    fsi_buf_t buf = FSI_BUF_INIT;
    for (size_t i = from; i < to; i++) {
        line_t l = trim(p->lines[i]);
        if (l.len == 0)
            continue;
        if (buf.len)
            fsi_buf_append_char(&buf, '\n');
        if (buf.len + l.len > FSI_MAX_POST_BYTES) {
            size_t room = FSI_MAX_POST_BYTES > buf.len
                              ? FSI_MAX_POST_BYTES - buf.len : 0;
            fsi_buf_append(&buf, l.s, (size_t)fsi_utf8_clip(l.s, l.len, room));
            fsi_report(&p->rep, i + 1, 0, "post text truncated to %d bytes",
                       FSI_MAX_POST_BYTES);
            break;
        }
        fsi_buf_append(&buf, l.s, l.len);
    }
    size_t len;
    char *text = fsi_buf_steal(&buf, &len);
    if (text == NULL)
        return -1;
    free(post->text);
    post->text = text;
    post->text_len = len;
    return 0;
}

static forum_status_t add_post(parser_t *p, int floor, line_t author,
                               size_t line, size_t from, size_t to)
{
    assert(floor >= 0 && floor <= FSI_MAX_FLOOR && from <= to);
    fsi_post_t *post = fsi_thread_add_post(p->thread);
    if (post == NULL || set_field(&post->author, author) != 0 ||
        set_text(p, post, from, to) != 0)
        return FORUM_ENOMEM;
    post->floor = floor;
    post->line = line;
    return FORUM_OK;
}

/* Splits text into p->lines at LF (fsi_text_to_utf8() made every line
 * end one). */
static forum_status_t split_lines(parser_t *p, const char *text, size_t len)
{
    size_t cap = 64;
    p->lines = malloc(cap * sizeof *p->lines);
    if (p->lines == NULL)
        return FORUM_ENOMEM;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (p->n_lines == cap) {
            line_t *grown = realloc(p->lines, 2 * cap * sizeof *grown);
            if (grown == NULL)
                return FORUM_ENOMEM;
            p->lines = grown, cap *= 2;
        }
        p->lines[p->n_lines++] = (line_t){text + pos, end - pos};
        pos = end + 1;
    }
    return FORUM_OK;
}

/* The title is the first non-blank line, *i its index. FORUM_EPARSE
 * when there is none. */
static forum_status_t read_title(parser_t *p, size_t *i)
{
    while (*i < p->n_lines && is_blank(p->lines[*i]))
        (*i)++;
    if (*i == p->n_lines) {
        fsi_report(&p->rep, 0, 1, "empty file");
        return FORUM_EPARSE;
    }
    line_t title = trim(p->lines[*i]);
    if (title.len > FSI_MAX_TITLE_BYTES) {
        fsi_report(&p->rep, *i + 1, 0, "title longer than %d bytes; truncated",
                   FSI_MAX_TITLE_BYTES);
        title.len = (size_t)fsi_utf8_clip(title.s, title.len,
                                          FSI_MAX_TITLE_BYTES);
    }
    return set_field(&p->thread->title, title) == 0 ? FORUM_OK
                                                    : FORUM_ENOMEM;
}

/* Finds the replies after line `body` by their floor lines, each with
 * the author (and avatar) lines just before it. marks has room for one
 * per line. */
static size_t find_replies(parser_t *p, size_t body, reply_mark_t *marks)
{
    size_t n_marks = 0;
    for (size_t k = body; k < p->n_lines; k++) {
        long long floor;
        int kind = floor_line(p->lines[k], &floor);
        if (kind == 0)
            continue;
        if (kind < 0) {
            line_t l = trim(p->lines[k]);
            fsi_report(&p->rep, k + 1, 1, "floor line \"%.*s\" is not a "
                       "number; reply skipped", fsi_utf8_clip(l.s, l.len, 80),
                       l.s);
            floor = -1;
        }
        reply_mark_t m = {k, k, floor, 0};
        size_t prev_end = n_marks ? marks[n_marks - 1].floor_line + 1 : body;
        if (k > prev_end && !is_blank(p->lines[k - 1]) &&
            trim(p->lines[k - 1]).len <= FSI_MAX_AUTHOR_BYTES) {
            m.start = k - 1;
            m.has_author = 1;
            if (k - 1 > prev_end && is_avatar_for(p->lines[k - 2],
                                                  p->lines[k - 1]))
                m.start = k - 2;
        }
        marks[n_marks++] = m;
    }
    return n_marks;
}

/* The floors kept so far. Floors normally only grow, and then the last
 * one says it all; once they go out of order, a bitmap of every floor
 * is made (a scan per floor would be quadratic). */
typedef struct floors_kept {
    long long last;
    unsigned char *seen;   /* NULL while floors are in order. */
} floors_kept_t;

static int floor_was_kept(const floors_kept_t *kept, long long floor)
{
    assert(kept->seen != NULL && floor >= 0 && floor <= FSI_MAX_FLOOR);
    return (kept->seen[floor / 8] >> (floor % 8)) & 1;
}

static void keep_floor(floors_kept_t *kept, long long floor)
{
    if (kept->seen)
        kept->seen[floor / 8] |= (unsigned char)(1u << (floor % 8));
    if (floor > kept->last)
        kept->last = floor;
}

/* Switches to the bitmap, filled in from the posts so far. */
static int track_out_of_order(floors_kept_t *kept, const fsi_thread_t *t)
{
    if (kept->seen != NULL)
        return 0;
    kept->seen = calloc(FSI_MAX_FLOOR / 8 + 1, 1);
    if (kept->seen == NULL)
        return -1;
    for (size_t k = 0; k < t->n_posts; k++)
        keep_floor(kept, t->posts[k].floor);
    return 0;
}

/* Reports what is odd about reply r; returns 1 when it must be
 * skipped, -1 when out of memory. */
static int check_reply(parser_t *p, const reply_mark_t *r,
                       floors_kept_t *kept)
{
    size_t line = r->floor_line + 1;
    if (r->floor < 0)
        return 1; /* Reported by find_replies(). */
    if (r->floor == 0) {
        fsi_report(&p->rep, line, 1, "floor 0 is the article; reply skipped");
        return 1;
    }
    if (r->floor <= kept->last) {
        /* Unique post ids are thread + floor: a repeated floor would
         * overwrite the earlier post. */
        if (track_out_of_order(kept, p->thread) != 0)
            return -1;
        if (floor_was_kept(kept, r->floor)) {
            fsi_report(&p->rep, line, 1, "floor %lld appears twice; the "
                       "second is skipped", r->floor);
            return 1;
        }
        fsi_report(&p->rep, line, 0, "floor %lld comes after floor %lld "
                   "(out of order)", r->floor, kept->last);
    } else if (r->floor > kept->last + 1 && kept->last > 0) {
        fsi_report(&p->rep, line, 0, "floor %lld follows floor %lld "
                   "(floors missing)", r->floor, kept->last);
    }
    if (r->floor > FSI_MAX_FLOOR) {
        fsi_report(&p->rep, line, 1, "floor %lld is out of range; reply "
                   "skipped", r->floor);
        return 1;
    }
    if (!r->has_author)
        fsi_report(&p->rep, line, 0, "floor %lld has no author line",
                   r->floor);
    return 0;
}

/* Adds the replies marks[0, n_marks) in their order in the file. */
static forum_status_t add_replies(parser_t *p, const reply_mark_t *marks,
                                  size_t n_marks)
{
    forum_status_t status = FORUM_OK;
    floors_kept_t kept = {0, NULL};
    for (size_t m = 0; m < n_marks && status == FORUM_OK; m++) {
        const reply_mark_t *r = &marks[m];
        int skip = check_reply(p, r, &kept);
        if (skip < 0)
            status = FORUM_ENOMEM;
        if (skip != 0)
            continue;
        size_t content_end = m + 1 < n_marks ? marks[m + 1].start : p->n_lines;
        line_t author = r->has_author ? trim(p->lines[r->floor_line - 1])
                                      : (line_t){"", 0};
        status = add_post(p, (int)r->floor, author, r->start + 1,
                          r->floor_line + 1, content_end);
        if (status == FORUM_OK)
            keep_floor(&kept, r->floor);
    }
    free(kept.seen);
    return status;
}

forum_status_t fsi_thread_parse_text(fsi_thread_t *out, const char *path,
                                     const char *text, size_t len,
                                     fsi_diag_fn diag, void *diag_payload)
{
    parser_t p = {{path, diag, diag_payload}, NULL, 0, out, -1, 0};
    reply_mark_t *marks = NULL;
    size_t i = 0;

    forum_status_t status = split_lines(&p, text, len);
    if (status == FORUM_OK)
        status = read_title(&p, &i);
    if (status != FORUM_OK)
        goto out;

    /* The header block, after the title and blank lines. */
    i++;
    while (i < p.n_lines && is_blank(p.lines[i]))
        i++;
    size_t body = parse_header(&p, i);
    if (p.out_of_memory) {
        status = FORUM_ENOMEM;
        goto out;
    }
    if (body == i && i < p.n_lines)
        fsi_report(&p.rep, i + 1, 0,
                   "no header block (last reply, views, replies)");

    marks = malloc((p.n_lines + 1) * sizeof *marks);
    if (marks == NULL) {
        status = FORUM_ENOMEM;
        goto out;
    }
    size_t n_marks = find_replies(&p, body, marks);

    /* The article: everything between the header and the first reply. */
    size_t article_end = n_marks ? marks[0].start : p.n_lines;
    int has_article = 0;
    for (size_t k = body; k < article_end; k++)
        if (!is_blank(p.lines[k]))
            has_article = 1;
    if (has_article)
        status = add_post(&p, 0, (line_t){"", 0}, body + 1, body,
                          article_end);
    else
        fsi_report(&p.rep, body + 1, 0, "thread has no article text");
    if (status == FORUM_OK)
        status = add_replies(&p, marks, n_marks);
    if (status != FORUM_OK)
        goto out;

    if (p.reply_count >= 0 && (size_t)p.reply_count != n_marks)
        fsi_report(&p.rep, 0, 0, "header says %lld replies but %zu floor "
                   "lines were found", p.reply_count, n_marks);
    if (out->n_posts == 0) {
        fsi_report(&p.rep, 0, 1, "no posts found");
        status = FORUM_EPARSE;
    }
out:
    free(marks);
    free(p.lines);
    return status;
}
