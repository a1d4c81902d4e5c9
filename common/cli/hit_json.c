/* forumsearch — JSON for hits and counts (see hit_json.h). */
#include "hit_json.h"

#include <string.h>

#include "cliutil.h"

void cli_json_member(FILE *out, const char *name, const char *value)
{
    fprintf(out, "\"%s\":", name);
    cli_json_string(out, value, strlen(value));
    fputc(',', out);
}

void cli_json_marks(FILE *out, const char *name,
                    const forum_snippet_t *snippet)
{
    fprintf(out, "\"%s\":[", name);
    for (size_t i = 0; i < snippet->n_marks; i++)
        fprintf(out, "%s[%zu,%zu]", i ? "," : "", snippet->marks[i].start,
                snippet->marks[i].end);
    fputc(']', out);
}

int cli_hit_json_open(FILE *out, const forum_hit_t *hit,
                      const forum_snippet_t *title,
                      const forum_snippet_t *snippet, bool collapsed)
{
    char date[32];
    cli_format_date(date, hit->date);
    fprintf(out, "{\"rank\":%u,", hit->rank + 1);
    cli_json_member(out, "thread", hit->thread_id);
    cli_json_member(out, "title", hit->title);
    cli_json_member(out, "board", hit->board);
    fprintf(out, "\"floor\":%d,", hit->floor);
    cli_json_member(out, "author", hit->author);
    if (date[0])
        cli_json_member(out, "date", date);
    else
        fputs("\"date\":null,", out);
    cli_json_member(out, "source", hit->source);
    cli_json_member(out, "path", hit->path);
    fprintf(out, "\"score\":%.6g,", hit->score);
    if (collapsed)
        fprintf(out, "\"thread_matches\":%llu,",
                (unsigned long long)hit->thread_matches);
    fputs("\"snippet\":", out);
    cli_json_string(out, snippet->text, snippet->len);
    fputc(',', out);
    cli_json_marks(out, "highlights", snippet);
    fputc(',', out);
    cli_json_marks(out, "title_highlights", title);
    return ferror(out) ? -1 : 0;
}

int cli_hit_json(FILE *out, const forum_hit_t *hit,
                 const forum_snippet_t *title,
                 const forum_snippet_t *snippet, bool collapsed)
{
    cli_hit_json_open(out, hit, title, snippet, collapsed);
    fputc('}', out);
    return ferror(out) ? -1 : 0;
}

int cli_also_json(FILE *out, forum_results_t *results, const forum_hit_t *hit,
                  const forum_snippet_options_t *options)
{
    if (hit->n_also == 0)
        return 0;
    fputs(",\"also\":[", out);
    size_t written = 0;
    for (size_t i = 0; i < hit->n_also; i++) {
        const forum_hit_t *post = &hit->also[i];
        forum_snippet_t *snip = NULL;
        if (forum_results_snippet(results, post, options, &snip) != FORUM_OK)
            continue; /* Out of memory: one post fewer. */
        char date[32];
        cli_format_date(date, post->date);
        fprintf(out, "%s{\"floor\":%d,", written++ ? "," : "", post->floor);
        cli_json_member(out, "author", post->author);
        if (date[0])
            cli_json_member(out, "date", date);
        else
            fputs("\"date\":null,", out);
        fputs("\"snippet\":", out);
        cli_json_string(out, snip->text, snip->len);
        fputc(',', out);
        cli_json_marks(out, "highlights", snip);
        fputc('}', out);
        forum_snippet_destroy(snip);
    }
    fputc(']', out);
    return ferror(out) ? -1 : 0;
}

int cli_counts_json(FILE *out, uint64_t posts, uint64_t threads)
{
    fprintf(out, "{\"posts\":%llu,\"threads\":%llu}",
            (unsigned long long)posts, (unsigned long long)threads);
    return ferror(out) ? -1 : 0;
}

static void json_spans(FILE *out, const char *name, const forum_span_t *spans,
                       size_t n)
{
    fprintf(out, "\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s[%zu,%zu]", i ? "," : "", spans[i].start,
                spans[i].end);
    fputc(']', out);
}

static void json_date(FILE *out, const char *name, int64_t t)
{
    char date[32];
    cli_format_date(date, t);
    if (date[0])
        cli_json_member(out, name, date);
    else
        fprintf(out, "\"%s\":null,", name);
}

int cli_thread_json(FILE *out, forum_thread_t *thread, int first_floor,
                    int last_floor)
{
    const forum_thread_info_t *info = forum_thread_info(thread);
    fputc('{', out);
    cli_json_member(out, "thread", info->thread_id);
    cli_json_member(out, "title", info->title);
    json_spans(out, "title_highlights", info->title_marks,
               info->n_title_marks);
    fputc(',', out);
    cli_json_member(out, "board", info->board);
    cli_json_member(out, "source", info->source);
    cli_json_member(out, "path", info->path);
    json_date(out, "date", info->date);
    fprintf(out, "\"n_posts\":%zu,\"posts\":[", info->n_posts);
    const forum_post_t *post;
    bool first = true;
    forum_thread_rewind(thread);
    while (forum_thread_next_post(thread, &post) == FORUM_OK) {
        if (post->floor < first_floor || post->floor > last_floor)
            continue;
        fprintf(out, "%s{\"floor\":%d,", first ? "" : ",", post->floor);
        cli_json_member(out, "author", post->author);
        json_date(out, "date", post->date);
        fputs("\"text\":", out);
        cli_json_string(out, post->text, post->text_len);
        fputc(',', out);
        json_spans(out, "highlights", post->marks, post->n_marks);
        fputc('}', out);
        first = false;
    }
    forum_thread_rewind(thread);
    fputs("]}", out);
    return ferror(out) ? -1 : 0;
}
