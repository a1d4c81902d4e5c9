/* forumsearch — helpers shared by the two command-line tools. */
#include "cliutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Length of a valid UTF-8 sequence at s (left bytes), 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    size_t need;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3;
    else
        return 0;
    if (left <= need)
        return 0;
    for (size_t i = 1; i <= need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* Overlongs, surrogates and values past U+10FFFF. */
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return need + 1;
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
            size_t n = utf8_valid_len(p + i, len - i);
            if (n == 0) {
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
