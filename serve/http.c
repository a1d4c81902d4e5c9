/* forum-serve — the HTTP server (http.h).
 *
 * libmicrohttpd runs a pool of threads, each with its own event loop
 * (MHD_USE_INTERNAL_POLLING_THREAD + MHD_OPTION_THREAD_POOL_SIZE); a
 * request is answered on the thread that read it, with a database
 * handle borrowed from the pool (dbpool.h). Routing and parameters use
 * the URI exactly as the client sent it (MHD_OPTION_URI_LOG_CALLBACK):
 * our own decoder (params.h) then refuses what is malformed instead of
 * guessing, and the access log shows what was asked. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "cliutil.h"
#include "page.h"
#include "params.h"
#include "reply.h"

/* The policy of every answer: nothing but our own style sheet loads, no
 * script runs, no one frames the page, forms go only back to us. */
#define CONTENT_SECURITY_POLICY                                            \
    "default-src 'none'; style-src 'self'; img-src 'self'; "               \
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/* Per connection memory in libmicrohttpd: the request line and headers
 * must fit (a longer URI is answered 414 by the library). 64 KiB holds
 * a query of SERVE_MAX_Q_BYTES percent-encoded three times over. */
#define CONNECTION_MEMORY (64 * 1024)

/* How much of a URI the access log shows. */
#define LOG_URI_BYTES 512

struct serve_server {
    struct MHD_Daemon *daemon;
    serve_dbpool_t *pool;
    bool quiet;
    bool quiesced;
    /* The listening socket after MHD_quiesce_daemon(): ours to close,
     * but only once the daemon's threads are gone. */
    MHD_socket listener;
    /* Requests begun (request line read) and not yet completed. */
    atomic_uint in_flight;
};

/* One request, from its request line to its completion. */
typedef struct request {
    char *uri;           /* As sent, NUL-terminated. */
    double started;
    char client[INET6_ADDRSTRLEN];
    char method[16];
    char version[16];
    int status;
    size_t bytes;
    bool seen;           /* The access handler was called. */
    bool answered;
} request_t;

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        message[--len] = '\0';
    fprintf(stderr, "forum-serve: %s\n", message);
}

static void client_address(char out[INET6_ADDRSTRLEN],
                           struct MHD_Connection *connection)
{
    snprintf(out, INET6_ADDRSTRLEN, "-");
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(
        connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  out, INET6_ADDRSTRLEN);
}

static void *on_uri(void *cls, const char *uri,
                    struct MHD_Connection *connection)
{
    serve_server_t *server = cls;
    request_t *req = calloc(1, sizeof *req);
    if (req == NULL)
        return NULL;
    req->uri = strdup(uri);
    if (req->uri == NULL) {
        free(req);
        return NULL;
    }
    req->started = cli_now();
    client_address(req->client, connection);
    atomic_fetch_add(&server->in_flight, 1);
    return req;
}

/* Appends s to the log line with everything that could forge a line or
 * a field (controls, quotes, backslashes, bytes past ASCII) as \xHH. */
static size_t log_escaped(char *line, size_t at, size_t size, const char *s,
                          size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    for (; s[i] && i < max && at + 5 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
            line[at++] = '\\';
            line[at++] = 'x';
            line[at++] = hex[c >> 4];
            line[at++] = hex[c & 15];
        } else {
            line[at++] = (char)c;
        }
    }
    if (s[i] && at + 4 < size) {
        memcpy(line + at, "...", 3);
        at += 3;
    }
    line[at] = '\0';
    return at;
}

static void on_completed(void *cls, struct MHD_Connection *connection,
                         void **con_cls,
                         enum MHD_RequestTerminationCode how)
{
    (void)connection;
    serve_server_t *server = cls;
    request_t *req = *con_cls;
    if (req == NULL)
        return;
    *con_cls = NULL;
    if (!server->quiet) {
        /* One write per line, so lines from pool threads never mix. */
        char line[LOG_URI_BYTES * 4 + 256];
        size_t at = (size_t)snprintf(line, sizeof line, "forum-serve: %s \"",
                                     req->client);
        at = log_escaped(line, at, sizeof line,
                         req->method[0] ? req->method : "-", 16);
        line[at++] = ' ';
        at = log_escaped(line, at, sizeof line, req->uri, LOG_URI_BYTES);
        line[at++] = ' ';
        at = log_escaped(line, at, sizeof line, req->version, 16);
        /* Status "-": libmicrohttpd refused the request itself (a
         * header too large), before our handler saw it. */
        char status[8] = "-";
        if (req->status)
            snprintf(status, sizeof status, "%d", req->status);
        snprintf(line + at, sizeof line - at, "\" %s %zu %.1fms%s\n",
                 status, req->bytes,
                 (cli_now() - req->started) * 1000.0,
                 how == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                 : how == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED
                     ? " (timed out)"
                 : how == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN
                     ? " (server stopping)"
                     : " (connection closed early)");
        fputs(line, stderr);
    }
    free(req->uri);
    free(req);
    atomic_fetch_sub(&server->in_flight, 1);
}

static void add_headers(struct MHD_Response *response,
                        const serve_reply_t *reply)
{
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            reply->content_type);
    MHD_add_response_header(response, "Content-Security-Policy",
                            CONTENT_SECURITY_POLICY);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL,
                            reply->cacheable ? "public, max-age=86400"
                                             : "no-cache");
    if (reply->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", reply->retry_after);
        MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER,
                                seconds);
    }
    if (reply->status == 405)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW,
                                "GET, HEAD");
}

static bool is_api(const char *path, size_t len)
{
    return len >= 4 && memcmp(path, "/api", 4) == 0 &&
           (len == 4 || path[4] == '/');
}

static bool path_is(const char *path, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(path, name, len) == 0;
}

/* Answers one request into reply. */
static void route(serve_server_t *server, const request_t *req,
                  serve_reply_t *reply)
{
    const char *uri = req->uri;
    size_t path_len = strcspn(uri, "?");
    const char *query = uri[path_len] == '?' ? uri + path_len + 1 : "";
    bool api = is_api(uri, path_len);

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        if (api)
            serve_api_message(reply, 405, "only GET and HEAD are allowed");
        else
            serve_page_message(reply, 405, "只支持 GET 请求。");
        return;
    }
    if (path_is(uri, path_len, "/style.css")) {
        serve_page_style(reply);
        return;
    }
    typedef void (*handler_fn)(serve_reply_t *, serve_dbpool_t *,
                               const serve_params_t *);
    static const struct {
        const char *path;
        handler_fn handler;
    } routes[] = {
        {"/", serve_page_search},
        {"/thread", serve_page_thread},
        {"/api/search", serve_api_search},
        {"/api/thread", serve_api_thread},
    };
    handler_fn handler = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (path_is(uri, path_len, routes[i].path))
            handler = routes[i].handler;
    if (handler == NULL) {
        if (api)
            serve_api_message(reply, 404, "no such API: the API is "
                              "/api/search?q=… and /api/thread?id=…");
        else
            serve_page_message(reply, 404, "没有这个页面。");
        return;
    }

    serve_params_t params;
    serve_error_t err;
    if (serve_params_parse(&params, query, strlen(query), &err) != 0) {
        if (api)
            serve_api_error(reply, &err);
        else
            serve_page_message(reply, err.http_status, err.message);
        return;
    }
    handler(reply, server->pool, &params);
    serve_params_free(&params);
}

static enum MHD_Result send_reply(struct MHD_Connection *connection,
                                  request_t *req, serve_reply_t *reply)
{
    if (reply->body == NULL || fclose(reply->body) != 0) {
        free(reply->data);
        static char busy[] = "{\"error\":\"out of memory\"}\n";
        reply->status = 503;
        reply->content_type = SERVE_TYPE_JSON;
        reply->retry_after = 1;
        reply->data = NULL;
        struct MHD_Response *response = MHD_create_response_from_buffer(
            sizeof busy - 1, busy, MHD_RESPMEM_PERSISTENT);
        if (response == NULL)
            return MHD_NO;
        add_headers(response, reply);
        req->status = 503;
        req->bytes = sizeof busy - 1;
        enum MHD_Result queued = MHD_queue_response(connection, 503,
                                                    response);
        MHD_destroy_response(response);
        return queued;
    }
    reply->body = NULL;
    struct MHD_Response *response = MHD_create_response_from_buffer(
        reply->len, reply->data, MHD_RESPMEM_MUST_FREE);
    if (response == NULL) {
        free(reply->data);
        return MHD_NO;
    }
    add_headers(response, reply);
    req->status = reply->status;
    req->bytes = reply->len;
    enum MHD_Result queued = MHD_queue_response(connection,
                                                (unsigned)reply->status,
                                                response);
    MHD_destroy_response(response);
    return queued;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)upload_data;
    serve_server_t *server = cls;
    request_t *req = *con_cls;
    if (req == NULL)
        return MHD_NO; /* Out of memory in on_uri: drop the connection. */
    if (req->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!req->seen) {
        req->seen = true;
        snprintf(req->method, sizeof req->method, "%s", method);
        snprintf(req->version, sizeof req->version, "%s", version);
        /* A GET is answered on the next call, once libmicrohttpd has
         * read the whole request: an answer queued before that makes
         * it close the connection instead of keeping it alive. Other
         * methods are refused at once, their bodies unread. */
        if (get)
            return MHD_YES;
    } else if (*upload_data_size != 0) {
        *upload_data_size = 0; /* A GET with a body: ignored. */
        return MHD_YES;
    }
    req->answered = true;
    serve_reply_t reply;
    route(server, req, &reply);
    return send_reply(connection, req, &reply);
}

int serve_server_start(serve_server_t **out, const serve_config_t *config,
                       serve_dbpool_t *pool, char *err, size_t err_size)
{
    *out = NULL;
    serve_server_t *server = calloc(1, sizeof *server);
    if (server == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    server->pool = pool;
    server->quiet = config->quiet;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (config->address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = config->address.ss_family == AF_INET6
        ? ntohs(((const struct sockaddr_in6 *)&config->address)->sin6_port)
        : ntohs(((const struct sockaddr_in *)&config->address)->sin_port);
    server->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, server,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&config->address,
        MHD_OPTION_THREAD_POOL_SIZE, config->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, config->timeout_seconds,
        MHD_OPTION_CONNECTION_LIMIT, config->max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, server,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        snprintf(err, err_size, "cannot start the HTTP server (the "
                 "messages above say why)");
        free(server);
        return -1;
    }
    *out = server;
    return 0;
}

unsigned serve_server_port(serve_server_t *server)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void serve_server_quiesce(serve_server_t *server)
{
    if (server->quiesced)
        return;
    server->listener = MHD_quiesce_daemon(server->daemon);
    /* Quiesced, the socket still listens, and the kernel would queue
     * connections no one accepts: shut it down, so that they are
     * refused at once (closed only after the threads are gone). */
    if (server->listener != MHD_INVALID_SOCKET)
        shutdown(server->listener, SHUT_RDWR);
    server->quiesced = true;
}

unsigned serve_server_in_flight(serve_server_t *server)
{
    return atomic_load(&server->in_flight);
}

void serve_server_stop(serve_server_t *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->daemon);
    if (server->quiesced && server->listener != MHD_INVALID_SOCKET)
        close(server->listener);
    free(server);
}

const char *serve_http_version(void)
{
    return MHD_get_version();
}
