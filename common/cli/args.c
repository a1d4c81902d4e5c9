/* forumsearch — command-line parsing (see args.h). */
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_args_init(cli_args_t *args, const char *program, int argc,
                  char **argv, const char *shorts,
                  const struct option *longs)
{
    memset(args, 0, sizeof *args);
    args->program = program;
    args->shorts = shorts;
    args->longs = longs;
    args->argc = argc;
    args->argv = argv;
    args->next = 1;
    args->operands = calloc((size_t)(argc > 0 ? argc : 1),
                            sizeof *args->operands);
    return args->operands ? 0 : -1;
}

void cli_args_free(cli_args_t *args)
{
    free(args->operands);
    args->operands = NULL;
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A word getopt would read as options but that is query text. */
static bool is_operand(const char *s)
{
    if (s[0] != '-' || s[1] == '\0')
        return true;
    if (s[1] == '-')
        return false;
    if (!is_ascii_letter(s[1]))
        return true;
    /* Option clusters are printable ASCII: "-openai 川普" (one argument
     * with a space, or CJK) is query text. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7F)
            return true;
    return false;
}

static int unknown(cli_args_t *args, const char *what, const char *word)
{
    fprintf(stderr, "%s: unknown option '%s'", args->program, what);
    if (word && strcmp(word, what) != 0)
        fprintf(stderr, " (in '%s')", word);
    if (word && word[0] == '-' && word[1] != '-')
        fprintf(stderr, "; to search for a query that starts with '-', "
                "put it after '--'");
    fputc('\n', stderr);
    return '?';
}

static int long_option(cli_args_t *args, const char *word)
{
    const char *body = word + 2;
    const char *eq = strchr(body, '=');
    size_t len = eq ? (size_t)(eq - body) : strlen(body);
    const struct option *found = NULL;
    int candidates = 0;
    for (const struct option *o = args->longs; o->name; o++) {
        if (strncmp(o->name, body, len) != 0)
            continue;
        if (strlen(o->name) == len) { /* Exact beats any prefix. */
            found = o;
            candidates = 1;
            break;
        }
        /* Aliases of one option (same val) are one candidate. */
        if (found == NULL || found->val != o->val)
            candidates++;
        if (found == NULL)
            found = o;
    }
    snprintf(args->name, sizeof args->name, "--%.*s", (int)len, body);
    if (found == NULL)
        return unknown(args, args->name, NULL);
    if (candidates > 1) {
        fprintf(stderr, "%s: option '%s' is ambiguous\n", args->program,
                args->name);
        return '?';
    }
    snprintf(args->name, sizeof args->name, "--%s", found->name);
    args->arg = NULL;
    if (found->has_arg == no_argument) {
        if (eq) {
            fprintf(stderr, "%s: option '%s' takes no value\n",
                    args->program, args->name);
            return '?';
        }
    } else if (eq) {
        args->arg = eq + 1;
    } else if (found->has_arg == required_argument) {
        if (args->next >= args->argc) {
            fprintf(stderr, "%s: option '%s' needs a value\n",
                    args->program, args->name);
            return '?';
        }
        args->arg = args->argv[args->next++];
    }
    return found->val;
}

static int short_option(cli_args_t *args)
{
    char c = *args->cluster++;
    const char *spec = is_ascii_letter(c) || (c >= '0' && c <= '9')
                           ? strchr(args->shorts, c) : NULL;
    snprintf(args->name, sizeof args->name, "-%c", c);
    args->arg = NULL;
    if (spec == NULL) {
        const char *word = args->argv[args->next - 1];
        args->cluster = NULL;
        return unknown(args, args->name, word);
    }
    if (spec[1] == ':') {
        if (*args->cluster) {
            args->arg = args->cluster;
        } else if (args->next < args->argc) {
            args->arg = args->argv[args->next++];
        } else {
            fprintf(stderr, "%s: option '%s' needs a value\n",
                    args->program, args->name);
            args->cluster = NULL;
            return '?';
        }
        args->cluster = NULL;
    } else if (*args->cluster == '\0') {
        args->cluster = NULL;
    }
    return c;
}

int cli_args_next(cli_args_t *args)
{
    if (args->cluster)
        return short_option(args);
    while (args->next < args->argc) {
        char *word = args->argv[args->next++];
        if (args->ended || is_operand(word)) {
            args->operands[args->n_operands++] = word;
            continue;
        }
        if (strcmp(word, "--") == 0) {
            args->ended = true;
            continue;
        }
        if (word[1] == '-')
            return long_option(args, word);
        args->cluster = word + 1;
        return short_option(args);
    }
    return -1;
}
