/* forumsearch — command-line parsing shared by the CLIs: options may
 * come anywhere among the other arguments (forum-search DB 川普 --json),
 * "--" ends them, and every message starts with the program's name.
 *
 * Options are described by getopt_long's struct option table and short
 * option string, so each CLI keeps its table next to its help. Unlike
 * getopt, an argument that starts with "-" and a character other than
 * an ASCII letter (-川普, -"a b", -(x), -), or holds a space or a
 * non-ASCII character ("-openai 川普"), is an operand, so a query may
 * say "without" in its first word; other "-f..." words are options (or
 * an error naming them). Long options may be abbreviated when
 * unambiguous.
 */
#ifndef FORUMSEARCH_ARGS_H
#define FORUMSEARCH_ARGS_H

#include <getopt.h>
#include <stdbool.h>

typedef struct cli_args {
    const char *program;         /* For messages: "forum-search". */
    const char *shorts;          /* getopt's short option string. */
    const struct option *longs;  /* getopt_long's table. */
    int argc;
    char **argv;
    int next;                    /* Next argv element to look at. */
    const char *cluster;         /* The rest of a -abc cluster. */
    bool ended;                  /* "--" seen. */
    char **operands;             /* The non-options, in order (owned). */
    int n_operands;
    const char *arg;             /* The current option's argument. */
    char name[64];               /* The current option as written. */
} cli_args_t;

/* Starts parsing argv[1..argc). Returns 0, or -1 out of memory. */
int cli_args_init(cli_args_t *args, const char *program, int argc,
                  char **argv, const char *shorts,
                  const struct option *longs);

/* The next option: its `val` (with args->arg its argument or NULL and
 * args->name how it was written, e.g. "--limit" or "-n"); -1 when all
 * arguments are read; '?' after printing "PROGRAM: unknown option ..."
 * or "PROGRAM: option ... needs a value" to stderr. Operands collect in
 * args->operands. */
int cli_args_next(cli_args_t *args);

void cli_args_free(cli_args_t *args);

#endif
