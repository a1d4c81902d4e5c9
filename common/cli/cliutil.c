/* forumsearch — helpers shared by the two command-line tools. */
#include "cliutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Inline only: the CLIs link the public API, not the private symbols. */
#include "../utf8.h"

int cli_parse_color(const char *arg, cli_color_t *out)
{
    if (strcmp(arg, "auto") == 0)
        *out = CLI_COLOR_AUTO;
    else if (strcmp(arg, "always") == 0)
        *out = CLI_COLOR_ALWAYS;
    else if (strcmp(arg, "never") == 0)
        *out = CLI_COLOR_NEVER;
    else
        return -1;
    return 0;
}

bool cli_is_tty(FILE *stream)
{
    const char *fake = getenv("FORUMSEARCH_FAKE_TTY");
    if (fake && strcmp(fake, "1") == 0)
        return true;
    return isatty(fileno(stream)) != 0;
}

bool cli_use_color(cli_color_t choice, FILE *stream)
{
    if (choice == CLI_COLOR_ALWAYS)
        return true;
    if (choice == CLI_COLOR_NEVER)
        return false;
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0] != '\0')
        return false;
    return cli_is_tty(stream);
}

void cli_json_string(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c == '\n') {
            fputs("\\n", out), i++;
        } else if (c == '\t') {
            fputs("\\t", out), i++;
        } else if (c == '\r') {
            fputs("\\r", out), i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c), i++;
        } else if (c < 0x80) {
            fputc(c, out), i++;
        } else {
            uint32_t cp;
            size_t n = fsi_utf8_decode(s + i, len - i, &cp);
            if (cp == FSI_UTF8_INVALID) {
                fputs("\\ufffd", out);
                i++;
            } else {
                fwrite(p + i, 1, n, out);
                i += n;
            }
        }
    }
    fputc('"', out);
}

void cli_format_date(char out[32], int64_t t)
{
    out[0] = '\0';
    if (t == INT64_MIN)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

long long cli_parse_count(const char *arg)
{
    if (arg == NULL || *arg == '\0')
        return -1;
    long long v = 0;
    for (const char *p = arg; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000000000LL)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_exit_for(forum_status_t status)
{
    switch (status) {
    case FORUM_OK: return EXIT_OK;
    case FORUM_ELOCKED: return EXIT_TEMPFAIL;
    case FORUM_EQUERY: return EXIT_QUERY;
    case FORUM_ECANCELLED: return EXIT_INTERRUPTED;
    case FORUM_EUNAVAILABLE: return EXIT_UNAVAILABLE;
    default: return EXIT_RUNTIME;
    }
}

int cli_number_option(const char *program, const char *name,
                      const char *arg, long long min, long long max,
                      long long *out)
{
    const char *p = arg;
    bool digits = *p != '\0';
    bool too_large = false;
    long long v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            digits = false;
            break;
        }
        if (v > (max - (*p - '0')) / 10)
            too_large = true;
        else
            v = v * 10 + (*p - '0');
    }
    if (!digits) {
        fprintf(stderr, "%s: %s needs a number, not \"%s\"\n", program,
                name, arg);
        return -1;
    }
    if (too_large || v > max) {
        fprintf(stderr, "%s: %s %s is too large (at most %lld)\n", program,
                name, arg, max);
        return -1;
    }
    if (v < min) {
        fprintf(stderr, "%s: %s %s is too small (at least %lld)\n", program,
                name, arg, min);
        return -1;
    }
    *out = v;
    return 0;
}

void cli_shell_quote(FILE *out, const char *s)
{
    bool plain = *s != '\0';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_./:=@%+,-", *p)))
            plain = false;
    if (plain) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc(*p, out);
    }
    fputc('\'', out);
}

const char *cli_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
