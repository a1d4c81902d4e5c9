/* forumsearch — the in-memory thread model (see thread.h). */
#define _GNU_SOURCE /* memmem */
#include "thread.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fsi_vreport(const fsi_reporter_t *rep, size_t line, int is_error,
                 const char *format, va_list args)
{
    if (rep->diag == NULL)
        return;
    char message[1024];
    vsnprintf(message, sizeof message, format, args);
    rep->diag(rep->payload, rep->path, line, is_error, message);
}

void fsi_report(const fsi_reporter_t *rep, size_t line, int is_error,
                const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fsi_vreport(rep, line, is_error, format, args);
    va_end(args);
}

void fsi_thread_init(fsi_thread_t *thread)
{
    memset(thread, 0, sizeof *thread);
    thread->date = FSI_NO_DATE;
}

static void post_free(fsi_post_t *post)
{
    free(post->author);
    free(post->text);
}

void fsi_thread_free(fsi_thread_t *thread)
{
    if (thread == NULL)
        return;
    for (size_t i = 0; i < thread->n_posts; i++)
        post_free(&thread->posts[i]);
    free(thread->posts);
    free(thread->id);
    free(thread->board);
    free(thread->title);
    free(thread->site);
    free(thread->source);
    fsi_thread_init(thread);
}

fsi_post_t *fsi_thread_add_post(fsi_thread_t *thread)
{
    assert(thread->n_posts <= thread->cap_posts);
    if (thread->n_posts == thread->cap_posts) {
        size_t cap = thread->cap_posts ? thread->cap_posts * 2 : 16;
        fsi_post_t *grown = realloc(thread->posts, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        thread->posts = grown;
        thread->cap_posts = cap;
    }
    fsi_post_t *post = &thread->posts[thread->n_posts];
    memset(post, 0, sizeof *post);
    post->author = calloc(1, 1);
    post->text = calloc(1, 1);
    if (post->author == NULL || post->text == NULL) {
        post_free(post);
        return NULL;
    }
    post->date = FSI_NO_DATE;
    thread->n_posts++;
    return post;
}

static int is_ascii_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of the run of c at s[0, len). */
static size_t run_of(const char *s, size_t len, char c)
{
    size_t n = 0;
    while (n < len && s[n] == c)
        n++;
    return n;
}

int fsi_quote_find(fsi_quote_t *out, const char *text, size_t len,
                   size_t from)
{
    static const char marker[] = " 发表评论于 ";
    const size_t marker_len = sizeof marker - 1;
    if (from >= len)
        return 0;
    const char *hit = memmem(text + from, len - from, marker, marker_len);
    if (hit == NULL)
        return 0;
    size_t start = (size_t)(hit - text);
    out->marker = start;
    while (start > 0 && !is_ascii_space(text[start - 1]))
        start--;
    out->start = start;
    out->body = out->marker + marker_len;
    /* The quote runs to a separator line, which normalization has made
     * part of the text: "… 不一定 ----- 我的回复". */
    size_t end = out->body;
    for (; end < len; end++)
        if ((text[end] == '-' || text[end] == '=') &&
            run_of(text + end, len - end, text[end]) >= 5)
            break;
    out->end = end;
    assert(out->start <= out->marker && out->body <= out->end);
    return 1;
}
