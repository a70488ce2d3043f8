/* conn_limit.h -- (internal to src/http) who may take connections: each
 * client address at most `per_client` at once, and the last `reserved` of the
 * table kept for the machine's own clients (127.0.0.1 and ::1), so a flood
 * from elsewhere never locks out the operator on the box. The machine's own
 * clients have no per-client cap (a local load generator is the operator's
 * choice). Thread-safety: all functions may be called from any thread. */
#ifndef SY_HTTP_CONN_LIMIT_H
#define SY_HTTP_CONN_LIMIT_H

#include <stdbool.h>
#include <sys/socket.h>

struct conn_limit;

/* Returns NULL if out of memory. per_client 0: no per-client cap. */
struct conn_limit *conn_limit_create(unsigned total, unsigned reserved, unsigned per_client);
void conn_limit_destroy(struct conn_limit *cl); /* NULL is a no-op */

/* Whether a new connection from addr may be taken; counts it if so. */
bool conn_limit_admit(struct conn_limit *cl, const struct sockaddr *addr, socklen_t len);

/* A connection admitted from addr has closed. */
void conn_limit_release(struct conn_limit *cl, const struct sockaddr *addr, socklen_t len);

#endif
