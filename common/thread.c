/* forumsearch — the in-memory thread model (see thread.h). */
#include "thread.h"

#include <stdlib.h>
#include <string.h>

void fsi_thread_init(fsi_thread_t *thread)
{
    memset(thread, 0, sizeof *thread);
    thread->date = FSI_NO_DATE;
    thread->last_reply = FSI_NO_DATE;
    thread->views = -1;
    thread->reply_count = -1;
}

static void post_free(fsi_post_t *post)
{
    free(post->author);
    free(post->text);
    free(post->quoted_author);
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
    free(thread->site_latin);
    free(thread->source);
    free(thread->url);
    fsi_thread_init(thread);
}

fsi_post_t *fsi_thread_add_post(fsi_thread_t *thread)
{
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
    post->quoted_date = FSI_NO_DATE;
    thread->n_posts++;
    return post;
}
