/* server.h -- the HTTP server: libmicrohttpd, a routing table, body limits.
 *
 * A thread pool with epoll serves connections; long work is parked with
 * suspend/resume (exchange.h), never by blocking a pool thread. Responses are
 * queued on the second or later access-handler call, so keep-alive works.
 * Every request gets an id (X-Request-Id) and one access-log line.
 * Not here: wire formats of any API (src/api). */
#ifndef SY_HTTP_SERVER_H
#define SY_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http/access.h"
#include "http/exchange.h"
#include "util/err.h"

typedef void (*http_handler_fn)(struct http_exchange *ex, void *app);

struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* exact path, or a prefix ending in '*' that matches the rest */
    http_handler_fn handler;
    size_t body_max;     /* 0: the server's default limit */
    bool open;           /* answered without an API key (a liveness check) */
};

/* The answer for requests no route takes: code is SY_ENOTFOUND or SY_EMETHOD
 * (then allow lists the methods the path has, e.g. "GET, POST"), or
 * SY_ETOOLARGE / SY_EINVAL for bodies the server refused while reading. */
typedef void (*http_refusal_fn)(struct http_exchange *ex, void *app, sy_code code,
                                const char *detail);

struct http_server_config {
    const char *host;            /* address to bind; "127.0.0.1" by default */
    uint16_t port;               /* 0 picks a free port */
    unsigned threads;            /* pool threads */
    size_t body_max;             /* default per-request body limit, bytes */
    unsigned connection_timeout; /* seconds of inactivity before a connection is closed */
    size_t send_buffer;          /* kernel send buffer per connection, bytes; 0: the kernel's */
    unsigned header_timeout_ms;  /* a new connection's first request headers must arrive in
                                  * this time (slowloris); 0: no limit */
    unsigned body_timeout_ms;    /* a body must be complete within this plus a second per */
    unsigned min_body_rate;      /* min_body_rate bytes received; 0 either: no limit */
    unsigned per_client_connections; /* open at once per client address other than
                                      * 127.0.0.1 / ::1; 0: no cap */
    const struct http_route *routes; /* borrowed for the server's life */
    size_t n_routes;
    http_refusal_fn refuse;      /* required */
    const struct http_access *access; /* keys, hosts, origins (access.h); may be NULL: no checks */
    void *app;                   /* passed to handlers */
    /* may be NULL: told of every finished request (route is the matched
     * pattern or "unmatched"; status 0 if nothing was sent). Any thread. */
    void (*observe)(void *app, const char *method, const char *route, unsigned status,
                    double ms);
};

struct http_server;

/* Binds and starts serving.
 * Returns: SY_OK and *out (http_server_stop()); SY_EIO naming the address if
 *          it cannot be bound. */
sy_code http_server_start(const struct http_server_config *cfg, struct http_server **out,
                          struct sy_err *err);

/* Returns: the bound port (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);

/* Stops accepting, ends every exchange and frees the server. NULL is a no-op.
 * Callers stop the producers of deferred exchanges first. */
void http_server_stop(struct http_server *srv);

#endif
