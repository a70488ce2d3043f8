/* keepalive.h -- one ticker thread that gives every open stream a chance to
 * say "still here" (an SSE comment) when it has been quiet too long: proxies
 * and clients with read timeouts keep idle streams open, a request waiting in
 * a model's queue gets its response started instead of silence, and writing
 * to a client that has gone away shows that it has (the write fails and the
 * generation is cancelled).
 * Thread-safety: all functions may be called from any thread; a beat never
 * runs after keepalive_remove() returns for its item. */
#ifndef SY_API_KEEPALIVE_H
#define SY_API_KEEPALIVE_H

#include <stdint.h>

struct keepalive;

struct keepalive_item {
    void (*beat)(void *ctx, int64_t now_ms); /* runs on the ticker, under its lock */
    void *ctx;
    struct keepalive_item *prev, *next;      /* the ticker's */
};

/* Starts the ticker, beating every tick_ms. Returns NULL on failure. */
struct keepalive *keepalive_start(unsigned tick_ms);
void keepalive_stop(struct keepalive *k); /* NULL is a no-op; items must be gone */

void keepalive_add(struct keepalive *k, struct keepalive_item *item);
void keepalive_remove(struct keepalive *k, struct keepalive_item *item);

/* Returns: monotonic milliseconds, the clock beats are given. */
int64_t keepalive_now_ms(void);

#endif
