/* waker.h -- (internal to src/http) parking and waking one MHD connection.
 *
 * MHD allows suspending a connection only from its own callbacks, resuming it
 * from any thread, and never resuming one that is not suspended. The waker
 * keeps the `suspended` flag and a `pending` flag under one mutex, so a wake
 * that arrives while the consumer is between "nothing to read" and "suspend"
 * is never lost: the consumer sees `pending` and looks again instead.
 * Refcounted: the server holds one reference, each producer another. */
#ifndef SY_HTTP_WAKER_H
#define SY_HTTP_WAKER_H

#include <microhttpd.h>

#include "http/exchange.h"

enum waker_park { WAKER_PARKED, WAKER_RETRY, WAKER_GONE };

/* Returns: a new waker for conn with one reference, or NULL if out of memory. */
struct http_waker *waker_create(struct MHD_Connection *conn);

/* Takes one more reference. */
struct http_waker *waker_retain(struct http_waker *w);

/* From an MHD callback of the waker's connection: suspends it unless a wake is
 * pending. Returns: WAKER_PARKED (return to MHD now), WAKER_RETRY (a wake came
 * in: look for data again), WAKER_GONE (detached: the server is stopping). */
enum waker_park waker_park(struct http_waker *w);

/* Forgets the connection (it ended, or the server is stopping); resumes it
 * first if it was suspended. Later wakes do nothing. */
void waker_detach(struct http_waker *w);

#endif
