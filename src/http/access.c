/* access.c -- key digests, Host names and origins. */
#include "http/access.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_access {
    unsigned char (*digests)[32];
    size_t n_keys;
    char **hosts;
    size_t n_hosts;
    bool loopback;
    char **origins;
    size_t n_origins;
};

static void digest(const char *key, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    EVP_Digest(key, len, out, &n, EVP_sha256(), NULL);
}

static char **copy_strings(const char *const *in, size_t n)
{
    char **out = n ? calloc(n, sizeof *out) : NULL;
    for (size_t i = 0; out && i < n; i++)
        out[i] = strdup(in[i]);
    return out;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

sy_code http_access_create(const struct http_access_config *cfg, struct http_access **out,
                           struct sy_err *err)
{
    for (size_t i = 0; i < cfg->n_keys; i++)
        if (!cfg->keys[i][0])
            return sy_errf(err, SY_EINVAL, "an API key is empty");
    struct http_access *a = calloc(1, sizeof *a);
    if (!a)
        return sy_errf(err, SY_ENOMEM, "out of memory");
    a->n_keys = cfg->n_keys;
    a->digests = cfg->n_keys ? calloc(cfg->n_keys, sizeof *a->digests) : NULL;
    for (size_t i = 0; a->digests && i < cfg->n_keys; i++)
        digest(cfg->keys[i], strlen(cfg->keys[i]), a->digests[i]);
    a->hosts = copy_strings(cfg->hosts, cfg->n_hosts);
    a->n_hosts = cfg->n_hosts;
    a->origins = copy_strings(cfg->origins, cfg->n_origins);
    a->n_origins = cfg->n_origins;
    a->loopback = cfg->loopback;
    if ((cfg->n_keys && !a->digests) || (cfg->n_hosts && !a->hosts) ||
        (cfg->n_origins && !a->origins)) {
        http_access_destroy(a);
        return sy_errf(err, SY_ENOMEM, "out of memory");
    }
    *out = a;
    return SY_OK;
}

void http_access_destroy(struct http_access *a)
{
    if (!a)
        return;
    if (a->digests)
        OPENSSL_cleanse(a->digests, a->n_keys * sizeof *a->digests);
    free(a->digests);
    free_strings(a->hosts, a->n_hosts);
    free_strings(a->origins, a->n_origins);
    free(a);
}

bool http_access_needs_key(const struct http_access *a)
{
    return a && a->n_keys > 0;
}

bool http_access_key_ok(const struct http_access *a, const char *authorization,
                        const char *x_api_key)
{
    if (!http_access_needs_key(a))
        return true;
    const char *key = x_api_key;
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
        key = authorization + 7;
    if (!key)
        return false;
    while (*key == ' ')
        key++;
    unsigned char d[32];
    digest(key, strlen(key), d);
    /* Every key, every time: how long this takes says nothing about which matched. */
    int match = 0;
    for (size_t i = 0; i < a->n_keys; i++)
        match |= CRYPTO_memcmp(d, a->digests[i], sizeof d) == 0;
    OPENSSL_cleanse(d, sizeof d);
    return match != 0;
}

/* The name in a Host value, without its port: "[::1]:8080" -> "::1". */
static size_t host_name(const char *host, const char **name)
{
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        *name = host + 1;
        return end ? (size_t)(end - host - 1) : 0;
    }
    const char *colon = strchr(host, ':');
    *name = host;
    return colon ? (size_t)(colon - host) : strlen(host);
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

bool http_access_host_ok(const struct http_access *a, const char *host)
{
    if (!a || !host)
        return true;
    const char *name;
    size_t len = host_name(host, &name);
    for (size_t i = 0; i < a->n_hosts; i++)
        if (name_is(name, len, a->hosts[i]))
            return true;
    if (!a->loopback)
        return true; /* bound to a network: names are the network's business */
    return name_is(name, len, "localhost") || name_is(name, len, "127.0.0.1") ||
           name_is(name, len, "::1");
}

bool http_access_origin_ok(const struct http_access *a, const char *origin, const char *host,
                           bool *cors)
{
    *cors = false;
    if (!origin)
        return true; /* not a browser's cross-origin request */
    for (size_t i = 0; a && i < a->n_origins; i++)
        if (strcmp(a->origins[i], "*") == 0 || strcasecmp(a->origins[i], origin) == 0) {
            *cors = true;
            return true;
        }
    /* Same origin: "http://" or "https://" followed by exactly the Host. */
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                              : NULL;
    return rest && host && strcasecmp(rest, host) == 0;
}
