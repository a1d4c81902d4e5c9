/* normalize_posts: runs forum_normalize() over records on stdin.
 *
 * The ground truth of the benchmark is a plain substring scan of post texts
 * normalized exactly as forumsearch normalizes them, so this helper links
 * libforumsearch and uses its public forum_normalize().
 *
 * Framing (binary safe), in and out:  KEY TAB LENGTH LF, LENGTH bytes, LF.
 * Output records come in input order with the same keys.
 *
 * Build: cc -std=c11 -O2 -I common/include bench/normalize_posts.c \
 *           -L build/common -lforumsearch -Wl,-rpath,$PWD/build/common
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forumsearch.h"

static int read_all(FILE *f, char **out, size_t *out_len)
{
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                free(buf);
                return -1;
            }
            break;
        }
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int main(void)
{
    char *in;
    size_t in_len;
    if (read_all(stdin, &in, &in_len) != 0) {
        fprintf(stderr, "normalize_posts: reading stdin: %s\n",
                strerror(errno));
        return 1;
    }
    size_t pos = 0, nrec = 0;
    while (pos < in_len) {
        char *nl = memchr(in + pos, '\n', in_len - pos);
        if (!nl) {
            fprintf(stderr, "normalize_posts: record %zu: no header end\n",
                    nrec + 1);
            return 1;
        }
        char *tab = NULL;
        for (char *p = nl; p > in + pos; p--)
            if (p[-1] == '\t') {
                tab = p - 1;
                break;
            }
        if (!tab) {
            fprintf(stderr, "normalize_posts: record %zu: no length\n",
                    nrec + 1);
            return 1;
        }
        char *end;
        errno = 0;
        unsigned long long len = strtoull(tab + 1, &end, 10);
        if (errno || end != nl) {
            fprintf(stderr, "normalize_posts: record %zu: bad length\n",
                    nrec + 1);
            return 1;
        }
        size_t key_len = (size_t)(tab - (in + pos));
        size_t text_start = (size_t)(nl - in) + 1;
        if (len > in_len - text_start) {
            fprintf(stderr, "normalize_posts: record %zu: truncated\n",
                    nrec + 1);
            return 1;
        }
        char *norm = NULL;
        size_t norm_len = 0;
        forum_status_t st = forum_normalize(&norm, &norm_len,
                                            in + text_start, (size_t)len);
        if (st != FORUM_OK) {
            fprintf(stderr, "normalize_posts: record %zu: %s\n", nrec + 1,
                    forum_status_to_string(st));
            return 1;
        }
        fwrite(in + pos, 1, key_len, stdout);
        printf("\t%zu\n", norm_len);
        fwrite(norm, 1, norm_len, stdout);
        putchar('\n');
        forum_free(norm);
        pos = text_start + (size_t)len + 1;
        nrec++;
    }
    free(in);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "normalize_posts: writing: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
