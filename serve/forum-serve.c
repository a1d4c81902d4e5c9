/* forum-serve: a search page and a JSON API over HTTP for a forumsearch
 * database. Thin like the other two tools: options, signals and the
 * listening address here; the server in http.c, the pages in page.c,
 * the API in api.c, request parameters and their limits in params.c. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <forumsearch.h>

#include "cliutil.h"
#include "dbpool.h"
#include "http.h"
#include "params.h"

#define PROGRAM "forum-serve"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define MAX_THREADS 256

enum { OPT_TIMEOUT = 256, OPT_MAX_CONNECTIONS };

static const struct option long_options[] = {
    {"listen", required_argument, NULL, 'l'},
    {"threads", required_argument, NULL, 't'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void usage(FILE *out)
{
    fprintf(out,
"Usage: " PROGRAM " [OPTION]... DB\n"
"Serve a search page and a JSON API for the forumsearch database DB over\n"
"HTTP. Read-only; a search always sees the database's latest commit.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR        where to listen (default " DEFAULT_LISTEN "):\n"
"                           HOST:PORT, [IPv6]:PORT, or PORT alone for\n"
"                           127.0.0.1:PORT; port 0 picks a free port.\n"
"                           Listen beyond loopback only behind a reverse\n"
"                           proxy (README)\n"
"  -t, --threads N          threads serving requests, each with its own\n"
"                           database handle (default: one per CPU)\n"
"      --timeout SECONDS    close a connection idle this long (default 10)\n"
"      --max-connections N  open connections at most (default 256)\n"
"  -q, --quiet              no access log on stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show versions and exit\n"
"\n"
"Routes:\n"
"  GET /                    the search page\n"
"                           (?q=&offset=&sort=&posts=&scope=)\n"
"  GET /thread?id=ID&q=     a thread in floor order, q's words marked\n"
"  GET /api/search          ?q=QUERY&limit=&offset=&posts=&sort=&scope=:\n"
"                           hits as forum-search --json prints them\n"
"  GET /api/thread          ?id=ID&q=QUERY: as forum-search --thread ID\n"
"                           --json DB QUERY prints it\n"
"\n"
"Limits: q at most %d bytes, limit at most %d, offset + limit at most\n"
"%d; anything malformed is answered 400 with the reason.\n"
"\n"
"SIGTERM or SIGINT stops it: new connections are refused, requests under\n"
"way are answered (for up to --timeout seconds), then it exits.\n"
"\n"
"Exit status: 0 stopped by a signal; 2 usage error; 3 the database\n"
"cannot be opened or the address cannot be used.\n",
            SERVE_MAX_Q_BYTES, SERVE_MAX_LIMIT, SERVE_MAX_WINDOW);
}

typedef struct options {
    const char *db_path;
    const char *listen;
    long long threads, timeout, max_connections;
    bool quiet;
} options_t;

static int parse_number(const char *name, const char *arg, long long min,
                        long long max, long long *out)
{
    long long n = cli_parse_count(arg);
    if (n < min || n > max) {
        fprintf(stderr, PROGRAM ": %s must be a whole number from %lld to "
                "%lld, not \"%s\"\n", name, min, max, arg);
        return -1;
    }
    *out = n;
    return 0;
}

/* 0 to run, 1 to exit with *exit_code, -1 for a usage error. */
static int parse_args(options_t *opts, int argc, char **argv,
                      int *exit_code)
{
    int c;
    while ((c = getopt_long(argc, argv, "l:t:qhV", long_options, NULL)) !=
           -1) {
        switch (c) {
        case 'l': opts->listen = optarg; break;
        case 't':
            if (parse_number("--threads", optarg, 1, MAX_THREADS,
                             &opts->threads) != 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (parse_number("--timeout", optarg, 1, 3600,
                             &opts->timeout) != 0)
                return -1;
            break;
        case OPT_MAX_CONNECTIONS:
            if (parse_number("--max-connections", optarg, 1, 100000,
                             &opts->max_connections) != 0)
                return -1;
            break;
        case 'q': opts->quiet = true; break;
        case 'h': usage(stdout); *exit_code = EXIT_OK; return 1;
        case 'V':
            printf(PROGRAM " %s (libforumsearch %s, %s, libmicrohttpd %s)\n",
                   forum_version_string(), forum_version_string(),
                   forum_dependency_versions(), serve_http_version());
            *exit_code = EXIT_OK;
            return 1;
        default:
            return -1;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, PROGRAM ": %s\n", argc - optind < 1
                ? "need a database" : "too many arguments: need one database");
        return -1;
    }
    opts->db_path = argv[optind];
    return 0;
}

/* Resolves "HOST:PORT", "[V6]:PORT" or "PORT" into *out. */
static int parse_listen(const char *arg, struct sockaddr_storage *out,
                        char *shown, size_t shown_size)
{
    char host[256], port[16];
    const char *colon = strrchr(arg, ':');
    if (colon == NULL) {
        snprintf(host, sizeof host, "127.0.0.1");
        if (snprintf(port, sizeof port, "%s", arg) >= (int)sizeof port)
            goto bad;
    } else {
        const char *h = arg;
        size_t h_len = (size_t)(colon - arg);
        if (h_len >= 2 && h[0] == '[' && h[h_len - 1] == ']')
            h++, h_len -= 2;
        if (h_len == 0 || h_len >= sizeof host ||
            snprintf(port, sizeof port, "%s", colon + 1) >= (int)sizeof port)
            goto bad;
        memcpy(host, h, h_len);
        host[h_len] = '\0';
    }
    if (cli_parse_count(port) < 0 || cli_parse_count(port) > 65535)
        goto bad;
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &found);
    if (rc != 0) {
        fprintf(stderr, PROGRAM ": --listen %s: %s\n", arg,
                gai_strerror(rc));
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    snprintf(shown, shown_size, "%s%s%s", strchr(host, ':') ? "[" : "",
             host, strchr(host, ':') ? "]" : "");
    return 0;
bad:
    fprintf(stderr, PROGRAM ": --listen needs HOST:PORT, [IPv6]:PORT or "
            "PORT (0 to 65535), not \"%s\"\n", arg);
    return -1;
}

static bool is_loopback(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
           (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) &&
            v6->sin6_addr.s6_addr[12] == 127);
}

/* Waits for SIGTERM or SIGINT (blocked in every thread), then stops
 * accepting, lets the requests under way finish for up to
 * drain_seconds, and returns. A second signal stops at once. */
static void serve_until_signal(serve_server_t *server,
                               unsigned drain_seconds)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    int sig;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, PROGRAM ": %s: finishing the requests under way\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    serve_server_quiesce(server);
    double deadline = cli_now() + drain_seconds;
    const struct timespec tick = {0, 20 * 1000 * 1000};
    while (serve_server_in_flight(server) > 0 && cli_now() < deadline) {
        if (sigtimedwait(&stop, NULL, &tick) > 0) {
            fprintf(stderr, PROGRAM ": second signal: stopping now\n");
            break;
        }
    }
    unsigned left = serve_server_in_flight(server);
    if (left)
        fprintf(stderr, PROGRAM ": stopping with %u request%s unfinished\n",
                left, left == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
    options_t opts = {NULL, DEFAULT_LISTEN, 0, 10, 256, false};
    int exit_code = EXIT_USAGE;
    serve_dbpool_t *pool = NULL;
    serve_server_t *server = NULL;
    char *errmsg = NULL;

    int parsed = parse_args(&opts, argc, argv, &exit_code);
    if (parsed != 0) {
        if (parsed < 0)
            fprintf(stderr, "Try '" PROGRAM " --help' for more "
                    "information.\n");
        return exit_code;
    }
    serve_config_t config = {0};
    char host[300];
    if (parse_listen(opts.listen, &config.address, host, sizeof host) != 0)
        return EXIT_USAGE;
    if (opts.threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        opts.threads = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : cpus;
    }
    config.threads = (unsigned)opts.threads;
    config.timeout_seconds = (unsigned)opts.timeout;
    config.max_connections = (unsigned)opts.max_connections;
    config.quiet = opts.quiet;

    /* Every thread the server starts inherits this mask: the signals
     * that stop it reach only sigwait() below. A client that goes away
     * mid-answer must not kill the process. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    exit_code = EXIT_RUNTIME;
    forum_status_t status = serve_dbpool_create(&pool, opts.db_path,
                                                config.threads, &errmsg);
    if (status != FORUM_OK) {
        fprintf(stderr, PROGRAM ": %s\n", errmsg);
        goto out;
    }
    if (serve_dbpool_warning(pool)[0])
        fprintf(stderr, PROGRAM ": warning: %s\n",
                serve_dbpool_warning(pool));
    char err[256];
    if (serve_server_start(&server, &config, pool, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": %s: %s\n", opts.listen, err);
        goto out;
    }
    if (!is_loopback(&config.address))
        fprintf(stderr, PROGRAM ": warning: listening on %s, beyond this "
                "machine: forum-serve speaks plain HTTP; put it behind a "
                "reverse proxy (README)\n", host);
    fprintf(stderr, PROGRAM ": serving %s on http://%s:%u/ (%u thread%s)\n",
            opts.db_path, host, serve_server_port(server), config.threads,
            config.threads == 1 ? "" : "s");
    serve_until_signal(server, config.timeout_seconds);
    exit_code = EXIT_OK;
out:
    serve_server_stop(server);
    serve_dbpool_destroy(pool);
    free(errmsg);
    return exit_code;
}
