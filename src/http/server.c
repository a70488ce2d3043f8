/* server.c -- libmicrohttpd daemon, request state machine and routing.
 *
 * MHD calls the access handler several times per request: first with only the
 * headers, then once per chunk of body, then with an empty chunk when the body
 * is complete, and once more after every resume of a suspended connection.
 * Responses are queued only from the later calls (queued on the first, MHD
 * would close the connection instead of keeping it alive).
 *
 * What MHD does not see about its sockets -- a slowloris client, a client
 * that hangs up while its exchange is parked -- conn_watch.h watches; a
 * hang-up is passed on to the exchange's owner (ops->abandoned), who stops
 * the work. */
#include "http/server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http/conn_limit.h"
#include "http/conn_watch.h"
#include "http/exchange_impl.h"
#include "http/waker.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_config cfg;
    uint16_t port;
    atomic_uint_fast64_t next_request;
    pthread_mutex_t lock;
    struct http_exchange *deferred; /* exchanges parked at least once, for stop */
    bool stopping;
    struct conn_watch *watch;
    struct conn_limit *limit;
};

struct extra_header {
    char *name, *value;
    struct extra_header *next;
};

enum phase { PH_RECEIVING, PH_HANDLING, PH_DEFERRED, PH_ANSWERED };

struct http_exchange {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *method, *url; /* MHD's, valid for the request */
    const struct http_route *route;
    const char *rest;
    sy_code refusal;          /* SY_OK, or why no handler will run */
    const char *refusal_detail; /* static text for the refusal, or NULL */
    char allow[64];           /* methods the path has, for 405 */
    struct sy_buf body;
    enum phase phase;
    struct MHD_Response *response; /* prepared by a handler, queued by the server */
    unsigned status;
    struct extra_header *headers;
    const struct http_deferred_ops *ops;
    void *ctx;
    struct http_waker *waker; /* the server's reference */
    struct http_exchange *prev_deferred, *next_deferred;
    bool in_deferred_list;
    struct watch_entry *watch; /* its connection's, or NULL if not watched */
    char cors_origin[256];    /* an allowed cross origin: answers carry CORS headers */
    char request_id[24];
    struct timespec started;
};

/* ---- accessors -------------------------------------------------------------------------- */

const char *http_method(const struct http_exchange *ex) { return ex->method; }
const char *http_path(const struct http_exchange *ex) { return ex->url; }
const char *http_path_rest(const struct http_exchange *ex) { return ex->rest ? ex->rest : ""; }
const char *http_request_id(const struct http_exchange *ex) { return ex->request_id; }
const char *http_allowed_methods(const struct http_exchange *ex) { return ex->allow; }

const char *http_header(const struct http_exchange *ex, const char *name)
{
    return MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_exchange *ex, const char *name)
{
    return MHD_lookup_connection_value(ex->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_values {
    const char *name;
    const char **out;
    size_t max, n;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_values *q = cls;
    if (strcmp(key, q->name) == 0) {
        if (q->n < q->max)
            q->out[q->n] = value ? value : "";
        q->n++;
    }
    return MHD_YES;
}

size_t http_query_all(const struct http_exchange *ex, const char *name, const char **out,
                      size_t max)
{
    struct query_values q = {.name = name, .out = out, .max = max};
    MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND, collect_query, &q);
    return q.n;
}

const char *http_body(const struct http_exchange *ex, size_t *len)
{
    *len = ex->body.len;
    return ex->body.data ? ex->body.data : "";
}

struct MHD_Connection *exchange_connection(const struct http_exchange *ex)
{
    return ex->conn;
}

size_t exchange_body_limit(const struct http_exchange *ex)
{
    return ex->body.limit;
}

/* ---- answering -------------------------------------------------------------------------- */

void http_add_header(struct http_exchange *ex, const char *name, const char *value)
{
    struct extra_header *h = calloc(1, sizeof *h);
    if (!h)
        return;
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        free(h);
        return;
    }
    h->next = ex->headers;
    ex->headers = h;
}

static void set_response(struct http_exchange *ex, unsigned status, struct MHD_Response *r,
                         const char *content_type)
{
    if (!r) {
        log_error("%s: out of memory building a response", ex->request_id);
        return;
    }
    if (ex->response) { /* a second answer is a bug in a handler: keep the first */
        log_error("%s: handler answered twice", ex->request_id);
        MHD_destroy_response(r);
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, "X-Request-Id", ex->request_id);
    if (ex->cors_origin[0]) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", ex->cors_origin);
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
    }
    for (struct extra_header *h = ex->headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    ex->response = r;
    ex->status = status;
}

void http_respond(struct http_exchange *ex, unsigned status, const char *content_type,
                  const void *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    set_response(ex, status, r, content_type);
}

void http_respond_json(struct http_exchange *ex, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        static const char oom[] = "{\"error\":{\"message\":\"out of memory encoding the response\","
                                  "\"type\":\"server_error\",\"code\":\"out_of_memory\",\"param\":null}}";
        http_respond(ex, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    size_t n = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    if (!r)
        free(text);
    set_response(ex, status, r, "application/json");
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct http_exchange *ex = cls;
    for (;;) {
        ssize_t n = ex->ops->read(ex->ctx, buf, max);
        if (n > 0)
            return n;
        if (n == HTTP_READ_END)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        switch (waker_park(ex->waker)) {
        case WAKER_PARKED: return 0;
        case WAKER_RETRY: continue;
        case WAKER_GONE: return MHD_CONTENT_READER_END_WITH_ERROR;
        }
    }
}

void http_respond_stream(struct http_exchange *ex, unsigned status, const char *content_type)
{
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, ex, NULL);
    if (r) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* proxies must not buffer */
    }
    set_response(ex, status, r, content_type);
}

/* The client hung up while ex was deferred (on the watcher's thread; ex
 * cannot end meanwhile: on_completed disarms first). */
static void exchange_hung_up(void *arg)
{
    struct http_exchange *ex = arg;
    log_debug("%s: the client hung up while waiting", ex->request_id);
    if (ex->ops->abandoned)
        ex->ops->abandoned(ex->ctx);
}

struct http_waker *http_defer(struct http_exchange *ex, const struct http_deferred_ops *ops,
                              void *ctx)
{
    struct http_waker *w = waker_create(ex->conn);
    if (!w)
        return NULL;
    ex->ops = ops;
    ex->ctx = ctx;
    ex->waker = w;
    struct http_server *srv = ex->srv;
    pthread_mutex_lock(&srv->lock);
    ex->next_deferred = srv->deferred;
    if (srv->deferred)
        srv->deferred->prev_deferred = ex;
    srv->deferred = ex;
    ex->in_deferred_list = true;
    pthread_mutex_unlock(&srv->lock);
    conn_watch_arm(srv->watch, ex->watch, exchange_hung_up, ex);
    return waker_retain(w);
}

/* ---- routing ---------------------------------------------------------------------------- */

static bool path_matches(const char *pattern, const char *path, const char **rest)
{
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*') {
        if (strncmp(pattern, path, n - 1) != 0 || path[n - 1] == '\0')
            return false;
        *rest = path + n - 1;
        return true;
    }
    *rest = NULL;
    return strcmp(pattern, path) == 0;
}

/* Why the decoded request target may not be routed, or NULL if it may: an
 * absolute-form target, a NUL (kept as "%00" by unescape()), or a "." or
 * ".." segment (often sent encoded, "%2e%2e%2f", to slip past a proxy). */
static const char *target_problem(const char *url)
{
    if (url[0] != '/')
        return "the request target must be a path starting with '/'";
    if (strcasestr(url, "%00"))
        return "the request target contains a NUL byte";
    for (const char *seg = url + 1;; seg++) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return "the request target contains a '.' or '..' path segment";
        if (!end)
            return NULL;
        seg = end;
    }
}

/* Decodes %XX in the target and arguments, except %00: decoded, a NUL would
 * cut the string short and hide what followed; kept, target_problem sees it. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strcasestr(s, "%00") ? strlen(s) : MHD_http_unescape(s);
}

static void route(struct http_exchange *ex)
{
    const struct http_server_config *cfg = &ex->srv->cfg;
    size_t used = 0;
    const char *problem = target_problem(ex->url);
    if (problem) {
        ex->refusal = SY_EINVAL;
        ex->refusal_detail = problem;
        return;
    }
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const struct http_route *r = &cfg->routes[i];
        const char *rest;
        if (!path_matches(r->pattern, ex->url, &rest))
            continue;
        if (strcmp(r->method, ex->method) == 0) {
            ex->route = r;
            ex->rest = rest;
            return;
        }
        if (!strstr(ex->allow, r->method)) {
            int w = snprintf(ex->allow + used, sizeof ex->allow - used, "%s%s", used ? ", " : "",
                             r->method);
            if (w > 0 && (size_t)w < sizeof ex->allow - used)
                used += (size_t)w;
        }
    }
    ex->refusal = ex->allow[0] ? SY_EMETHOD : SY_ENOTFOUND;
}

/* ---- the access handler ----------------------------------------------------------------- */

static enum MHD_Result queue_answer(struct http_exchange *ex)
{
    ex->phase = PH_ANSWERED;
    enum MHD_Result rc = MHD_queue_response(ex->conn, ex->status, ex->response);
    MHD_destroy_response(ex->response);
    ex->response = NULL;
    return rc;
}

/* Refuses the request with the app's error body. */
static enum MHD_Result refuse(struct http_exchange *ex, sy_code code, const char *detail)
{
    if (code == SY_EMETHOD)
        http_add_header(ex, "Allow", ex->allow);
    ex->srv->cfg.refuse(ex, ex->srv->cfg.app, code, detail);
    if (!ex->response)
        http_respond(ex, 500, "text/plain", "refusal produced no response", 28);
    return queue_answer(ex);
}

/* Asks ops->resume for an answer; parks the exchange until the next wake if
 * there is none yet. Runs right after the handler deferred and after every
 * resume of the connection. */
static enum MHD_Result drive_deferred(struct http_exchange *ex)
{
    for (;;) {
        ex->ops->resume(ex->ctx, ex);
        if (ex->response)
            return queue_answer(ex);
        switch (waker_park(ex->waker)) {
        case WAKER_PARKED: return MHD_YES;
        case WAKER_GONE:
            http_respond(ex, 503, "text/plain", "server is stopping", 18);
            return queue_answer(ex);
        case WAKER_RETRY: break; /* woken meanwhile: ask again */
        }
    }
}

static enum MHD_Result handle_complete_request(struct http_exchange *ex)
{
    if (ex->refusal != SY_OK)
        return refuse(ex, ex->refusal, ex->refusal_detail);
    ex->phase = PH_HANDLING;
    ex->route->handler(ex, ex->srv->cfg.app);
    if (ex->response)
        return queue_answer(ex);
    if (!ex->ops) {
        log_error("%s: handler for %s %s neither answered nor deferred", ex->request_id,
                  ex->method, ex->url);
        return refuse(ex, SY_EINTERNAL, "the handler produced no response");
    }
    ex->phase = PH_DEFERRED;
    return drive_deferred(ex);
}

/* Host, origin and key checks, on the request's headers alone. Returns
 * MHD_YES to go on reading it, or the result of answering it now (refused,
 * or a CORS preflight). */
static enum MHD_Result check_access(struct http_exchange *ex, bool *answered)
{
    const struct http_access *acc = ex->srv->cfg.access;
    const char *host = http_header(ex, "Host");
    const char *origin = http_header(ex, "Origin");
    *answered = true;
    if (!http_access_host_ok(acc, host))
        return refuse(ex, SY_EFORBIDDEN,
                      "this server does not answer to the name in the Host header; if it should, "
                      "add that name to allowed_hosts");
    bool cors = false;
    if (!http_access_origin_ok(acc, origin, host, &cors) || (origin && strlen(origin) >= 256))
        return refuse(ex, SY_EFORBIDDEN,
                      "requests from this web origin are not allowed; if they should be, add it "
                      "to cors_origins");
    if (cors)
        snprintf(ex->cors_origin, sizeof ex->cors_origin, "%s", origin);
    if (strcmp(ex->method, "OPTIONS") == 0 && origin &&
        http_header(ex, "Access-Control-Request-Method")) {
        http_respond(ex, 204, "text/plain", "", 0);
        if (ex->response) {
            MHD_add_response_header(ex->response, "Access-Control-Allow-Methods",
                                    "GET, POST, DELETE, OPTIONS");
            MHD_add_response_header(ex->response, "Access-Control-Allow-Headers",
                                    "Authorization, Content-Type, x-api-key");
            MHD_add_response_header(ex->response, "Access-Control-Max-Age", "600");
        }
        return queue_answer(ex);
    }
    bool open = ex->route && ex->route->open;
    if (!open && !http_access_key_ok(acc, http_header(ex, "Authorization"),
                                     http_header(ex, "x-api-key"))) {
        http_add_header(ex, "WWW-Authenticate", "Bearer realm=\"switchyard\"");
        return refuse(ex, SY_EAUTH,
                      "a valid API key is required: send it as 'Authorization: Bearer <key>' or "
                      "'x-api-key: <key>'");
    }
    *answered = false;
    return MHD_YES;
}

static struct http_exchange *exchange_create(struct http_server *srv, struct MHD_Connection *conn,
                                             const char *url, const char *method)
{
    struct http_exchange *ex = calloc(1, sizeof *ex);
    if (!ex)
        return NULL;
    ex->srv = srv;
    ex->conn = conn;
    ex->url = url;
    ex->method = method;
    clock_gettime(CLOCK_MONOTONIC, &ex->started);
    uint64_t serial = atomic_fetch_add(&srv->next_request, 1) + 1;
    snprintf(ex->request_id, sizeof ex->request_id, "req-%06" PRIu64, serial);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    ex->watch = ci ? ci->socket_context : NULL;
    conn_watch_headers_done(srv->watch, ex->watch);
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") ||
        (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length") &&
         strcmp(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length"), "0") != 0))
        conn_watch_body_start(srv->watch, ex->watch);
    route(ex);
    size_t limit = ex->route && ex->route->body_max ? ex->route->body_max : srv->cfg.body_max;
    buf_init(&ex->body, limit);
    return ex;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct http_exchange *ex = *con_cls;
    if (!ex) {
        ex = exchange_create(srv, conn, url, method);
        if (!ex)
            return MHD_NO;
        *con_cls = ex;
        bool answered;
        enum MHD_Result checked = check_access(ex, &answered);
        if (answered)
            return checked;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == '\0' && n > ex->body.limit) {
                char detail[96];
                snprintf(detail, sizeof detail, "the body is %llu bytes; the limit is %zu", n,
                         ex->body.limit);
                return refuse(ex, SY_ETOOLARGE, detail);
            }
        }
        return MHD_YES;
    }
    if (ex->phase == PH_ANSWERED) { /* refused while the body was still coming: drop it */
        if (*upload_data_size)
            conn_watch_body_progress(srv->watch, ex->watch, *upload_data_size);
        else
            conn_watch_body_done(srv->watch, ex->watch);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        conn_watch_body_progress(srv->watch, ex->watch, n);
        if (buf_append(&ex->body, upload_data, n, NULL) != SY_OK) {
            char detail[64];
            snprintf(detail, sizeof detail, "the body exceeds the limit of %zu bytes",
                     ex->body.limit);
            return refuse(ex, SY_ETOOLARGE, detail);
        }
        return MHD_YES;
    }
    conn_watch_body_done(srv->watch, ex->watch);
    if (ex->phase == PH_DEFERRED)
        return drive_deferred(ex);
    return handle_complete_request(ex);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    struct http_server *srv = cls;
    struct http_exchange *ex = *con_cls;
    if (!ex)
        return;
    *con_cls = NULL;
    conn_watch_body_done(srv->watch, ex->watch); /* the next request on it starts afresh */
    char note[256] = "";
    if (ex->waker) {
        conn_watch_arm(srv->watch, ex->watch, NULL, NULL); /* waits out a running callback */
        waker_detach(ex->waker);
        pthread_mutex_lock(&srv->lock);
        if (ex->in_deferred_list) {
            if (ex->prev_deferred)
                ex->prev_deferred->next_deferred = ex->next_deferred;
            else
                srv->deferred = ex->next_deferred;
            if (ex->next_deferred)
                ex->next_deferred->prev_deferred = ex->prev_deferred;
        }
        pthread_mutex_unlock(&srv->lock);
        if (ex->ops->log_note)
            ex->ops->log_note(ex->ctx, note, sizeof note);
        ex->ops->closed(ex->ctx, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
        http_waker_release(ex->waker);
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - ex->started.tv_sec) * 1e3 +
                (double)(now.tv_nsec - ex->started.tv_nsec) / 1e6;
    log_info("%s %s %s %u %.1fms%s%s%s", ex->request_id, ex->method, ex->url, ex->status, ms,
             note[0] ? " " : "", note,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (client gone or aborted)");
    if (srv->cfg.observe)
        srv->cfg.observe(srv->cfg.app, ex->method, ex->route ? ex->route->pattern : "unmatched",
                         ex->status, ms);
    if (ex->response)
        MHD_destroy_response(ex->response);
    while (ex->headers) {
        struct extra_header *next = ex->headers->next;
        free(ex->headers->name);
        free(ex->headers->value);
        free(ex->headers);
        ex->headers = next;
    }
    buf_cleanup(&ex->body);
    free(ex);
}

/* A connection starts: its send buffer capped when configured, and watched
 * (conn_watch.h) until it closes. */
static socklen_t addr_len(const struct sockaddr *a)
{
    return a->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                    : (socklen_t)sizeof(struct sockaddr_in);
}

/* Who may connect (conn_limit.h): per-client caps, and room kept for the
 * machine's own clients. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
    struct http_server *srv = cls;
    if (conn_limit_admit(srv->limit, addr, len))
        return MHD_YES;
    log_debug("refused a connection: its address has too many open, or the table is full");
    return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_watch_remove(srv->watch, *socket_context);
        *socket_context = NULL;
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ai && ai->client_addr)
            conn_limit_release(srv->limit, ai->client_addr, addr_len(ai->client_addr));
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    int size = (int)srv->cfg.send_buffer;
    if (size && setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
        log_warn("cannot set a connection's send buffer to %d bytes", size);
    *socket_context = conn_watch_add(srv->watch, ci->connect_fd);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (sy_log_threshold > SY_LOG_DEBUG)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    log_debug("libmicrohttpd: %s", line);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

sy_code http_server_start(const struct http_server_config *cfg, struct http_server **out,
                          struct sy_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->port);
    int gai = getaddrinfo(cfg->host, port, &hints, &ai);
    if (gai != 0)
        return sy_errf(err, SY_EIO, "cannot resolve host '%s': %s", cfg->host, gai_strerror(gai));

    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        freeaddrinfo(ai);
        return sy_errf(err, SY_ENOMEM, "out of memory starting the HTTP server");
    }
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->lock, NULL);
    struct conn_watch_limits limits = {.header_timeout_ms = cfg->header_timeout_ms,
                                       .body_grace_ms = cfg->min_body_rate ? cfg->body_timeout_ms
                                                                           : 0,
                                       .min_body_rate = cfg->min_body_rate};
    srv->watch = conn_watch_start(&limits);
    srv->limit = conn_limit_create(SY_HTTP_CONNECTIONS_MAX, SY_HTTP_CONNECTIONS_OWN,
                                   cfg->per_client_connections);
    if (!srv->watch || !srv->limit) {
        freeaddrinfo(ai);
        conn_watch_stop(srv->watch);
        conn_limit_destroy(srv->limit);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return sy_errf(err, SY_EIO, "cannot start the connection watcher");
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, accept_policy, srv, on_request, srv,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 1),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SY_HTTP_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, srv,
        MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!srv->daemon) {
        conn_watch_stop(srv->watch);
        conn_limit_destroy(srv->limit);
        pthread_mutex_destroy(&srv->lock);
        free(srv);
        return sy_errf(err, SY_EIO, "cannot listen on %s:%u (address in use or not available)",
                       cfg->host, cfg->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->port;
    *out = srv;
    return SY_OK;
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    MHD_quiesce_daemon(srv->daemon);
    /* MHD must not be stopped with suspended connections: detach (and so
     * resume) every parked exchange first. */
    pthread_mutex_lock(&srv->lock);
    srv->stopping = true;
    for (struct http_exchange *ex = srv->deferred; ex; ex = ex->next_deferred)
        waker_detach(ex->waker);
    pthread_mutex_unlock(&srv->lock);
    MHD_stop_daemon(srv->daemon); /* closes every connection: the watch empties */
    conn_watch_stop(srv->watch);
    conn_limit_destroy(srv->limit);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
}
