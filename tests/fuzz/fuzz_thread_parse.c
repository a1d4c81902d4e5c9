/* libFuzzer target: raw file bytes -> fsi_text_to_utf8 (charset
 * detection and conversion) -> fsi_thread_parse_text (the scraped thread
 * format). Checks the readers' contracts (fsi_input.h, thread.h): the
 * converted text is valid UTF-8 without NUL or CR, every string of the
 * parsed thread is valid UTF-8 with the length it claims, and so is
 * every diagnostic. */
#include <stdint.h>
#include <string.h>

#include "fsi_input.h"
#include "fsi_limits.h"
#include "fuzz_util.h"

typedef struct diag_state {
    size_t max_line;  /* Lines in the text + 1: no diagnostic points past. */
} diag_state_t;

static void on_diag(void *payload, const char *path, size_t line,
                    int is_error, const char *message)
{
    const diag_state_t *st = payload;
    FUZZ_CHECK(path != NULL && strcmp(path, "fuzz.txt") == 0);
    FUZZ_CHECK(message != NULL && message[0] != '\0');
    /* Messages quote the (converted, so valid) text: never half a
     * character. */
    FUZZ_CHECK(fuzz_utf8_valid(message, strlen(message)));
    FUZZ_CHECK(is_error == 0 || is_error == 1);
    FUZZ_CHECK(line <= st->max_line);
}

static void check_string(const char *s)
{
    if (s != NULL)
        FUZZ_CHECK(fuzz_utf8_valid(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The diagnostics of the charset step count lines of the raw bytes,
     * which CR/CRLF/UTF-16 make hard to bound exactly: bound them by the
     * byte count. */
    diag_state_t raw_state = {size + 1};
    char *text = NULL;
    size_t len = 0;
    forum_status_t st = fsi_text_to_utf8(&text, &len, "fuzz.txt",
                                         (const char *)data, size, on_diag,
                                         &raw_state);
    FUZZ_CHECK(st == FORUM_OK);
    FUZZ_CHECK(text != NULL);
    FUZZ_CHECK(text[len] == '\0');
    FUZZ_CHECK(memchr(text, '\0', len) == NULL);
    FUZZ_CHECK(memchr(text, '\r', len) == NULL);
    FUZZ_CHECK(fuzz_utf8_valid(text, len));

    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    diag_state_t state = {lines + 1};

    fsi_thread_t thread;
    fsi_thread_init(&thread);
    st = fsi_thread_parse_text(&thread, "fuzz.txt", text, len, on_diag,
                               &state);
    FUZZ_CHECK(st == FORUM_OK || st == FORUM_EPARSE);
    if (st == FORUM_OK)
        FUZZ_CHECK(thread.n_posts > 0);
    check_string(thread.id);
    check_string(thread.board);
    check_string(thread.title);
    check_string(thread.site);
    check_string(thread.source);
    FUZZ_CHECK(thread.n_posts <= thread.cap_posts || thread.posts == NULL);
    for (size_t i = 0; i < thread.n_posts; i++) {
        const fsi_post_t *post = &thread.posts[i];
        FUZZ_CHECK(post->floor >= 0 && post->floor <= FSI_MAX_FLOOR);
        FUZZ_CHECK(post->author != NULL && post->text != NULL);
        FUZZ_CHECK(strlen(post->text) == post->text_len);
        FUZZ_CHECK(post->text_len <= FSI_MAX_POST_BYTES);
        FUZZ_CHECK(fuzz_utf8_valid(post->text, post->text_len));
        check_string(post->author);
        FUZZ_CHECK(post->line >= 1 && post->line <= lines);
        /* Repeated floors are skipped: post ids must be unique. */
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(thread.posts[j].floor != post->floor);
    }
    fsi_thread_free(&thread);
    free(text);
    return 0;
}
