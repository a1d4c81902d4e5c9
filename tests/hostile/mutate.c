/* mutate: a deterministic byte mutator for tests/hostile/hostile_test.sh.
 *
 *   mutate truncate SEED COUNT INPUT OUTPREFIX SUFFIX
 *   mutate flip     SEED COUNT INPUT OUTPREFIX SUFFIX
 *
 * Writes COUNT damaged copies of INPUT named OUTPREFIX00SUFFIX,
 * OUTPREFIX01SUFFIX, ... ("truncate": cut at a random byte offset, one in
 * four of them inside the first 256 bytes, where the header is; "flip":
 * 1 to 20 random bytes overwritten, by a random byte, a bit flip, a byte
 * that means something to the parsers — NUL, CR, LF, quote, brace, digit,
 * a UTF-8 lead or continuation byte — or a byte copied from elsewhere in
 * the file). The same SEED and INPUT bytes always give the same copies.
 * Prints one line per copy on stdout: its name, a tab, what was done. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static size_t below(size_t n) /* 0 <= r < n, n > 0 */
{
    return (size_t)(next() % n);
}

static int write_file(const char *name, const unsigned char *bytes,
                      size_t len)
{
    FILE *f = fopen(name, "wb");
    if (f == NULL || (len && fwrite(bytes, 1, len, f) != len) ||
        fclose(f) != 0) {
        perror(name);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 || (strcmp(argv[1], "truncate") != 0 &&
                      strcmp(argv[1], "flip") != 0)) {
        fprintf(stderr, "usage: mutate truncate|flip SEED COUNT INPUT "
                "OUTPREFIX SUFFIX\n");
        return 2;
    }
    int truncate = strcmp(argv[1], "truncate") == 0;
    unsigned long long seed = strtoull(argv[2], NULL, 10);
    long count = strtol(argv[3], NULL, 10);
    if (count < 1 || count > 1000) {
        fprintf(stderr, "mutate: COUNT must be 1..1000\n");
        return 2;
    }

    FILE *in = fopen(argv[4], "rb");
    if (in == NULL) {
        perror(argv[4]);
        return 1;
    }
    size_t len = 0, cap = 1 << 16;
    unsigned char *bytes = malloc(cap);
    size_t got;
    while (bytes && (got = fread(bytes + len, 1, cap - len, in)) > 0) {
        len += got;
        if (len == cap) {
            unsigned char *grown = realloc(bytes, cap * 2);
            if (grown == NULL) {
                free(bytes);
                bytes = NULL;
                break;
            }
            bytes = grown;
            cap *= 2;
        }
    }
    fclose(in);
    unsigned char *copy = bytes ? malloc(len + 1) : NULL;
    if (copy == NULL) {
        fprintf(stderr, "mutate: out of memory\n");
        free(bytes);
        return 1;
    }

    /* The seed, the mode and the content choose the damage. */
    rng_state = seed * 2 + (unsigned)truncate;
    for (size_t i = 0; i < len; i++)
        rng_state = (rng_state ^ bytes[i]) * UINT64_C(1099511628211);

    static const unsigned char meaningful[] = {
        0x00, '\n', '\r', ' ', '"', '\\', '{', '}', '[', ']', ':', ',',
        '0', '9', '-', 0x80, 0xBF, 0xC0, 0xE5, 0xED, 0xEF, 0xF0, 0xFF, 0xFE};
    char name[4096];
    int status = 0;
    for (long n = 0; n < count && status == 0; n++) {
        snprintf(name, sizeof name, "%s%02ld%s", argv[5], n, argv[6]);
        char what[512];
        size_t out_len = len;
        memcpy(copy, bytes, len);
        if (truncate) {
            size_t span = len;
            if (n % 4 == 0 && span > 256)
                span = 256;
            out_len = span ? below(span) : 0;
            snprintf(what, sizeof what, "truncated at byte %zu of %zu",
                     out_len, len);
        } else if (len == 0) {
            snprintf(what, sizeof what, "empty input, nothing to flip");
        } else {
            size_t flips = 1 + below(20);
            int used = snprintf(what, sizeof what, "%zu byte%s changed:",
                                flips, flips == 1 ? "" : "s");
            for (size_t k = 0; k < flips; k++) {
                size_t at = below(len);
                unsigned char old = copy[at], b;
                switch (below(4)) {
                case 0: b = (unsigned char)below(256); break;
                case 1: b = old ^ (unsigned char)(1u << below(8)); break;
                case 2: b = meaningful[below(sizeof meaningful)]; break;
                default: b = bytes[below(len)]; break;
                }
                copy[at] = b;
                if (used >= 0 && (size_t)used < sizeof what)
                    used += snprintf(what + used, sizeof what - (size_t)used,
                                     " @%zu %02x>%02x", at, old, b);
            }
        }
        status = write_file(name, copy, out_len);
        printf("%s\t%s\n", name, what);
    }
    free(copy);
    free(bytes);
    return status == 0 ? 0 : 1;
}
