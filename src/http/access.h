/* access.h -- who may talk to the server: API keys, Host names, origins.
 *
 * API keys (optional): a request must carry one as `Authorization: Bearer
 * <key>` or `x-api-key: <key>`; keys are kept as SHA-256 digests and compared
 * in constant time, all of them every time. Host: when the server is bound
 * to loopback, only loopback names (and configured extra names) are accepted,
 * so a DNS-rebinding page cannot reach it under its own name. Origin: a
 * browser request from another origin is refused unless the origin is in the
 * allow-list (then CORS headers let the browser read the answer); same-origin
 * requests (the playground) and non-browser clients (no Origin) pass.
 * Thread-safety: immutable after creation. */
#ifndef SY_HTTP_ACCESS_H
#define SY_HTTP_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct http_access_config {
    const char *const *keys;    /* API keys (copied as digests); none: no key needed */
    size_t n_keys;
    const char *const *hosts;   /* Host names accepted besides loopback ones */
    size_t n_hosts;
    bool loopback;              /* bound to loopback: check Host */
    const char *const *origins; /* CORS allow-list: "scheme://host[:port]", or "*" */
    size_t n_origins;
};

struct http_access;

/* Returns: SY_OK and *out (http_access_destroy()); SY_EINVAL for an empty key. */
sy_code http_access_create(const struct http_access_config *cfg, struct http_access **out,
                           struct sy_err *err);
void http_access_destroy(struct http_access *a); /* NULL is a no-op */

/* Whether requests need a key at all. */
bool http_access_needs_key(const struct http_access *a);

/* Whether the request carries a valid key (either header may be NULL). */
bool http_access_key_ok(const struct http_access *a, const char *authorization,
                        const char *x_api_key);

/* Whether the Host header value is acceptable (NULL: HTTP/1.0 without one). */
bool http_access_host_ok(const struct http_access *a, const char *host);

/* Whether a browser request from origin may proceed: same origin as host, or
 * listed. *cors is set when the answer needs CORS headers (a listed origin). */
bool http_access_origin_ok(const struct http_access *a, const char *origin, const char *host,
                           bool *cors);

#endif
