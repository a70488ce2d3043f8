/* exchange.h -- what a route handler sees of one HTTP request and its response.
 *
 * A handler runs on an HTTP thread once the whole body has arrived. It either
 * answers at once (http_respond*) or defers: http_defer() parks the request
 * without holding a thread, and another thread calls http_waker_wake() when
 * there is something to say. The server then calls ops->resume on an HTTP
 * thread, where the handler answers in full or starts a stream whose bytes it
 * hands out through ops->read. Nothing here knows a wire format beyond HTTP.
 * Thread-safety: exchange functions only on the HTTP thread that called the
 * handler (or resume/read); wakers from any thread. */
#ifndef SY_HTTP_EXCHANGE_H
#define SY_HTTP_EXCHANGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct http_exchange; /* owned by the server */
struct http_waker;    /* refcounted */

/* Request accessors. Returned strings are borrowed until the exchange ends. */
const char *http_method(const struct http_exchange *ex);
const char *http_path(const struct http_exchange *ex);
const char *http_path_rest(const struct http_exchange *ex); /* what the route's '*' matched */
const char *http_header(const struct http_exchange *ex, const char *name); /* NULL if absent */
const char *http_query(const struct http_exchange *ex, const char *name);  /* NULL if absent */
/* Every value of a repeated query parameter ("expand[]=a&expand[]=b"), in
 * order: up to max into out. Returns: how many there are (may exceed max). */
size_t http_query_all(const struct http_exchange *ex, const char *name, const char **out,
                      size_t max);
const char *http_body(const struct http_exchange *ex, size_t *len);
const char *http_request_id(const struct http_exchange *ex);
/* The methods other routes take for this path ("POST, DELETE"), "" if none. */
const char *http_allowed_methods(const struct http_exchange *ex);

/* Adds a header to the response about to be sent (both strings copied). */
void http_add_header(struct http_exchange *ex, const char *name, const char *value);

/* Answers with a complete body (copied). Only one answer per exchange. */
void http_respond(struct http_exchange *ex, unsigned status, const char *content_type,
                  const void *body, size_t len);

/* Answers with body encoded compactly as application/json; takes ownership of body. */
void http_respond_json(struct http_exchange *ex, unsigned status, json_t *body);

struct http_deferred_ops {
    /* required: called on an HTTP thread after a wake. Answer with
     * http_respond*() or http_respond_stream(); doing neither parks again. */
    void (*resume)(void *ctx, struct http_exchange *ex);
    /* required for streams: copy up to max bytes into buf. Returns the count,
     * 0 if nothing is ready yet (the server parks until the next wake),
     * HTTP_READ_END at the normal end, HTTP_READ_ABORT to cut the connection. */
    ssize_t (*read)(void *ctx, char *buf, size_t max);
    /* may be NULL: words for the access-log line ("model=... tokens=..."),
     * written NUL-terminated into buf; called once, just before closed. */
    void (*log_note)(void *ctx, char *buf, size_t size);
    /* may be NULL: the client hung up while the exchange was deferred, so the
     * work can stop now rather than when its answer fails to send. Called at
     * most once, on the server's watcher thread, before closed; must not call
     * back into the server. The exchange still ends through resume/closed. */
    void (*abandoned)(void *ctx);
    /* required: the exchange is over (completed true if the response was sent
     * in full). ctx is never used by the server after this returns. */
    void (*closed)(void *ctx, bool completed);
};

#define HTTP_READ_END ((ssize_t)-1)
#define HTTP_READ_ABORT ((ssize_t)-2)

/* Parks ex until a wake. ops is borrowed for the exchange's life, ctx is the
 * handler's. Returns: a new waker reference owned by the caller (release with
 * http_waker_release()); NULL if out of memory (then nothing is parked and the
 * handler must answer). */
struct http_waker *http_defer(struct http_exchange *ex, const struct http_deferred_ops *ops,
                              void *ctx);

/* From resume: starts a chunked streaming response fed by ops->read. */
void http_respond_stream(struct http_exchange *ex, unsigned status, const char *content_type);

/* Wakes the exchange behind w (any thread). A wake after the exchange ended is
 * a no-op. Never blocks for long. */
void http_waker_wake(struct http_waker *w);

/* Drops a reference. NULL is a no-op. */
void http_waker_release(struct http_waker *w);

#endif
