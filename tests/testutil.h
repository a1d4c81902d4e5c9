/* forumsearch — minimal assertions for the C unit tests.
 *
 * Each failed check prints `file:line: phase: message` on stderr and
 * aborts, so the first failure stops the test with a core dump and a
 * clear location (leveldb c_test.c's CheckCondition/StartPhase).
 */
#ifndef FORUMSEARCH_TESTUTIL_H
#define FORUMSEARCH_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current phase, printed with each failure. Set it with PHASE(). */
static const char *test_phase = "";

#define PHASE(name)                                                       \
    do {                                                                  \
        test_phase = (name);                                              \
        fprintf(stderr, "=== %s\n", test_phase);                          \
    } while (0)

#define TEST_FAIL(...)                                                    \
    do {                                                                  \
        fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, test_phase);   \
        fprintf(stderr, __VA_ARGS__);                                     \
        fputc('\n', stderr);                                              \
        abort();                                                          \
    } while (0)

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond))                                                      \
            TEST_FAIL("check failed: %s", #cond);                         \
    } while (0)

/* Compares two NUL-terminated strings; NULL is shown as (null). */
#define CHECK_EQ_STR(a, b)                                                \
    do {                                                                  \
        const char *check_a_ = (a), *check_b_ = (b);                      \
        if (check_a_ == NULL || check_b_ == NULL                          \
            || strcmp(check_a_, check_b_) != 0)                           \
            TEST_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,               \
                      check_a_ ? check_a_ : "(null)",                     \
                      check_b_ ? check_b_ : "(null)");                    \
    } while (0)

/* Compares two integers of any type as long long. */
#define CHECK_EQ_INT(a, b)                                                \
    do {                                                                  \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);   \
        if (check_a_ != check_b_)                                         \
            TEST_FAIL("%s == %s: %lld != %lld", #a, #b, check_a_,         \
                      check_b_);                                          \
    } while (0)

/* Compares n bytes; prints both sides escaped when they differ. */
#define CHECK_EQ_MEM(a, a_len, b, b_len)                                  \
    do {                                                                  \
        const char *check_a_ = (const char *)(a);                         \
        const char *check_b_ = (const char *)(b);                         \
        size_t check_an_ = (a_len), check_bn_ = (b_len);                  \
        if (check_an_ != check_bn_                                        \
            || memcmp(check_a_, check_b_, check_an_) != 0) {              \
            fprintf(stderr, "%s:%d: %s: %s != %s\n  got      ", __FILE__, \
                    __LINE__, test_phase, #a, #b);                        \
            test_print_escaped(check_a_, check_an_);                      \
            fprintf(stderr, "\n  expected ");                             \
            test_print_escaped(check_b_, check_bn_);                      \
            fputc('\n', stderr);                                          \
            abort();                                                      \
        }                                                                 \
    } while (0)

static inline void test_print_escaped(const char *s, size_t n)
{
    fputc('"', stderr);
    for (size_t i = 0; i < n && i < 200; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, n > 200 ? "\"…" : "\"");
}

/* ------------------------------------------------------------------ */
/* A diagnostics recorder matching fsi_diag_fn                        */
/* ------------------------------------------------------------------ */

#define TEST_MAX_DIAGS 64

typedef struct test_diag {
    size_t line;
    int is_error;
    char message[256];
} test_diag_t;

typedef struct test_diags {
    test_diag_t items[TEST_MAX_DIAGS];
    size_t n;
    size_t dropped; /* Diagnostics beyond TEST_MAX_DIAGS. */
} test_diags_t;

/* An fsi_diag_fn: records into the test_diags_t given as payload. */
static inline void test_diag_record(void *payload, const char *path,
                                    size_t line, int is_error,
                                    const char *message)
{
    test_diags_t *diags = (test_diags_t *)payload;
    (void)path;
    if (diags->n == TEST_MAX_DIAGS) {
        diags->dropped++;
        return;
    }
    test_diag_t *d = &diags->items[diags->n++];
    d->line = line;
    d->is_error = is_error;
    snprintf(d->message, sizeof d->message, "%s", message);
}

/* Prints what was recorded; handy when a check on diagnostics fails. */
static inline void test_diags_dump(const test_diags_t *diags)
{
    for (size_t i = 0; i < diags->n; i++)
        fprintf(stderr, "  diag %zu: line %zu %s: %s\n", i,
                diags->items[i].line,
                diags->items[i].is_error ? "error" : "warning",
                diags->items[i].message);
}

/* Index of the first diagnostic whose message contains `needle`, or -1. */
static inline int test_diags_find(const test_diags_t *diags,
                                  const char *needle)
{
    for (size_t i = 0; i < diags->n; i++)
        if (strstr(diags->items[i].message, needle) != NULL)
            return (int)i;
    return -1;
}

/* Checks that a diagnostic containing `needle` was reported on `line`
 * with the given severity. */
#define CHECK_DIAG(diags, needle, want_line, want_error)                  \
    do {                                                                  \
        int check_i_ = test_diags_find((diags), (needle));                \
        if (check_i_ < 0) {                                               \
            test_diags_dump(diags);                                       \
            TEST_FAIL("no diagnostic containing \"%s\"", (needle));       \
        }                                                                 \
        CHECK_EQ_INT((diags)->items[check_i_].line, (want_line));         \
        CHECK_EQ_INT((diags)->items[check_i_].is_error, (want_error));    \
    } while (0)

#endif
