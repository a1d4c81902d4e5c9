/* forum-serve — the HTTP server: libmicrohttpd with a thread pool,
 * routing, security headers, the access log. */
#ifndef FORUM_SERVE_HTTP_H
#define FORUM_SERVE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dbpool.h"

typedef struct serve_config {
    struct sockaddr_storage address;  /* Where to listen (v4 or v6). */
    unsigned threads;                 /* Pool threads (and DB handles). */
    unsigned timeout_seconds;         /* Idle connection timeout. */
    unsigned max_connections;
    bool quiet;                       /* No access log. */
} serve_config_t;

typedef struct serve_server serve_server_t;

/* Starts listening and serving from pool (borrowed: it must outlive the
 * server). On failure returns -1 with a message in err. */
int serve_server_start(serve_server_t **out, const serve_config_t *config,
                       serve_dbpool_t *pool, char *err, size_t err_size);

/* The port bound (useful when the configured port was 0). */
unsigned serve_server_port(serve_server_t *server);

/* Stops accepting connections; the open ones are still served. */
void serve_server_quiesce(serve_server_t *server);

/* Requests begun and not yet answered in full (idle keep-alive
 * connections hold none). */
unsigned serve_server_in_flight(serve_server_t *server);

/* libmicrohttpd's version, "0.9.75". */
const char *serve_http_version(void);

/* Stops the server: closes every connection and joins the threads.
 * Accepts NULL. */
void serve_server_stop(serve_server_t *server);

#endif
