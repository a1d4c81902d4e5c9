/* libFuzzer target: bytes -> fsi_jsonl_parse (JSON Lines threads).
 * Checks the reader's contract (fsi_input.h, thread.h, jsonl_parse.c):
 * every delivered thread has an id and valid UTF-8 strings without NUL,
 * every post a floor >= 0 and text of the length it claims, and the
 * callback's nonzero return comes back unchanged. */
#include <stdint.h>
#include <string.h>

#include "fsi_input.h"
#include "fuzz_util.h"

#define STOP_AFTER 3   /* The callback stops the parse at this thread. */
#define STOP_VALUE 4242

typedef struct run {
    size_t threads;
    size_t max_line;
} run_t;

static void on_diag(void *payload, const char *path, size_t line,
                    int is_error, const char *message)
{
    const run_t *run = payload;
    FUZZ_CHECK(path != NULL && strcmp(path, "fuzz.jsonl") == 0);
    FUZZ_CHECK(message != NULL && message[0] != '\0');
    FUZZ_CHECK(is_error == 0 || is_error == 1);
    FUZZ_CHECK(line <= run->max_line);
}

static void check_string(const char *s)
{
    if (s != NULL)
        FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s)));
}

static int on_thread(void *payload, fsi_thread_t *t)
{
    run_t *run = payload;
    FUZZ_CHECK(t != NULL);
    FUZZ_CHECK(t->id != NULL && t->id[0] != '\0');
    check_string(t->id);
    check_string(t->board);
    check_string(t->title);
    check_string(t->site);
    check_string(t->source);
    for (size_t i = 0; i < t->n_posts; i++) {
        fsi_post_t *post = &t->posts[i];
        FUZZ_CHECK(post->floor >= 0);
        FUZZ_CHECK(post->author != NULL && post->text != NULL);
        FUZZ_CHECK(strlen(post->text) == post->text_len);
        FUZZ_CHECK(fuzz_utf8_valid(post->text, post->text_len));
        check_string(post->author);
        FUZZ_CHECK(post->line >= 1 && post->line <= run->max_line);
    }
    /* Steal one field now and then: the caller must free the rest and
     * not the stolen one. */
    if (run->threads % 2 == 1) {
        free(t->title);
        t->title = NULL;
    }
    if (++run->threads == STOP_AFTER)
        return STOP_VALUE;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    run_t run = {0, lines};
    int rc = fsi_jsonl_parse("fuzz.jsonl", (const char *)data, size,
                             on_thread, &run, on_diag, &run);
    if (run.threads == STOP_AFTER)
        FUZZ_CHECK(rc == STOP_VALUE);
    else if (run.threads > 0)
        FUZZ_CHECK(rc == FORUM_OK);
    else
        FUZZ_CHECK(rc == FORUM_EPARSE);
    return 0;
}
