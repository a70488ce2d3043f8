/* upstream_http.h -- what every remote provider does the same way over
 * libcurl: the safe transfer options (http/https only, no redirects, connect
 * timeout, decoded-size caps counted by the caller) and the mapping of an
 * upstream's failure onto our errors, each naming the provider. */
#ifndef SY_UPSTREAM_HTTP_H
#define SY_UPSTREAM_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "app/provider_config.h"
#include "util/err.h"

/* Sets the options every upstream transfer has; errbuf (CURL_ERROR_SIZE) gets
 * curl's detail on failure. Timeouts beyond connecting are the caller's. */
void upstream_http_options(const struct sy_provider_config *cfg, CURL *c, const char *url,
                           char *errbuf);

/* The upstream's own words from an error body: {"error": {"message"}},
 * {"error": "..."}, {"message"} or {"detail"}; else the body's start. */
void upstream_message(const char *body, size_t len, char *out, size_t size);

/* An HTTP status from the upstream as our error: a 4xx keeps its class (a
 * refused key is 403 naming the variable, never the key), a redirect or 5xx
 * is SY_EUPSTREAM. sent_key: the request carried the configured key. */
sy_code upstream_status_error(const struct sy_provider_config *cfg, bool sent_key, long status,
                              const char *body, size_t len, struct sy_err *err);

/* A transfer that failed in curl: SY_ETIMEOUT for a deadline, else
 * SY_EUPSTREAM ("cannot be reached"). */
sy_code upstream_curl_error(const struct sy_provider_config *cfg, CURLcode cc,
                            const char *errbuf, unsigned timeout_s, struct sy_err *err);

#endif
