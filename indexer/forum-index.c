/* forum-index: builds or updates a forumsearch database from thread
 * files. A thin layer over forum_db_index_path(). */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <forumsearch.h>

#include "args.h"
#include "cliutil.h"

#define PROGRAM "forum-index"

enum { OPT_STATS = 256, OPT_JSON };

static const struct option long_options[] = {
    {"force", no_argument, NULL, 'f'},       /* Re-index unchanged files. */
    {"wait-lock", no_argument, NULL, 'w'},   /* Wait for another writer. */
    {"commit-every", required_argument, NULL, 'c'}, /* Files per commit. */
    {"compact", no_argument, NULL, 'C'},     /* Compact after indexing. */
    {"no-compact", no_argument, NULL, 'N'},  /* Even when it is due. */
    {"jobs", required_argument, NULL, 'j'},  /* Shards of a new DB. */
    {"shards", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},       /* Errors only. */
    {"verbose", no_argument, NULL, 'v'},     /* Also per-file lines. */
    {"stats", no_argument, NULL, OPT_STATS}, /* What DB holds. */
    {"json", no_argument, NULL, OPT_JSON},   /* --stats as JSON. */
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *out)
{
    fprintf(out,
"Usage: " PROGRAM " [OPTION]... DB PATH...\n"
"       " PROGRAM " --compact [OPTION]... DB [PATH]...\n"
"       " PROGRAM " --stats [--json] DB\n"
"Index the forum threads under each PATH (directories are searched\n"
"recursively for *.txt thread files and *.jsonl thread lists) into the\n"
"database directory DB, creating it if needed. Re-runs index only new\n"
"and changed files and delete the posts of files that are gone.\n"
"\n"
"  -f, --force            re-index files even if they did not change\n"
"  -w, --wait-lock        wait for another indexer instead of failing\n"
"  -c, --commit-every N   commit after every N files (default 200)\n"
"  -j, --jobs N, --shards N\n"
"                         a new DB gets N shards, indexed by N threads at\n"
"                         once (default: one per CPU); an existing DB keeps\n"
"                         the shards it was made with, and an explicit N\n"
"                         that differs from them is an error\n"
"  -C, --compact          then rewrite the database compactly (about half\n"
"                         the size after a full build; searches go on);\n"
"                         without -C this is done when it is due: after a\n"
"                         first build, and once the database's files are\n"
"                         twice their size after the last compaction\n"
"      --no-compact       do not compact, even when it is due\n"
"      --stats            print what DB holds instead of indexing: threads,\n"
"                         posts, authors, boards, dates, size on disk by\n"
"                         table, shards, generation, analyzer and ICU\n"
"                         versions, last write, whether a writer holds\n"
"                         the lock (--json: one JSON object)\n"
"  -q, --quiet            report errors only, no warnings or summary\n"
"  -v, --verbose          also name each file as it is indexed\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show versions and exit\n"
"\n"
"Problems in input files are reported as PATH:LINE: MESSAGE on stderr.\n"
"A file or directory that cannot be read keeps the posts indexed from it\n"
"before (counted as kept and as an error); only files that are gone have\n"
"their posts removed.\n"
"\n"
"Options may come before or after DB and PATH; \"--\" ends them.\n"
"\n"
"Exit status: 0 all indexed; 1 indexed, but some input was skipped or\n"
"could not be read; 2 usage error; 3 database or I/O error; 4 a PATH does\n"
"not exist (the others are indexed; none existing: DB is not touched);\n"
"75 database locked; 130 interrupted (SIGINT or SIGTERM: the run stops\n"
"after the current file and keeps the files indexed so far).\n");
}

typedef struct cli {
    int quiet, verbose;
    bool progress;
    bool progress_shown;
} cli_t;

static void on_diag(void *payload, const char *path, size_t line,
                    forum_severity_t severity, const char *message)
{
    cli_t *cli = payload;
    if (severity == FORUM_WARNING && cli->quiet)
        return;
    if (cli->progress_shown) {
        fputs("\r\033[K", stderr);
        cli->progress_shown = false;
    }
    fprintf(stderr, PROGRAM ": %s", path);
    if (line)
        fprintf(stderr, ":%zu", line);
    fprintf(stderr, ": %s%s\n", severity == FORUM_WARNING ? "warning: " : "",
            message);
}

/* Set by SIGINT/SIGTERM: the run stops after the file it is on, keeping
 * the files indexed so far (forum_index_options_t.progress). */
static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int on_progress(void *payload, uint64_t done, uint64_t total)
{
    cli_t *cli = payload;
    if (stop_requested)
        return 1;
    if (!cli->progress || total == 0)
        return 0;
    int width = 30, filled = (int)(done * (uint64_t)width / total);
    fprintf(stderr, "\r\033[K[%.*s%*s] %llu/%llu files", filled,
            "##############################", width - filled, "",
            (unsigned long long)done, (unsigned long long)total);
    cli->progress_shown = true;
    return 0;
}

static int exit_for(forum_status_t status)
{
    return cli_exit_for(status);
}

/* --stats: what the database holds, for a person or as JSON. */
static int print_stats(const char *db_path, bool json)
{
    forum_db_t *db = NULL;
    char *errmsg = NULL, *report = NULL;
    forum_status_t status = forum_db_open(&db, db_path, FORUM_DB_READ,
                                          &errmsg);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n",
                errmsg ? errmsg : forum_status_to_string(status));
        forum_free(errmsg);
        return exit_for(status);
    }
    status = forum_db_stats(&report, db, json ? FORUM_REPORT_JSON
                                              : FORUM_REPORT_TEXT);
    if (status != FORUM_OK)
        fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
    else
        printf("%s%s", report, json ? "\n" : "");
    forum_free(report);
    forum_db_destroy(db);
    if (status == FORUM_OK && fflush(stdout) != 0) {
        fprintf(stderr, PROGRAM ": cannot write the report\n");
        return EXIT_RUNTIME;
    }
    return status == FORUM_OK ? EXIT_OK : exit_for(status);
}

int main(int argc, char **argv)
{
    cli_t cli = {0, 0, false, false};
    forum_db_mode_t mode = FORUM_DB_WRITE;
    forum_index_options_t opts;
    forum_index_options_init(&opts, FORUM_INDEX_OPTIONS_VERSION);
    int c;
    /* Compaction: when due (the default), always (-C) or never. */
    enum { COMPACT_WHEN_DUE, COMPACT_ALWAYS, COMPACT_NEVER } compact =
        COMPACT_WHEN_DUE;
    bool want_stats = false, json = false;
    unsigned jobs = 0; /* 0: one per CPU. */
    cli_args_t args;
    if (cli_args_init(&args, PROGRAM, argc, argv, "fwc:j:CqvhV",
                      long_options) != 0) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return EXIT_RUNTIME;
    }
    int done = -1; /* An exit code once decided. */
    while (done < 0 && (c = cli_args_next(&args)) != -1) {
        long long n;
        switch (c) {
        case 'f': opts.force = true; break;
        case 'w': mode = FORUM_DB_WRITE_WAIT; break;
        case 'c':
            if (cli_number_option(PROGRAM, args.name, args.arg, 0,
                                  1000000000, &n))
                done = EXIT_USAGE;
            else
                opts.commit_every_files = (unsigned)n;
            break;
        case 'j':
            if (cli_number_option(PROGRAM, args.name, args.arg, 1,
                                  FORUM_MAX_SHARDS, &n))
                done = EXIT_USAGE;
            else
                jobs = (unsigned)n;
            break;
        case 'C': compact = COMPACT_ALWAYS; break;
        case 'N': compact = COMPACT_NEVER; break;
        case 'q': cli.quiet = 1; break;
        case 'v': cli.verbose = 1; break;
        case OPT_STATS: want_stats = true; break;
        case OPT_JSON: json = true; break;
        case 'h': usage(stdout); done = EXIT_OK; break;
        case 'V':
            printf(PROGRAM " %s (libforumsearch %s, %s)\n",
                   forum_version_string(), forum_version_string(),
                   forum_dependency_versions());
            done = EXIT_OK;
            break;
        default:
            done = EXIT_USAGE;
        }
    }
    /* The operands, in order, where argv had them (argv[0] stays). */
    int n_operands = args.n_operands;
    for (int i = 0; i < n_operands; i++)
        argv[i + 1] = args.operands[i];
    char **operands = argv + 1;
    cli_args_free(&args);
    if (done < 0 && json && !want_stats) {
        fprintf(stderr, PROGRAM ": --json goes with --stats\n");
        done = EXIT_USAGE;
    }
    if (done < 0 && want_stats && n_operands != 1) {
        fprintf(stderr, PROGRAM ": --stats needs one database and nothing "
                "else\n");
        done = EXIT_USAGE;
    }
    if (done < 0 && !want_stats &&
        n_operands < (compact == COMPACT_ALWAYS ? 1 : 2)) {
        fprintf(stderr, PROGRAM ": need a database and at least one path\n"
                "Usage: " PROGRAM " [OPTION]... DB PATH...\n"
"       " PROGRAM " --compact [OPTION]... DB [PATH]...\n");
        done = EXIT_USAGE;
    }
    if (done == EXIT_USAGE)
        fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
    if (done < 0 && want_stats)
        done = print_stats(operands[0], json);
    if (done >= 0)
        return done;
    cli.progress = !cli.quiet && cli_is_tty(stderr);
    opts.diag = on_diag;
    opts.diag_payload = &cli;
    opts.progress = on_progress;
    opts.progress_payload = &cli;

    /* A PATH that is not there is the user's mistake, not an empty
     * forum: say so before creating or touching the database. */
    int missing = 0;
    for (int i = 1; i < n_operands; i++) {
        struct stat st;
        if (stat(operands[i], &st) != 0) {
            fprintf(stderr, PROGRAM ": %s: %s\n", operands[i], strerror(errno));
            operands[i] = NULL;
            missing++;
        }
    }
    if (missing && missing == n_operands - 1)
        return EXIT_NO_PATH;

    struct sigaction stop = {0};
    stop.sa_handler = request_stop;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGINT, &stop, NULL);
    sigaction(SIGTERM, &stop, NULL);

    const char *db_path = operands[0];
    char *errmsg = NULL;
    forum_db_t *db = NULL;
    struct stat db_st;
    bool creating = stat(db_path, &db_st) != 0 && errno == ENOENT;
    if (creating) {
        forum_status_t created = forum_db_create(db_path, jobs, &errmsg);
        if (created != FORUM_OK) {
            fprintf(stderr, PROGRAM ": %s\n",
                    errmsg ? errmsg : forum_status_to_string(created));
            forum_free(errmsg);
            return exit_for(created);
        }
    }
    forum_status_t status = forum_db_open(&db, db_path, mode, &errmsg);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", errmsg ? errmsg
                                                 : forum_status_to_string(status));
        forum_free(errmsg);
        return exit_for(status);
    }

    unsigned shards = 0;
    if (!creating && jobs && forum_db_shard_count(db, &shards) == FORUM_OK &&
        shards != jobs) {
        /* Moving threads between shards is a re-index into a new DB, not
         * something a flag should do behind the user's back. */
        fprintf(stderr, PROGRAM ": %s has %u shard%s; -j %u applies when a "
                "database is created (re-shard by indexing into a new DB "
                "with -j %u)\n", db_path, shards, shards == 1 ? "" : "s",
                jobs, jobs);
        forum_db_destroy(db);
        return EXIT_USAGE;
    }
    forum_index_stats_t total = {0};
    double started = cli_now();
    int exit_code = EXIT_OK;
    for (int i = 1; i < n_operands; i++) {
        forum_index_stats_t stats;
        if (operands[i] == NULL)
            continue;
        if (cli.verbose)
            fprintf(stderr, PROGRAM ": indexing %s\n", operands[i]);
        status = forum_db_index_path(db, operands[i], &opts, &stats);
        if (cli.progress_shown) {
            fputs("\r\033[K", stderr);
            cli.progress_shown = false;
        }
        total.files_seen += stats.files_seen;
        total.files_indexed += stats.files_indexed;
        total.files_unchanged += stats.files_unchanged;
        total.files_skipped += stats.files_skipped;
        total.files_removed += stats.files_removed;
        total.posts += stats.posts;
        total.threads += stats.threads;
        total.text_bytes += stats.text_bytes;
        total.warnings += stats.warnings;
        total.errors += stats.errors;
        total.files_kept += stats.files_kept;
        if (status == FORUM_ENOTFOUND) { /* Vanished since checked. */
            fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
            missing++;
            continue;
        }
        if (status == FORUM_ECANCELLED) {
            fprintf(stderr, PROGRAM ": interrupted: %s\n",
                    forum_db_last_error(db));
            exit_code = EXIT_INTERRUPTED;
            break;
        }
        if (status != FORUM_OK) {
            fprintf(stderr, PROGRAM ": %s: %s\n", operands[i],
                    forum_db_last_error(db));
            exit_code = exit_for(status);
            break;
        }
    }
    bool due = compact == COMPACT_ALWAYS;
    if (compact == COMPACT_WHEN_DUE &&
        (exit_code == EXIT_OK || exit_code == EXIT_SKIPPED)) {
        status = forum_db_compaction_due(db, &due);
        if (status != FORUM_OK) {
            fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
            exit_code = exit_for(status);
        }
    }
    if (due && (exit_code == EXIT_OK || exit_code == EXIT_SKIPPED)) {
        double compact_start = cli_now();
        status = forum_db_compact(db);
        if (status != FORUM_OK) {
            fprintf(stderr, PROGRAM ": %s\n", forum_db_last_error(db));
            exit_code = exit_for(status);
        } else if (!cli.quiet) {
            fprintf(stderr, PROGRAM ": compacted in %.2f s\n",
                    cli_now() - compact_start);
        }
    }
    status = forum_db_close(db);
    if (status != FORUM_OK && exit_code == EXIT_OK) {
        fprintf(stderr, PROGRAM ": %s: %s\n", db_path,
                forum_db_last_error(db));
        exit_code = exit_for(status);
    }
    forum_db_destroy(db);
    total.errors += (uint64_t)missing;
    if (exit_code == EXIT_OK && missing)
        exit_code = EXIT_NO_PATH;
    if (exit_code == EXIT_OK && (total.errors || total.files_skipped))
        exit_code = EXIT_SKIPPED;
    if (!cli.quiet) {
        double secs = cli_now() - started;
        fprintf(stderr,
                PROGRAM ": %llu files: %llu indexed (%llu threads, %llu "
                "posts, %.1f MB of text), %llu unchanged, %llu skipped, "
                "%llu removed, %llu kept unreadable; %llu warnings, "
                "%llu errors; %.2f s\n",
                (unsigned long long)total.files_seen,
                (unsigned long long)total.files_indexed,
                (unsigned long long)total.threads,
                (unsigned long long)total.posts,
                (double)total.text_bytes / 1e6,
                (unsigned long long)total.files_unchanged,
                (unsigned long long)total.files_skipped,
                (unsigned long long)total.files_removed,
                (unsigned long long)total.files_kept,
                (unsigned long long)total.warnings,
                (unsigned long long)total.errors, secs);
    }
    return exit_code;
}
