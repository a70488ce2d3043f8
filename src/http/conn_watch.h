/* conn_watch.h -- (internal to src/http) watching connection sockets from a
 * thread of our own, for what libmicrohttpd does not see:
 *
 *  - the header deadline: MHD's idle timeout restarts with every byte, so a
 *    client sending its headers a byte at a time (slowloris) holds a
 *    connection for ever; a connection whose first request's headers are not
 *    complete in time is shut down;
 *  - the minimum body rate (as Apache's mod_reqtimeout): a request body must
 *    be complete within a grace time plus one second for every `min rate`
 *    bytes received so far, so a body trickled a byte at a time is cut off
 *    while a slow but steady upload is not;
 *  - hang-ups while an exchange is parked: MHD does not poll a suspended
 *    connection, so a client that leaves while waiting for a queue slot or a
 *    non-streamed answer would go unnoticed until the answer is written; an
 *    armed entry's callback runs when the peer hangs up.
 *
 * One entry per connection, from MHD's "started" to its "closed"
 * notification (the socket stays open in between). Thread-safety: all
 * functions may be called from any thread; callbacks run on the watcher's
 * thread under its lock, so disarming waits for a running callback. */
#ifndef SY_HTTP_CONN_WATCH_H
#define SY_HTTP_CONN_WATCH_H

#include <stddef.h>
#include <stdint.h>

struct conn_watch;
struct watch_entry;

struct conn_watch_limits {
    int64_t header_timeout_ms; /* 0: no header deadline */
    int64_t body_grace_ms;     /* 0: no body rule */
    uint64_t min_body_rate;    /* bytes per second a body earns time at (> 0 with a grace) */
};

/* Returns NULL on failure. */
struct conn_watch *conn_watch_start(const struct conn_watch_limits *limits);
void conn_watch_stop(struct conn_watch *cw); /* NULL is a no-op; entries must be gone */

/* A new connection on fd. Returns its entry, or NULL if out of memory (it is
 * then not watched). */
struct watch_entry *conn_watch_add(struct conn_watch *cw, int fd);

/* Its first request's headers are in: no deadline any more. */
void conn_watch_headers_done(struct conn_watch *cw, struct watch_entry *e);

/* A request body starts arriving on e (the body rule applies until done). */
void conn_watch_body_start(struct conn_watch *cw, struct watch_entry *e);

/* n more body bytes arrived. */
void conn_watch_body_progress(struct conn_watch *cw, struct watch_entry *e, size_t n);

/* The body is complete (or the request ended). */
void conn_watch_body_done(struct conn_watch *cw, struct watch_entry *e);

/* Calls fn(ctx) once if the peer hangs up while armed; fn NULL disarms. */
void conn_watch_arm(struct conn_watch *cw, struct watch_entry *e, void (*fn)(void *ctx),
                    void *ctx);

/* The connection closed. NULL e is a no-op. */
void conn_watch_remove(struct conn_watch *cw, struct watch_entry *e);

/* Connections shut down for missing the header deadline or the body rate, ever. */
unsigned long conn_watch_dropped(struct conn_watch *cw);

#endif
