/* Contract: the version a program is compiled against is the version of
 * the library it runs with, three ways: the header's FORUM_VERSION_NUMBER,
 * forum_version_number() and forum_version_string() parsed ("0.1.0") are
 * one number, and FORUM_CHECK_VERSION() agrees with the header's parts.
 *
 * contract-args: NONE
 * Uses <forumsearch.h> only; built against the build tree (ctest
 * contract_version) and against an installed library, shared and static
 * (tests/install_test.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <forumsearch.h>

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "version: FAIL: " __VA_ARGS__);                  \
            fputc('\n', stderr);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* "MAJOR.MINOR.PATCH" exactly (decimal parts, nothing after): the number,
 * or -1. */
static long parse_version(const char *s)
{
    long parts[3];
    for (int i = 0; i < 3; i++) {
        if (*s < '0' || *s > '9')
            return -1;
        char *end;
        parts[i] = strtol(s, &end, 10);
        if (parts[i] < 0 || (i > 0 && parts[i] > 99))
            return -1;
        s = end;
        if (i < 2 && *s++ != '.')
            return -1;
    }
    if (*s != '\0')
        return -1;
    return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

int main(void)
{
    const unsigned header = FORUM_VERSION_NUMBER;
    const unsigned runtime = forum_version_number();
    const char *string = forum_version_string();

    CHECK(header == (unsigned)(FORUM_VERSION_MAJOR * 10000 +
                               FORUM_VERSION_MINOR * 100 +
                               FORUM_VERSION_PATCH),
          "FORUM_VERSION_NUMBER %u is not its parts %d.%d.%d", header,
          FORUM_VERSION_MAJOR, FORUM_VERSION_MINOR, FORUM_VERSION_PATCH);
    CHECK(FORUM_VERSION_MINOR < 100 && FORUM_VERSION_PATCH < 100,
          "minor %d or patch %d does not fit two digits",
          FORUM_VERSION_MINOR, FORUM_VERSION_PATCH);
    CHECK(runtime == header,
          "forum_version_number() %u, header FORUM_VERSION_NUMBER %u",
          runtime, header);
    CHECK(string != NULL, "forum_version_string() is NULL");
    if (string != NULL) {
        long parsed = parse_version(string);
        CHECK(parsed >= 0, "forum_version_string() \"%s\" is not M.m.p",
              string);
        CHECK(parsed == (long)runtime,
              "forum_version_string() \"%s\" is %ld, "
              "forum_version_number() %u", string, parsed, runtime);
        CHECK(string == forum_version_string(),
              "forum_version_string() is not one static string");
    }
    CHECK(FORUM_CHECK_VERSION(FORUM_VERSION_MAJOR, FORUM_VERSION_MINOR,
                              FORUM_VERSION_PATCH),
          "FORUM_CHECK_VERSION of the header's own version is false");
    CHECK(!FORUM_CHECK_VERSION(FORUM_VERSION_MAJOR, FORUM_VERSION_MINOR,
                               FORUM_VERSION_PATCH + 1),
          "FORUM_CHECK_VERSION of the next patch is true");
    CHECK(!FORUM_CHECK_VERSION(FORUM_VERSION_MAJOR + 1, 0, 0),
          "FORUM_CHECK_VERSION of the next major is true");
    CHECK(FORUM_CHECK_VERSION(0, 0, 0), "FORUM_CHECK_VERSION(0, 0, 0) is false");

    if (failures)
        return 1;
    printf("version: header %u == library %u == \"%s\"\n", header, runtime,
           string);
    return 0;
}
